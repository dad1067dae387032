/* SPDX-License-Identifier: MIT */
/*
 * status.c: where a service of the store stands (sslm-status(1)): the
 * facts of its curr, next and prev sets (info.c), the renewal decision of
 * curr and next (renew.c, with the cached ARI window, read only), whether
 * next may roll and whether it is late, and the status the service adds
 * to the exit status of sslm-mgr -s: one status object per service,
 * which status_out.c shows as JSON, text or metrics.  Nothing here writes
 * the store.
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
#include "status_priv.h"

#define SEEN_MAX	(1024 * 1024)		/* bound on <sdir>/.tlsa-seen */
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
	int	 poll;		/* ACME: the CA's window is to be fetched */
	char	*msg;		/* sslm-due's answer in words, or NULL */
	char	 err[MSG_MAX];
};

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
	    "%s/.ari", v->sdir) < (int)sizeof(path)) {
		d->poll = sslm_ari_poll_due(path, sha, v->o->now);
		if (access(path, R_OK) == 0) {
			if (sslm_ari_state_read(path, &a) == -1)
				goto out;
			if (strcmp(a.cert_sha256, sha) == 0 && a.supported) {
				d->ari = 1;
				d->renew_at = r.renew_at = a.renew_at;
				d->due = r.due = v->o->now >= a.renew_at;
			}
		}
	}
	d->msg = sslm_renew_message(&r, d->ari ? &a : NULL);
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
		sslm_status_jqnum(round(d->lead * 10) / 10, nb, sizeof(nb));
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

	memset(&d, 0, sizeof(d));
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
	    put(o, "due_msg", d.msg != NULL ? json_string(d.msg) :
	    json_null()) == -1 ||
	    put(o, "ari_poll", json_boolean(d.poll)) == -1 ||
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
	free(d.msg);
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
	    sslm_status_flag(cu, "expired") == 1 || sslm_status_flag(cu, "due") == -1)
		return 3;
	if (sslm_status_flag(nx, "late") == 1)
		return 1;
	if (sslm_status_flag(cu, "due") == 1 && !(!json_is_null(nx) &&
	    sslm_status_flag(nx, "complete") == 1 && sslm_status_flag(nx, "due") == 0))
		return 1;
	return 0;
}

/*
 * Would a renew (without -f) work on the service with this curr: none,
 * unreadable, undecided or due, or an ACME CA's window to fetch?  A renew
 * of sslm-mgr skips the others at once.
 */
static int
renew_work(const json_t *cu)
{
	return json_is_null(cu) || json_object_get(cu, "error") != NULL ||
	    sslm_status_flag(cu, "due") != 0 ||
	    sslm_status_flag(cu, "ari_poll") == 1;
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
	int		 hc, hn, hp, half;

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
	half = hn && hc && strcmp(tn, tc) == 0;
	if (half)
		hn = 0;
	hp = link_target(v.sdir, "prev", tp, sizeof(tp));
	if ((cu = set_status(&v, "curr", hc ? tc : NULL, hc)) == NULL ||
	    (nx = set_status(&v, "next", hn ? tn : NULL, hc)) == NULL ||
	    (pv = set_status(&v, "prev", hp ? tp : NULL, hc)) == NULL)
		goto fail;
	if (json_object_set(st, "curr", cu) == -1 ||
	    json_object_set(st, "next", nx) == -1 ||
	    json_object_set(st, "prev", pv) == -1 ||
	    put(st, "status", json_integer(service_status(cu, nx))) == -1 ||
	    put(st, "renew_work", json_boolean(half || renew_work(cu))) == -1 ||
	    put(st, "roll_work", json_boolean(half || hn)) == -1)
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
