/* SPDX-License-Identifier: MIT */
/*
 * status.c: where a service of the store stands (sslm-status(1)): the
 * facts of its curr, next and prev sets (info.c), the renewal decision of
 * curr and next (renew.c, with the cached ARI window, read only), whether
 * next may roll and whether it is late, and the status the service adds
 * to the exit status of sslm-mgr -s.  Shown as JSON in the layout jq -c
 * prints, as ssl-mgr 7.8's text, or as Prometheus metrics.  Nothing here
 * writes the store.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "sslm.h"

#define SEEN_MAX	(1024 * 1024)		/* bound on <sdir>/.tlsa-seen */
#define LASTRUN_MAX	(16 * 1024 * 1024)	/* bound on certs/.last-run */
#define MSG_MAX		1024			/* a reason from the library */

/* A set is complete when each of these is there and not empty. */
static const char *const setfiles[] = { "privkey.pem", "csr.pem",
    "cert.pem", "chain.pem", "fullchain.pem", "bundle.pem" };

/* What status reads of one service, besides its sets. */
struct svc {
	const struct sslm_status_opts	*o;
	const struct sslm_renew_point	*p;
	size_t				 np;
	char				 sdir[PATH_MAX];
	int				 acme;	/* signer.type "acme" */
	size_t				 ndane;	/* entries of dane_tls */
	int				 dns;	/* the group has a primary */
	long long			 ttl;	/* dane_tls_ttl */
};

/* The renewal decision of one set. */
struct decision {
	int	 ok;		/* 0: undecided, err says why */
	int	 due;
	int	 ari;		/* the CA's window decided */
	time_t	 renew_at;
	double	 lead;		/* days before expiry: target + jitter */
	char	 err[MSG_MAX];
};

/* ---- jq's way with numbers and strings ----------------------------------- */

/*
 * A number as jq 1.6 prints it: integers below 1e17 in full, others in
 * the shortest form that reads back the same.
 */
static void
jqnum(double v, char *buf, size_t len)
{
	int p;

	if (v == floor(v) && fabs(v) < 1e17) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(buf, len, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

static int
jq_string(FILE *fp, const char *s, size_t n)
{
	size_t		i;
	unsigned char	c;

	if (fputc('"', fp) == EOF)
		return -1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
		}
	}
	return fputc('"', fp) == EOF ? -1 : 0;
}

static int
jq_value(FILE *fp, const json_t *j)
{
	const char	*k;
	const json_t	*v;
	size_t		 i;
	char		 nb[40];
	int		 first = 1;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		fputc('{', fp);
		json_object_foreach((json_t *)j, k, v) {
			if (!first)
				fputc(',', fp);
			first = 0;
			if (jq_string(fp, k, strlen(k)) == -1 ||
			    fputc(':', fp) == EOF || jq_value(fp, v) == -1)
				return -1;
		}
		return fputc('}', fp) == EOF ? -1 : 0;
	case JSON_ARRAY:
		fputc('[', fp);
		json_array_foreach(j, i, v) {
			if (i > 0)
				fputc(',', fp);
			if (jq_value(fp, v) == -1)
				return -1;
		}
		return fputc(']', fp) == EOF ? -1 : 0;
	case JSON_STRING:
		return jq_string(fp, json_string_value(j),
		    json_string_length(j));
	case JSON_INTEGER:
		return fprintf(fp, "%lld",
		    (long long)json_integer_value(j)) < 0 ? -1 : 0;
	case JSON_REAL:
		jqnum(json_real_value(j), nb, sizeof(nb));
		return fputs(nb, fp) == EOF ? -1 : 0;
	case JSON_TRUE:
		return fputs("true", fp) == EOF ? -1 : 0;
	case JSON_FALSE:
		return fputs("false", fp) == EOF ? -1 : 0;
	default:
		return fputs("null", fp) == EOF ? -1 : 0;
	}
}

