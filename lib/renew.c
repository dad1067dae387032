/* SPDX-License-Identifier: MIT */
/*
 * renew.c: when is a certificate due for renewal?  The renew_info tables
 * of ssl-mgr (spec 5.4, interpolated also below the first point, always
 * with the built-in points), a jitter drawn once per certificate, and the
 * renewal window of ACME ARI (RFC 9773) with its state file.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "sslm.h"

/* ssl-mgr 7.8's built-in points (spec 3.2.2). */
const struct sslm_renew_point sslm_renew_builtin[] = {
	{ 0, 0.25, 0 }, { 1, 0.5, 0 }, { 2, 1, 0 }, { 5, 2, 0 },
	{ 10, 5, 0 }, { 45, 10, 0 }, { 60, 20, 0 }, { 90, 30, 0 },
	{ 120, 45, 5 }, { 300, 60, 0 }
};
const size_t sslm_renew_nbuiltin =
    sizeof(sslm_renew_builtin) / sizeof(sslm_renew_builtin[0]);

double
sslm_renew_lookup(const struct sslm_renew_point *p, size_t np, double l,
    int col)
{
	size_t	i;
	double	a, b;

#define COL(k)	(col == SSLM_RENEW_TARGET ? p[k].target : p[k].rand_adj)
	if (np == 0)
		return 0;
	if (l <= p[0].lifetime)
		return COL(0);
	if (l >= p[np - 1].lifetime)
		return p[np - 1].lifetime > 0 ?
		    COL(np - 1) / p[np - 1].lifetime * l : COL(np - 1);
	/* The last point at or below l; the first one counts too. */
	for (i = 0; i + 1 < np && p[i + 1].lifetime <= l; i++)
		;
	a = COL(i);
	b = COL(i + 1);
	return a + (b - a) * (l - p[i].lifetime) /
	    (p[i + 1].lifetime - p[i].lifetime);
#undef COL
}

static int
cmp_point(const void *a, const void *b)
{
	const struct sslm_renew_point *x = a, *y = b;

	return x->lifetime < y->lifetime ? -1 : x->lifetime > y->lifetime;
}

/* A number of days in 0..100000 from member key of o. */
static int
days_member(const json_t *o, const char *key, double *v)
{
	const json_t	*n = json_object_get(o, key);

	if (!json_is_number(n))
		return -1;
	*v = json_number_value(n);
	return isfinite(*v) && *v >= 0 && *v <= 100000 ? 0 : -1;
}

int
sslm_renew_table(const json_t *a, const char *name,
    struct sslm_renew_point *p, size_t max, size_t *np)
{
	const json_t	*e;
	size_t		 i, n;

	if (!json_is_array(a)) {
		sslm_warnx("%s: renew_info: not an array", name);
		return -1;
	}
	n = json_array_size(a);
	if (n == 0) {
		/* ssl-mgr renewed at expiry then; always use the built-ins. */
		memcpy(p, sslm_renew_builtin, sizeof(sslm_renew_builtin));
		*np = sslm_renew_nbuiltin;
		return 0;
	}
	if (n > max) {
		sslm_warnx("%s: renew_info: more than %zu points", name, max);
		return -1;
	}
	json_array_foreach(a, i, e) {
		if (!json_is_object(e) ||
		    days_member(e, "lifetime", &p[i].lifetime) == -1 ||
		    days_member(e, "target", &p[i].target) == -1 ||
		    days_member(e, "rand_adj", &p[i].rand_adj) == -1) {
			sslm_warnx("%s: renew_info[%zu]: needs lifetime, "
			    "target and rand_adj, days from 0 to 100000",
			    name, i);
			return -1;
		}
	}
	qsort(p, n, sizeof(*p), cmp_point);
	for (i = 0; i + 1 < n; i++)
		if (p[i].lifetime == p[i + 1].lifetime) {
			sslm_warnx("%s: renew_info: two points at lifetime "
			    "%g", name, p[i].lifetime);
			return -1;
		}
	*np = n;
	return 0;
}

double
sslm_renew_unit(X509 *x)
{
	unsigned char	*der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 len = 0, i;
	uint64_t	 v = 0;

	if (sslm_cert_der(x, &der, &len) == -1 ||
	    EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return 0.5;	/* no jitter */
	}
	OPENSSL_free(der);
	for (i = 0; i < 8; i++)
		v = v << 8 | md[i];
	return (double)(v >> 11) / 9007199254740992.0;	/* 53 bits / 2^53 */
}

/* x rounded to a multiple of 0.1, halves away from zero. */
static double
tenth(double x)
{
	return round(x * 10) / 10;
}