int
sslm_status_print(FILE *fp, const json_t *j)
{
	if (jq_value(fp, j) == -1 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

/* ---- the store ------------------------------------------------------------ */

/*
 * The set the link name of sdir points at: "db/<stamp>" (no further
 * slash, not hidden) naming a directory.  1 with target filled, else 0.
 */
static int
link_target(const char *sdir, const char *name, char *target, size_t len)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	ssize_t		 n;

	if (snprintf(path, sizeof(path), "%s/%s", sdir, name) >=
	    (int)sizeof(path) || lstat(path, &st) == -1 ||
	    !S_ISLNK(st.st_mode))
		return 0;
	if ((n = readlink(path, target, len - 1)) <= 0)
		return 0;
	target[n] = '\0';
	while (n > 0 && target[n - 1] == '\n')	/* as $(readlink) */
		target[--n] = '\0';
	if (strncmp(target, "db/", 3) != 0 || target[3] == '\0' ||
	    target[3] == '.' || strchr(target + 3, '/') != NULL)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", sdir, target) >=
	    (int)sizeof(path) || stat(path, &st) == -1 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	return 1;
}

/* Every file of the set is there and not empty. */
static int
set_complete(const char *dir)
{
	struct stat	st;
	char		path[PATH_MAX];
	size_t		i;

	for (i = 0; i < sizeof(setfiles) / sizeof(setfiles[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, setfiles[i]) >=
		    (int)sizeof(path) || stat(path, &st) == -1 ||
		    st.st_size <= 0)
			return 0;
	return 1;
}

/*
 * The facts of the first block of dir/cert.pem, which must be a
 * certificate (every block must read), with the certificate and the hex
 * SHA-256 of its DER.  NULL when it cannot be read; the library's words
 * are not printed (the set's error says it).
 */
static json_t *
read_cert(const char *dir, time_t now, X509 **xp, char **shap)
{
	struct sslm_pem	*b = NULL;
	json_t		*f0 = NULL, *f;
	unsigned char	*der = NULL;
	char		 path[PATH_MAX], err[MSG_MAX], *buf = NULL;
	const char	*t;
	size_t		 len = 0, n = 0, i, dlen;
	int		 ok = 0;

	*xp = NULL;
	*shap = NULL;
	if (snprintf(path, sizeof(path), "%s/cert.pem", dir) >=
	    (int)sizeof(path))
		return NULL;
	sslm_warn_capture(err, sizeof(err));
	if ((buf = sslm_readfile_err(path, SSLM_PEM_MAX, &len, err,
	    sizeof(err))) == NULL ||
	    sslm_pem_split(buf, len, path, &b, &n) == -1 || n == 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((f = sslm_info_block(&b[i], path, now)) == NULL)
			goto out;
		if (i == 0)
			f0 = f;
		else
			json_decref(f);
	}
	t = json_string_value(json_object_get(f0, "type"));
	if (t == NULL || strcmp(t, "certificate") != 0 ||
	    (*xp = sslm_pem_cert(&b[0])) == NULL ||
	    sslm_cert_der(*xp, &der, &dlen) == -1 ||
	    (*shap = sslm_digest_hex("SHA256", der, dlen)) == NULL)
		goto out;
	ok = 1;
out:
	sslm_warn_capture(NULL, 0);
	OPENSSL_free(der);
	free(b);
	if (buf != NULL)
		sslm_freesecret(buf, len + 1);
	if (!ok) {
		json_decref(f0);
		f0 = NULL;
		X509_free(*xp);
		*xp = NULL;
		free(*shap);
		*shap = NULL;
	}
	return f0;
}

/*
 * The renewal decision of certificate x (sha: its hash), as sslm-due
 * makes it: the table, or the CA's window cached in <sdir>/.ari for an
 * ACME service (not in test mode).  A state file that cannot be read
 * leaves it undecided.
 */
static void
decide(const struct svc *v, X509 *x, const char *sha, struct decision *d)
{
	struct sslm_renew	r;
	struct sslm_ari		a;
	char			path[PATH_MAX];

	memset(d, 0, sizeof(*d));
	memset(&a, 0, sizeof(a));
	sslm_warn_capture(d->err, sizeof(d->err));
	if (sslm_renew_decide(v->p, v->np, x, v->o->now, &r) == -1)
		goto out;
	d->due = r.due;
	d->renew_at = r.renew_at;
	d->lead = r.target + r.jitter;
	if (v->acme && !v->o->test && snprintf(path, sizeof(path),
	    "%s/.ari", v->sdir) < (int)sizeof(path) &&
	    access(path, R_OK) == 0) {
		if (sslm_ari_state_read(path, &a) == -1)
			goto out;
		if (strcmp(a.cert_sha256, sha) == 0 && a.supported) {
			d->ari = 1;
			d->renew_at = a.renew_at;
			d->due = v->o->now >= a.renew_at;
		}
	}
	d->ok = 1;
out:
	sslm_warn_capture(NULL, 0);
	sslm_ari_free(&a);
}

/*
 * When the TLSA records of set target were seen on every authoritative
 * server (<sdir>/.tlsa-seen, "db/<stamp> <epoch>" a line): 1 with *seen,
 * 0 when not recorded (or not one clean number).
 */
static int
tlsa_seen(const struct svc *v, const char *target, long long *seen)
{
	char	 path[PATH_MAX], err[MSG_MAX], *buf, *line, *save = NULL;
	char	*f1, *f2, *fs, val[64];
	size_t	 len, vl = 0, fl;
	int	 nl = 0;

	if (snprintf(path, sizeof(path), "%s/.tlsa-seen", v->sdir) >=
	    (int)sizeof(path) || access(path, R_OK) == -1 ||
	    (buf = sslm_readfile_err(path, SEEN_MAX, &len, err,
	    sizeof(err))) == NULL)
		return 0;
	/* As awk '$1 == s { print $2 }' and $(...): values joined by \n. */
	val[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		fs = NULL;
		if ((f1 = strtok_r(line, " \t", &fs)) == NULL ||
		    strcmp(f1, target) != 0)
			continue;
		f2 = strtok_r(NULL, " \t", &fs);
		fl = f2 != NULL ? strlen(f2) : 0;
		if (vl + nl + fl + 1 >= sizeof(val)) {
			vl = sizeof(val);	/* too long: no number */
			break;
		}
		if (nl)
			val[vl++] = '\n';
		memcpy(val + vl, f2 != NULL ? f2 : "", fl);
		vl += fl;
		val[vl] = '\0';
		nl = 1;
	}
	free(buf);
	if (vl >= sizeof(val))
		return 0;
	while (vl > 0 && val[vl - 1] == '\n')
		val[--vl] = '\0';
	if (vl == 0 || strspn(val, "0123456789") != vl)
		return 0;
	return sslm_strtonum(val, 0, LLONG_MAX, seen) == 0;
}

/* ---- the status of a set and of a service --------------------------------- */

/* jq's ago: "N days", "N hours" or "N minutes" of s seconds. */
static void
ago(long long s, char *buf, size_t len)
{
	long long d = (long long)floor((double)s / 86400);

	if (d >= 1)
		snprintf(buf, len, "%lld days", d);
	else if (s >= 3600)
		snprintf(buf, len, "%lld hours", (long long)floor((double)s /
		    3600));
	else
		snprintf(buf, len, "%lld minutes", (long long)floor((double)s /
		    60));
}

static int
put(json_t *o, const char *k, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, k, v);
}

/* A fact of the certificate, copied (null when absent). */
static int
fact(json_t *o, const json_t *f, const char *k)
{
	json_t *v = json_object_get(f, k);

	return put(o, k, v != NULL ? json_incref(v) : json_null());
}

/* The reason of a curr or next set, from its decision. */
static char *
set_reason(const struct decision *d, int expired, long long since,
    const char *ra)
{
	char	*s = NULL, t[40], nb[40];
	int	 n;

	if (!d->ok)
		n = asprintf(&s, "cannot decide the renewal: %s", d->err);
	else if (expired) {
		ago(since, t, sizeof(t));
		n = asprintf(&s, "expired %s ago", t);
	} else if (d->ari)
		n = asprintf(&s, "%s%s (the CA renewal window: renew at %s)",
		    d->due ? "due" : "not due until ", d->due ? "" : ra, ra);
	else if (d->due) {
		jqnum(round(d->lead * 10) / 10, nb, sizeof(nb));
		n = asprintf(&s, "due: renew at %s, %s days before expiry", ra,
		    nb);
	} else
		n = asprintf(&s, "not due until %s", ra);
	return n == -1 ? NULL : s;
}

/*
 * May next roll now?  *why gets the reason (a new string).  The DANE
 * gate counts for a service with dane_tls whose next has TLSA records:
 * seen on every server (dane.sh records it) for twice their TTL.
 */
static int
roll_ready(const struct svc *v, const char *target, int complete,
    int hascurr, long long age, char **why)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	long long	 seen, mins = v->o->roll_mins;
	time_t		 now = v->o->now;
	int		 gate = 0, n, ready = 0;

	*why = NULL;
	if (v->ndane > 0 && snprintf(path, sizeof(path), "%s/%s/tlsa.rr",
	    v->sdir, target) < (int)sizeof(path) && stat(path, &st) == 0 &&
	    st.st_size > 0)
		gate = 1;
	if (!complete)
		n = asprintf(why, "next is incomplete");
	else if (!hascurr) {
		ready = 1;
		n = asprintf(why, "ready to roll (no curr)");
	} else if (age < mins)
		n = asprintf(why, "next too young (%lld of %lld minutes)", age,
		    mins);
	else if (gate && !v->dns)
		n = asprintf(why, "no [[dns_primary]] to check the TLSA "
		    "records");
	else if (gate && !tlsa_seen(v, target, &seen))
		n = asprintf(why, "next TLSA records not yet seen on every "
		    "authoritative server");
	else if (gate && (long long)now - seen < 2 * v->ttl)
		n = asprintf(why, "next TLSA records seen everywhere %lld s "
		    "ago, need 2 x TTL = %lld s", (long long)now - seen,
		    2 * v->ttl);
	else {
		ready = 1;
		n = asprintf(why, "ready to roll (%lld minutes old)", age);
	}
	if (n == -1)
		*why = NULL;
	return ready;
}

/* The reason of next: late, expired, and whether it may roll. */
static char *
next_reason(int late, long long age, long long mins, long long latemins,
    int expired, const char *roll)
{
	char	*s = NULL;
	char	 lt[160];

	snprintf(lt, sizeof(lt), "late: next waits %lld minutes, more than "
	    "%lld + %lld", age, mins, latemins);
	if (asprintf(&s, "%s%s%s%s%s", late ? lt : "", late ? "; " : "",
	    expired ? "next expired" : "", expired ? "; " : "", roll) == -1)
		return NULL;
	return s;
}

/*
 * The status object of the set target (NULL: there is none, JSON null)
 * under link lname of the service.  NULL on out of memory.
 */
static json_t *
set_status(const struct svc *v, const char *lname, const char *target,
    int hascurr)
{
	static const char *const keys[] = { "subject", "issuer", "serial",
	    "not_before", "not_after", "lifetime_days", "seconds_left",
	    "sans", "key", "sig_alg", "spki_sha256" };
	struct decision	 d;
	json_t		*o = NULL, *f = NULL;
	X509		*x = NULL;
	char		 dir[PATH_MAX], ra[32], *sha = NULL, *why = NULL;
	char		*reason = NULL;
	time_t		 now = v->o->now, na, nb;
	long long	 age = 0;
	size_t		 i;
	int		 expired, complete, late = 0, ready, ok = 0;

	if (target == NULL)
		return json_null();
	if ((o = json_object()) == NULL ||
	    put(o, "dir", json_string(target)) == -1)
		goto out;
	if (snprintf(dir, sizeof(dir), "%s/%s", v->sdir, target) >=
	    (int)sizeof(dir) || (f = read_cert(dir, now, &x, &sha)) == NULL) {
		ok = put(o, "error", json_string("cannot read cert.pem")) == 0;
		goto out;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (fact(o, f, keys[i]) == -1)
			goto out;
	complete = set_complete(dir);
	if (sslm_parse_time(json_string_value(json_object_get(f,
	    "not_after")), &na) == -1 || sslm_parse_time(json_string_value(
	    json_object_get(f, "not_before")), &nb) == -1)
		goto out;
	expired = now >= na;
	if (put(o, "complete", json_boolean(complete)) == -1 ||
	    put(o, "expired", json_boolean(expired)) == -1)
		goto out;
	if (strcmp(lname, "prev") == 0) {
		ok = 1;
		goto out;
	}
	decide(v, x, sha, &d);
	sslm_fmt_time(d.renew_at, ra, sizeof(ra));
	if (put(o, "due", d.ok ? json_boolean(d.due) : json_null()) == -1 ||
	    put(o, "renew_at", d.ok ? json_string(ra) : json_null()) == -1 ||
	    put(o, "roll_ready", json_null()) == -1)
		goto out;
	if (strcmp(lname, "next") != 0) {
		if ((reason = set_reason(&d, expired, (long long)(now - na),
		    ra)) == NULL)
			goto out;
	} else {
		age = (long long)floor((double)(now - nb) / 60);
		late = age > v->o->roll_mins + v->o->late_mins;
		ready = roll_ready(v, target, complete, hascurr, age, &why);
		if (why == NULL || (reason = next_reason(late, age,
		    v->o->roll_mins, v->o->late_mins, expired, why)) == NULL ||
		    put(o, "roll_ready", json_boolean(ready)) == -1)
			goto out;
	}
	if (put(o, "reason", json_string(reason)) == -1)
		goto out;
	if (strcmp(lname, "next") == 0 &&
	    (put(o, "late", json_boolean(late)) == -1 ||
	    put(o, "age_minutes", json_integer(age)) == -1))
		goto out;
	ok = 1;
out:
	free(reason);
	free(why);
	free(sha);
	X509_free(x);
	json_decref(f);
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* A boolean member: 1 true, 0 false, -1 anything else (null, absent). */
static int
flag(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

/*
 * What the service adds to the exit status of -s: 3 when curr is
 * missing, unreadable, expired or undecidable; 1 when next is late, or
 * curr is due with no complete next waiting that is not due itself (a
 * renew would make one); else 0.
 */
static int
service_status(const json_t *cu, const json_t *nx)
{
	if (json_is_null(cu) || json_object_get(cu, "error") != NULL ||
	    flag(cu, "expired") == 1 || flag(cu, "due") == -1)
		return 3;
	if (flag(nx, "late") == 1)
		return 1;
	if (flag(cu, "due") == 1 && !(!json_is_null(nx) &&
	    flag(nx, "complete") == 1 && flag(nx, "due") == 0))
		return 1;
	return 0;
}

json_t *
sslm_status_service(const struct sslm_status_opts *o, const char *certs,
    const char *grp, const json_t *svc, const char *dns_srv,
    const struct sslm_renew_point *p, size_t np)
{
	struct svc	 v;
	json_t		*st, *cu = NULL, *nx = NULL, *pv = NULL;
	const char	*name, *t;
	char		 tc[PATH_MAX], tn[PATH_MAX], tp[PATH_MAX];
	int		 hc, hn, hp;

	name = json_string_value(json_object_get(svc, "service"));
	if ((st = json_object()) == NULL ||
	    put(st, "group", json_string(grp)) == -1 ||
	    put(st, "service", json_string(name != NULL ? name : "")) == -1)
		goto fail;
	if (json_object_get(svc, "error") != NULL) {
		t = json_string_value(json_object_get(svc, "error"));
		if (put(st, "error", json_string(t != NULL ? t : "?")) == -1 ||
		    put(st, "status", json_integer(3)) == -1)
			goto fail;
		return st;
	}
	memset(&v, 0, sizeof(v));
	v.o = o;
	v.p = p;
	v.np = np;
	if (name == NULL || snprintf(v.sdir, sizeof(v.sdir), "%s/%s/%s",
	    certs, grp, name) >= (int)sizeof(v.sdir))
		goto fail;
	t = json_string_value(json_object_get(json_object_get(svc, "signer"),
	    "type"));
	v.acme = t != NULL && strcmp(t, "acme") == 0;
	v.ndane = json_array_size(json_object_get(svc, "dane_tls"));
	v.dns = dns_srv != NULL && *dns_srv != '\0';
	v.ttl = json_integer_value(json_object_get(svc, "dane_tls_ttl"));
	hc = link_target(v.sdir, "curr", tc, sizeof(tc));
	hn = link_target(v.sdir, "next", tn, sizeof(tn));
	/* A roll a killed run left half done: that next is curr. */
	if (hn && hc && strcmp(tn, tc) == 0)
		hn = 0;
	hp = link_target(v.sdir, "prev", tp, sizeof(tp));
	if ((cu = set_status(&v, "curr", hc ? tc : NULL, hc)) == NULL ||
	    (nx = set_status(&v, "next", hn ? tn : NULL, hc)) == NULL ||
	    (pv = set_status(&v, "prev", hp ? tp : NULL, hc)) == NULL)
		goto fail;
	if (json_object_set(st, "curr", cu) == -1 ||
	    json_object_set(st, "next", nx) == -1 ||
	    json_object_set(st, "prev", pv) == -1 ||
	    put(st, "status", json_integer(service_status(cu, nx))) == -1)
		goto fail;
	json_decref(cu);
	json_decref(nx);
	json_decref(pv);
	return st;
fail:
	sslm_warnx("%s: out of memory", grp);
	json_decref(cu);
	json_decref(nx);
	json_decref(pv);
	json_decref(st);
	return NULL;
}

/* ---- text ------------------------------------------------------------------- */

/* ssl-mgr's "%4dd HH:MM:SS" of a (possibly negative) delta, jq's way. */
static void
dur(double s, char *buf, size_t len)
{
	double		a = fabs(s);
	long long	ia = (long long)a;
	char		d[32];

	snprintf(d, sizeof(d), "%s%.0f", s < 0 ? "-" : "", floor(a / 86400));
	snprintf(buf, len, "%4sd %02lld:%02lld:%02lld", d, ia % 86400 / 3600,
	    ia % 3600 / 60, ia % 60);
}

/* "YYYY-MM-DD HH:MM:SS UTC" of "YYYY-MM-DDTHH:MM:SSZ" (first T, Z). */
static void
day(const char *iso, char *buf, size_t len)
{
	char	*p;

	snprintf(buf, len, "%s", iso != NULL ? iso : "");
	if ((p = strchr(buf, 'T')) != NULL)
		*p = ' ';
	if ((p = strchr(buf, 'Z')) != NULL) {
		*p = '\0';
		strncat(buf, " UTC", len - strlen(buf) - 1);
	}
}

/* The value of the first k=... of a DN split at every comma, or "". */
static void
rdn(const char *dn, const char *k, char *buf, size_t len)
{
	const char	*p = dn != NULL ? dn : "", *e;
	size_t		 kl = strlen(k);

	buf[0] = '\0';
	for (;;) {
		e = strchr(p, ',');
		if (strncmp(p, k, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			snprintf(buf, len, "%.*s", (int)(e != NULL ?
			    (size_t)(e - p) : strlen(p)), p);
			return;
		}
		if (e == NULL)
			return;
		p = e + 1;
	}
}

/* pubkey-secp384r1, pubkey-rsa-4096, pubkey-ed25519 */
static void
pubkey(const json_t *key, char *buf, size_t len)
{
	const char	*t = json_string_value(json_object_get(key, "type"));
	const char	*c = json_string_value(json_object_get(key, "curve"));

	if (t != NULL && strcmp(t, "ec") == 0) {
		if (c != NULL && (strcmp(c, "P-256") == 0 ||
		    strcmp(c, "P-384") == 0 || strcmp(c, "P-521") == 0))
			snprintf(buf, len, "secp%sr1", c + 2);
		else
			snprintf(buf, len, "%s", c != NULL ? c : "null");
	} else if (t != NULL && strcmp(t, "rsa") == 0)
		snprintf(buf, len, "rsa-%lld", (long long)json_integer_value(
		    json_object_get(key, "bits")));
	else
		snprintf(buf, len, "%s", t != NULL ? t : "null");
}

static int
sans_line(FILE *fp, const json_t *sans)
{
	const char	*kinds[] = { "dns", "ip" };
	const json_t	*e;
	size_t		 i, k;
	int		 n = 0;

	fputs("                 sans : [", fp);
	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(sans, kinds[k]), i, e)
			fprintf(fp, "%s'%s'", n++ > 0 ? ", " : "",
			    json_string_value(e));
	return fputs("]\n", fp) == EOF ? -1 : 0;
}

static int
set_text(FILE *fp, const char *l, const json_t *c, int verbose)
{
	const char	*mark = "";
	char		 d1[48], d2[48], u1[48], u2[48], cn[256], on[256];
	char		 sc[256], pk[96];
	double		 life = json_number_value(json_object_get(c,
			    "lifetime_days"));
	double		 left = json_number_value(json_object_get(c,
			    "seconds_left"));

	if (json_object_get(c, "error") != NULL)
		return fprintf(fp, "         %-12s : failed to read cert\n",
		    l) < 0 ? -1 : 0;
	if (flag(c, "expired") == 1)
		mark = "  ** EXPIRED **";
	else if (strcmp(l, "curr") == 0 && flag(c, "due") == 1)
		mark = "  ** DUE **";
	else if (flag(c, "late") == 1)
		mark = "  ** LATE **";
	day(json_string_value(json_object_get(c, "not_after")), d1,
	    sizeof(d1));
	day(json_string_value(json_object_get(c, "not_before")), d2,
	    sizeof(d2));
	dur(left, u1, sizeof(u1));
	dur(life * 86400 - left, u2, sizeof(u2));
	rdn(json_string_value(json_object_get(c, "issuer")), "CN", cn,
	    sizeof(cn));
	rdn(json_string_value(json_object_get(c, "issuer")), "O", on,
	    sizeof(on));
	rdn(json_string_value(json_object_get(c, "subject")), "CN", sc,
	    sizeof(sc));
	pubkey(json_object_get(c, "key"), pk, sizeof(pk));
	fprintf(fp, "         %-12s : expires: %s (%s)%s\n", l, d1, u1, mark);
	fprintf(fp, "                      : issued : %s (%s ago) (%.0f day "
	    "cert)\n", d2, u2, round(life));
	fprintf(fp, "               issuer : CN=%s O=%s\n", cn, on);
	fprintf(fp, "              subject : CN=%s\n", sc);
	fprintf(fp, "               pubkey : pubkey-%s\n", pk);
	if (verbose && (sans_line(fp, json_object_get(c, "sans")) == -1 ||
	    fprintf(fp, "             sig_algo : %s\n", json_string_value(
	    json_object_get(c, "sig_alg"))) < 0))
		return -1;
	return fprintf(fp, "               status : %s\n", json_string_value(
	    json_object_get(c, "reason"))) < 0 ? -1 : 0;
}

int
sslm_status_text(FILE *fp, const json_t *st, int verbose)
{
	const char	*sets[] = { "curr", "next" };
	const json_t	*c;
	size_t		 i;

	if (json_object_get(st, "error") != NULL)
		return fprintf(fp, "         %-12s : error: %s\n", "config",
		    json_string_value(json_object_get(st, "error"))) < 0 ?
		    -1 : 0;
	if (json_is_null(json_object_get(st, "curr")) &&
	    fprintf(fp, "         %-12s : MISSING: no curr link\n", "curr") < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		c = json_object_get(st, sets[i]);
		if (json_is_object(c) && set_text(fp, sets[i], c, verbose) ==
		    -1)
			return -1;
	}
	return 0;
}

char *
sslm_status_why(const json_t *st)
{
	const json_t	*cu = json_object_get(st, "curr");
	const json_t	*nx = json_object_get(st, "next");
	const char	*g, *s, *what, *txt;
	json_int_t	 status = json_integer_value(json_object_get(st,
			    "status"));
	char		*line = NULL;

	if (status <= 0)
		return NULL;
	g = json_string_value(json_object_get(st, "group"));
	s = json_string_value(json_object_get(st, "service"));
	if (json_object_get(st, "error") != NULL) {
		what = "configuration: ";
		txt = json_string_value(json_object_get(st, "error"));
	} else if (json_is_null(cu)) {
		what = "no curr";
		txt = "";
	} else if (json_object_get(cu, "error") != NULL) {
		what = "curr: ";
		txt = json_string_value(json_object_get(cu, "error"));
	} else if (status == 3 || flag(nx, "late") != 1) {
		what = "curr: ";
		txt = json_string_value(json_object_get(cu, "reason"));
	} else {
		what = "next: ";
		txt = json_string_value(json_object_get(nx, "reason"));
	}
	if (asprintf(&line, "%s:%s: %s%s", g, s, what, txt != NULL ? txt :
	    "") == -1)
		return NULL;
	return line;
}

/* ---- metrics ----------------------------------------------------------------- */

/* One label value, escaped as the text format wants (\\, \", \n). */
static void
prom_esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* name{group="..",service=".."[,set=".."]} */
static void
prom_sample(FILE *fp, const char *name, const json_t *sv, const char *set,
    long long v)
{
	fprintf(fp, "%s{group=\"", name);
	prom_esc(fp, json_string_value(json_object_get(sv, "group")));
	fputs("\",service=\"", fp);
	prom_esc(fp, json_string_value(json_object_get(sv, "service")));
	if (set != NULL)
		fprintf(fp, "\",set=\"%s", set);
	fprintf(fp, "\"} %lld\n", v);
}

static void
prom_head(FILE *fp, const char *name, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A run record of certs/.last-run: "grp<TAB>svc<TAB>epoch<TAB>ok|...". */
struct run {
	char		*grp, *svc;
	long long	 at;
	int		 ok;
};

/* The records of path (none when it is absent or empty).  -1 warned. */
static int
read_runs(const char *path, char **bufp, struct run **rp, size_t *np)
{
	struct run	*r = NULL, *nr;
	char		*buf, *line, *next, *f[4], err[MSG_MAX];
	size_t		 len, n = 0, lno = 0;
	int		 k;

	*bufp = NULL;
	*rp = NULL;
	*np = 0;
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if ((buf = sslm_readfile_err(path, LASTRUN_MAX, &len, err,
	    sizeof(err))) == NULL) {
		sslm_warnx("%s", err);
		return -1;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		for (k = 0; k < 4; k++) {
			f[k] = line;
			if (k < 3 && (line = strchr(line, '\t')) != NULL)
				*line++ = '\0';
			if (line == NULL)
				break;
		}
		if ((nr = reallocarray(r, n + 1, sizeof(*r))) == NULL)
			goto fail;
		r = nr;
		if (k < 4 || sslm_strtonum(f[2], 0, LLONG_MAX, &r[n].at) == -1) {
			sslm_warnx("%s:%zu: not a run record", path, lno);
			goto fail;
		}
		r[n].grp = f[0];
		r[n].svc = f[1];
		r[n].ok = strcmp(f[3], "ok") == 0;
		n++;
	}
	*bufp = buf;
	*rp = r;
	*np = n;
	return 0;
fail:
	free(r);
	free(buf);
	return -1;
}

/* Has the status array a service grp:svc? */
static int
known(const json_t *sv, const char *grp, const char *svc)
{
	const json_t	*s;
	size_t		 i;

	json_array_foreach(sv, i, s)
		if (strcmp(json_string_value(json_object_get(s, "group")),
		    grp) == 0 && strcmp(json_string_value(json_object_get(s,
		    "service")), svc) == 0)
			return 1;
	return 0;
}

/* The families of the sets (curr, next) of every service. */
static void
prom_sets(FILE *fp, const json_t *sv)
{
	static const struct {
		const char	*name, *help, *key;
	} fam[] = {
		{ "sslm_cert_not_after_seconds", "Expiry (notAfter) of the "
		    "certificate in seconds since the epoch.", "not_after" },
		{ "sslm_cert_renew_at_seconds", "When the certificate is due "
		    "for renewal, seconds since the epoch (sslm-due).",
		    "renew_at" },
		{ "sslm_cert_due", "1 when the certificate is due for "
		    "renewal.", "due" },
		{ "sslm_cert_expired", "1 when the certificate has expired.",
		    "expired" },
	};
	const char	*sets[] = { "curr", "next" };
	const json_t	*s, *c, *v;
	size_t		 f, i, k;
	time_t		 t;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_head(fp, fam[f].name, fam[f].help);
		json_array_foreach(sv, i, s) {
			if (json_object_get(s, "error") != NULL)
				continue;
			for (k = 0; k < 2; k++) {
				c = json_object_get(s, sets[k]);
				if (!json_is_object(c) ||
				    json_object_get(c, "error") != NULL)
					continue;
				v = json_object_get(c, fam[f].key);
				if (json_is_string(v)) {
					if (sslm_parse_time(
					    json_string_value(v), &t) == 0)
						prom_sample(fp, fam[f].name, s,
						    sets[k], (long long)t);
				} else if (json_is_boolean(v))
					prom_sample(fp, fam[f].name, s,
					    sets[k], json_is_true(v));
			}
		}
	}
}

/* The families of next and of the service. */
static void
prom_services(FILE *fp, const json_t *sv)
{
	const json_t	*s, *n;
	size_t		 i;

	prom_head(fp, "sslm_next_roll_ready", "1 when next may become curr "
	    "now (complete, old enough, DANE gate as recorded).");
	json_array_foreach(sv, i, s) {
		n = json_object_get(s, "next");
		if (json_is_object(n) && json_object_get(n, "error") == NULL)
			prom_sample(fp, "sslm_next_roll_ready", s, NULL,
			    flag(n, "roll_ready") == 1);
	}
	prom_head(fp, "sslm_next_late", "1 when next has waited longer than "
	    "min_roll_mins plus the late limit.");
	json_array_foreach(sv, i, s) {
		n = json_object_get(s, "next");
		if (json_is_object(n) && json_object_get(n, "error") == NULL)
			prom_sample(fp, "sslm_next_late", s, NULL,
			    flag(n, "late") == 1);
	}
	prom_head(fp, "sslm_service_status", "What the service adds to the "
	    "exit status of sslm-mgr -s: 0 fine, 1 due or late, 3 expired, "
	    "missing or failed.");
	json_array_foreach(sv, i, s)
		prom_sample(fp, "sslm_service_status", s, NULL,
		    json_integer_value(json_object_get(s, "status")));
}

static void
prom_runs(FILE *fp, const json_t *sv, const struct run *r, size_t n)
{
	size_t	i;
	json_t	*lab;

	prom_head(fp, "sslm_last_run_success", "1 when the last -renew or "
	    "-roll run handled the service without failure, 0 when it "
	    "failed.");
	for (i = 0; i < n; i++)
		if (known(sv, r[i].grp, r[i].svc) && (lab = json_pack(
		    "{s:s, s:s}", "group", r[i].grp, "service",
		    r[i].svc)) != NULL) {
			prom_sample(fp, "sslm_last_run_success", lab, NULL,
			    r[i].ok);
			json_decref(lab);
		}
	prom_head(fp, "sslm_last_run_timestamp_seconds", "When the last "
	    "-renew or -roll run for the service ended, seconds since the "
	    "epoch.");
	for (i = 0; i < n; i++)
		if (known(sv, r[i].grp, r[i].svc) && (lab = json_pack(
		    "{s:s, s:s}", "group", r[i].grp, "service",
		    r[i].svc)) != NULL) {
			prom_sample(fp, "sslm_last_run_timestamp_seconds", lab,
			    NULL, r[i].at);
			json_decref(lab);
		}
}

int
sslm_status_prom(const char *path, const json_t *sv, const char *lastrun,
    time_t now)
{
	struct run	*r = NULL;
	FILE		*fp = NULL;
	char		*buf = NULL, *rbuf = NULL, err[MSG_MAX];
	size_t		 len = 0, nr = 0;
	int		 rc = -1, wr;

	if (read_runs(lastrun, &rbuf, &r, &nr) == -1)
		goto out;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		sslm_warn("%s", path);
		goto out;
	}
	prom_sets(fp, sv);
	prom_services(fp, sv);
	prom_runs(fp, sv, r, nr);
	prom_head(fp, "sslm_status_timestamp_seconds", "When these metrics "
	    "were written, seconds since the epoch.");
	fprintf(fp, "sslm_status_timestamp_seconds %lld\n", (long long)now);
	if (ferror(fp) || fclose(fp) == EOF) {
		fp = NULL;
		sslm_warnx("%s: out of memory", path);
		goto out;
	}
	fp = NULL;
	sslm_warn_capture(err, sizeof(err));
	wr = sslm_write_file(path, buf, len, 0644);
	sslm_warn_capture(NULL, 0);
	if (wr == -1) {
		sslm_warnx("%s: cannot write the metrics: %s", path, err);
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	free(r);
	free(rbuf);
	return rc;
}