int
sslm_renew_decide(const struct sslm_renew_point *p, size_t np, X509 *x,
    time_t now, struct sslm_renew *r)
{
	double	lead;

	memset(r, 0, sizeof(*r));
	if (sslm_asn1_time(X509_get0_notBefore(x), &r->not_before) == -1 ||
	    sslm_asn1_time(X509_get0_notAfter(x), &r->not_after) == -1) {
		sslm_warnx("certificate: bad validity");
		return -1;
	}
	r->now = now;
	r->lifetime = (double)(r->not_after - r->not_before) / 86400;
	r->days_left = (double)(r->not_after - now) / 86400;
	r->target = sslm_renew_lookup(p, np, r->lifetime, SSLM_RENEW_TARGET);
	r->rand_adj = sslm_renew_lookup(p, np, r->lifetime,
	    SSLM_RENEW_RAND_ADJ);
	r->jitter = r->rand_adj > 0 ?
	    tenth((2 * sslm_renew_unit(x) - 1) * r->rand_adj) : 0;
	/* Never after expiry, whatever the jitter. */
	lead = r->target + r->jitter;
	if (lead < 0)
		lead = 0;
	r->renew_at = r->not_after - (time_t)llround(lead * 86400);
	r->due = now >= r->renew_at - SSLM_RENEW_SLACK;
	return 0;
}

/* ---- ARI ------------------------------------------------------------------- */

/*
 * An RFC 3339 date-time ("2027-01-02T03:04:05Z", a fraction and a
 * numeric offset allowed) as seconds (the fraction dropped).  0 or -1.
 */
int
sslm_rfc3339(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*e;
	long		 off = 0;
	int		 sign;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strlen(s) > 64 ||
	    (e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*e == '.') {
		e++;
		if (!isdigit((unsigned char)*e))
			return -1;
		while (isdigit((unsigned char)*e))
			e++;
	}
	if (*e == 'Z' || *e == 'z') {
		e++;
	} else if (*e == '+' || *e == '-') {
		sign = *e == '-' ? -1 : 1;
		if (!isdigit((unsigned char)e[1]) ||
		    !isdigit((unsigned char)e[2]) || e[3] != ':' ||
		    !isdigit((unsigned char)e[4]) ||
		    !isdigit((unsigned char)e[5]))
			return -1;
		off = sign * (((e[1] - '0') * 10 + (e[2] - '0')) * 3600L +
		    ((e[4] - '0') * 10 + (e[5] - '0')) * 60L);
		e += 6;
	} else {
		return -1;
	}
	if (*e != '\0')
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

void
sslm_ari_free(struct sslm_ari *a)
{
	if (a == NULL)
		return;
	free(a->cert_sha256);
	free(a->explanation_url);
	memset(a, 0, sizeof(*a));
}

/* A time member as RFC 3339 text. */
static int
time_member(const json_t *o, const char *key, time_t *t)
{
	return sslm_rfc3339(json_string_value(json_object_get(o, key)), t);
}

/*
 * The CA's explanationURL (member key of o), which goes into messages and
 * logs: at most 2048 bytes of printable ASCII without spaces, as a URL
 * is; a newline would forge a log line, an escape drive the terminal.
 * 0 with *out a copy or NULL when absent; -1 warned ("name: key: ...").
 */
static int
expl_url(const json_t *o, const char *key, const char *name, char **out)
{
	const char	*s;
	size_t		 i;

	*out = NULL;
	if ((s = json_string_value(json_object_get(o, key))) == NULL)
		return 0;
	if (strlen(s) > 2048) {
		sslm_warnx("%s: %s: longer than 2048 bytes", name, key);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) {
			sslm_warnx("%s: %s: not a URL (a control character, "
			    "space or non-ASCII byte at offset %zu)", name, key,
			    i);
			return -1;
		}
	if ((*out = strdup(s)) == NULL)
		return -1;
	return 0;
}

int
sslm_ari_state_read(const char *path, struct sslm_ari *a)
{
	json_error_t	 je;
	json_t		*o = NULL, *w;
	const char	*s;
	char		*buf = NULL;
	size_t		 len;
	int		 rc = -1;

	memset(a, 0, sizeof(*a));
	if ((buf = sslm_readfile(path, 64 * 1024, &len)) == NULL)
		goto out;
	if ((o = json_loadb(buf, len, 0, &je)) == NULL || !json_is_object(o)) {
		sslm_warnx("%s: not a JSON object", path);
		goto out;
	}
	if ((s = json_string_value(json_object_get(o, "cert_sha256"))) ==
	    NULL || (a->cert_sha256 = strdup(s)) == NULL ||
	    time_member(o, "next_check", &a->next_check) == -1) {
		sslm_warnx("%s: needs cert_sha256 and next_check", path);
		goto out;
	}
	a->supported = json_is_true(json_object_get(o, "supported"));
	if (a->supported) {
		w = json_object_get(o, "window");
		if (time_member(w, "start", &a->start) == -1 ||
		    time_member(w, "end", &a->end) == -1 ||
		    time_member(o, "renew_at", &a->renew_at) == -1 ||
		    a->end < a->start) {
			sslm_warnx("%s: needs window.start, window.end and "
			    "renew_at", path);
			goto out;
		}
		if (expl_url(o, "explanation_url", path,
		    &a->explanation_url) == -1)
			goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		sslm_ari_free(a);
	json_decref(o);
	free(buf);
	return rc;
}

json_t *
sslm_ari_json(const struct sslm_ari *a)
{
	char	 st[32], en[32], at[32], nc[32];

	sslm_fmt_time(a->next_check, nc, sizeof(nc));
	if (!a->supported)
		return json_pack("{s:s, s:b, s:s}", "cert_sha256",
		    a->cert_sha256, "supported", 0, "next_check", nc);
	sslm_fmt_time(a->start, st, sizeof(st));
	sslm_fmt_time(a->end, en, sizeof(en));
	sslm_fmt_time(a->renew_at, at, sizeof(at));
	return json_pack("{s:s, s:b, s:{s:s, s:s}, s:s, s:s, s:s?}",
	    "cert_sha256", a->cert_sha256, "supported", 1, "window", "start",
	    st, "end", en, "renew_at", at, "next_check", nc,
	    "explanation_url", a->explanation_url);
}

/* A uniform random time in [start, end]. */
static time_t
pick(time_t start, time_t end)
{
	uint64_t	v;

	if (end <= start || RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		return start;
	return start + (time_t)(v % (uint64_t)(end - start + 1));
}

int
sslm_ari_update(struct sslm_ari *a, const struct sslm_ari *old,
    const json_t *answer, const char *name, time_t now, time_t not_after)
{
	const json_t	*w, *ra;
	json_int_t	 retry = 0;

	a->supported = json_is_true(json_object_get(answer, "supported"));
	ra = json_object_get(answer, "retry_after");
	if (json_is_integer(ra))
		retry = json_integer_value(ra);
	/*
	 * RFC 9773 4.3: honour Retry-After within sane limits: at least a
	 * minute, at most a day; without one, check again in six hours.
	 */
	if (retry <= 0)
		retry = 6 * 3600;
	else if (retry < 60)
		retry = 60;
	else if (retry > 86400)
		retry = 86400;
	a->next_check = now + (time_t)retry;
	if (!a->supported)
		return 0;
	w = json_object_get(answer, "suggested_window");
	if (time_member(w, "start", &a->start) == -1 ||
	    time_member(w, "end", &a->end) == -1) {
		sslm_warnx("%s: suggested_window needs RFC 3339 start and "
		    "end", name);
		return -1;
	}
	if (a->end < a->start) {
		sslm_warnx("%s: suggested_window ends before it starts", name);
		return -1;
	}
	if (a->start > not_after) {
		sslm_warnx("%s: suggested_window starts after the "
		    "certificate expires", name);
		return -1;
	}
	if (a->end > not_after)
		a->end = not_after;
	if (expl_url(answer, "explanation_url", name,
	    &a->explanation_url) == -1)
		return -1;
	/* The time picked once stays while the window does not move. */
	if (old != NULL && old->supported && old->start == a->start &&
	    old->end == a->end && old->renew_at >= a->start &&
	    old->renew_at <= a->end)
		a->renew_at = old->renew_at;
	else
		a->renew_at = pick(a->start, a->end);
	return 0;
}

/* ---- the answer in words, and when to ask the CA again ---------------- */

/* "YYYY-MM-DD HH:MM:SS UTC" of t. */
static void
utc_day(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

char *
sslm_renew_message(const struct sslm_renew *r, const struct sslm_ari *ari)
{
	char	 na[40], dur[32], st[40], en[40], *m = NULL, *more = NULL;
	int	 n;

	utc_day(r->not_after, na, sizeof(na));
	sslm_info_duration((long long)(r->not_after - r->now), dur,
	    sizeof(dur));
	if (ari != NULL) {
		utc_day(ari->start, st, sizeof(st));
		utc_day(ari->end, en, sizeof(en));
		n = asprintf(&more, " (ARI window %s to %s%s%s)", st, en,
		    ari->explanation_url != NULL ? ", see " : "",
		    ari->explanation_url != NULL ? ari->explanation_url : "");
		if (n == -1)
			return NULL;
	}
	if (r->due)
		n = asprintf(&m, "Current cert expires: %s (%s) Renew now%s",
		    na, dur, more != NULL ? more : "");
	else
		n = asprintf(&m, "Current cert expires: %s (%s) Renew in "
		    "%.1f days%s", na, dur,
		    (double)(r->renew_at - r->now) / 86400,
		    more != NULL ? more : "");
	free(more);
	return n == -1 ? NULL : m;
}

int
sslm_ari_poll_due(const char *state, const char *sha, time_t now)
{
	struct sslm_ari	a;
	int		rc;

	if (access(state, F_OK) == -1)
		return 1;
	if (sslm_ari_state_read(state, &a) == -1)
		return 1;	/* warned; a fresh answer replaces it */
	rc = strcmp(a.cert_sha256, sha) != 0 || now >= a.next_check;
	sslm_ari_free(&a);
	return rc;
}
