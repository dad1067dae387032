/* SPDX-License-Identifier: MIT */
/*
 * acme.c: the RFC 8555 protocol under sslm-acme-order, sslm-acme-account
 * and sslm-acme-revoke: the directory, HTTPS through libcurl with nonces,
 * retries and one deadline, signed POSTs, problem documents and the
 * options every ACME tool takes.  The signatures are in jws.c, the
 * account files in acme_account.c, the identifiers of an order in
 * acme_order.c.
 *
 * The account key is borrowed from the caller and only passed to
 * sslm_acme_jws.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "sslm.h"

#define NONCE_MAX	256	/* bytes of a Replay-Nonce we accept */
#define URL_MAX		2048	/* bytes of a URL we accept */
#define HDR_MAX		(64 * 1024) /* bytes of all headers of an answer */
#define TRANSPORT_TRIES	5	/* attempts for broken answers and 5xx */
#define CONNECT_MS	10000L	/* TCP connect and TLS handshake, each try */
#define STALL_SECS	30L	/* an answer that sends no byte this long */
#define POLL_FLOOR_MS	1000LL	/* first pause of a polling loop */
#define POLL_STEP_MS	10000LL	/* the pause grows up to this */
#define RETRY_MIN	1L	/* Retry-After is kept within these seconds */
#define RETRY_MAX	60L
#define POOL_NONCES	64	/* unused nonces a pool keeps */
#define POOL_WHY	512	/* why its directory could not be had */

/*
 * What the clients of one directory share in one process (the batch of
 * sslm-acme-order): the directory, fetched once; the nonces the clients
 * did not use; and the bound on the requests in flight.
 */
struct sslm_acme_pool {
	pthread_mutex_t	 mu;		/* nonces, inflight */
	pthread_cond_t	 cv;		/* a request slot came free */
	pthread_mutex_t	 dirmu;		/* held while the directory comes */
	char		*dirurl;
	char		*cafile;
	json_t		*dir;
	int		 dirtried;
	char		 dirwhy[POOL_WHY];
	char		*nonce[POOL_NONCES];
	int		 nnonce;
	int		 inflight;
	int		 max;
	int		 peak;
};

struct sslm_acme {
	CURL		*curl;
	struct curl_slist *hdrs;
	char		*dirurl;
	char		*origin;	/* "host[:port]" of the directory */
	json_t		*dir;		/* the pool's, when pool is set */
	struct sslm_acme_pool *pool;
	char		*nonce;
	EVP_PKEY	*key;		/* borrowed from the caller */
	char		*kid;
	const char	*cafile;
	struct timespec	 deadline;
	int		 seconds;
	int		 verbose;
	int		 requests;
	char		 err[CURL_ERROR_SIZE];	/* last transport error */
	/* the answer being received */
	struct sslm_acme_resp *cur;
	size_t		 max;
	int		 toobig;
	int		 hdrbig;
	int		 inhdr;		/* between status line and blank line */
	size_t		 hdrlen;
};

static void	 pool_put(struct sslm_acme_pool *, char *);
static char	*pool_get(struct sslm_acme_pool *);
static int	 slot_take(struct sslm_acme *);
static void	 slot_give(struct sslm_acme *);

/* ---- time and the deadline ------------------------------------------- */

static long long
ms_left(const struct sslm_acme *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(a->deadline.tv_sec - now.tv_sec) * 1000 +
	    (a->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

int
sslm_acme_sleep(struct sslm_acme *a, long long ms, const char *what)
{
	struct timespec ts;

	if (ms > ms_left(a)) {
		sslm_warnx("%s: deadline of %d seconds passed", what,
		    a->seconds);
		return -1;
	}
	if (ms <= 0)
		return 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return 0;
}

/* Retry-After seconds as a pause in ms, within RETRY_MIN..RETRY_MAX. */
static long long
retry_ms(long secs)
{
	if (secs < RETRY_MIN)
		secs = RETRY_MIN;
	if (secs > RETRY_MAX)
		secs = RETRY_MAX;
	return (long long)secs * 1000;
}

void
sslm_acme_poll_init(struct sslm_acme_poll *p)
{
	p->backoff = POLL_FLOOR_MS;
	p->n = 0;
}

void
sslm_acme_poll_again(struct sslm_acme_poll *p)
{
	p->backoff = POLL_FLOOR_MS;
}

int
sslm_acme_poll_wait(struct sslm_acme *a, const struct sslm_acme_resp *r,
    struct sslm_acme_poll *p, const char *url, const char *state)
{
	long long ms;

	if (p->n >= SSLM_ACME_POLLS) {
		sslm_warnx("%s: still %s after %d polls", url, state, p->n);
		return -1;
	}
	p->n++;
	ms = p->backoff;
	if (r != NULL && r->retry_after >= 0)
		ms = retry_ms(r->retry_after);
	p->backoff *= 2;
	if (p->backoff > POLL_STEP_MS)
		p->backoff = POLL_STEP_MS;
	return sslm_acme_sleep(a, ms, url);
}

/* ---- URLs --------------------------------------------------------------- */

/* The authority ("host[:port]", lower case, ":443" dropped) of an https
 * URL, new string; NULL for anything else. */
static char *
https_origin(const char *url)
{
	const char	*h, *e;
	char		*o;
	size_t		 n, i;

	if (strncasecmp(url, "https://", 8) != 0 || strlen(url) > URL_MAX ||
	    !sslm_no_ctrl(url, strlen(url)) || strchr(url, ' ') != NULL)
		return NULL;
	h = url + 8;
	e = h + strcspn(h, "/?#");
	n = (size_t)(e - h);
	if (n == 0 || memchr(h, '@', n) != NULL)
		return NULL;
	if (n > 4 && memcmp(e - 4, ":443", 4) == 0)
		n -= 4;
	if ((o = strndup(h, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		o[i] = (char)tolower((unsigned char)o[i]);
	return o;
}

int
sslm_acme_url_ok(const struct sslm_acme *a, const char *url, const char *what)
{
	char	*o, shown[201];
	int	 ok;

	if (url == NULL) {
		sslm_warnx("%s: missing URL", what);
		return -1;
	}
	o = https_origin(url);
	ok = o != NULL && strcmp(o, a->origin) == 0;
	free(o);
	if (!ok) {
		sslm_warnx("%s: %s: not an https URL of %s", what,
		    sslm_msgstr(shown, sizeof(shown), url), a->origin);
		return -1;
	}
	return 0;
}

/* ---- HTTP ---------------------------------------------------------------- */

void
sslm_acme_resp_free(struct sslm_acme_resp *r)
{
	size_t i;

	free(r->body);
	json_decref(r->json);
	free(r->location);
	free(r->ctype);
	for (i = 0; i < r->nlinks; i++)
		free(r->links[i]);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct sslm_acme	*a = arg;
	struct sslm_acme_resp	*r = a->cur;
	char			*nb;

	n *= sz;
	if (r->len + n > a->max) {
		a->toobig = 1;
		return 0;
	}
	if ((nb = realloc(r->body, r->len + n + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Trimmed copy of a header value. */
static char *
hdr_value(const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	return strndup(v, n);
}

/* Link: <url>;rel="alternate", possibly several in one field. */
static void
parse_links(struct sslm_acme_resp *r, const char *v)
{
	const char	*lt, *gt, *end;
	char		*url;

	while ((lt = strchr(v, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL) {
		end = gt + strcspn(gt, ",");
		/* rel="alternate" or rel=alternate among the params */
		url = NULL;
		if (memmem(gt, (size_t)(end - gt), "alternate", 9) != NULL &&
		    r->nlinks < SSLM_ACME_LINKS_MAX &&
		    (url = strndup(lt + 1, (size_t)(gt - lt - 1))) != NULL)
			r->links[r->nlinks++] = url;
		v = *end == ',' ? end + 1 : end;
	}
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct sslm_acme	*a = arg;
	struct sslm_acme_resp	*r = a->cur;
	const char		*c;
	char			*v;
	size_t			 nl;
	time_t			 t;

	n *= sz;
	if ((a->hdrlen += n) > HDR_MAX) {
		a->hdrbig = 1;
		return 0;
	}
	a->inhdr = !(n <= 2 && (n == 0 || p[0] == '\r' || p[0] == '\n'));
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget the old one */
		free(r->location);
		free(a->nonce);
		r->location = NULL;
		a->nonce = NULL;
		return n;
	}
	if ((c = memchr(p, ':', n)) == NULL)
		return n;
	nl = (size_t)(c - p);
	c++;
	if (nl == 12 && strncasecmp(p, "Replay-Nonce", nl) == 0) {
		if ((v = hdr_value(c, n - nl - 1)) == NULL)
			return 0;
		if (strlen(v) <= NONCE_MAX && sslm_b64url_valid(v)) {
			free(a->nonce);
			a->nonce = v;
		} else
			free(v);
	} else if (nl == 8 && strncasecmp(p, "Location", nl) == 0) {
		free(r->location);
		r->location = hdr_value(c, n - nl - 1);
	} else if (nl == 12 && strncasecmp(p, "Content-Type", nl) == 0) {
		free(r->ctype);
		r->ctype = hdr_value(c, n - nl - 1);
	} else if (nl == 11 && strncasecmp(p, "Retry-After", nl) == 0) {
		if ((v = hdr_value(c, n - nl - 1)) == NULL)
			return 0;
		if (*v != '\0' && strspn(v, "0123456789") == strlen(v))
			r->retry_after = strlen(v) > 6 ? 999999 : atol(v);
		else if ((t = curl_getdate(v, NULL)) != -1)
			/* the same bound as for seconds */
			r->retry_after = t <= time(NULL) ? 0 :
			    t - time(NULL) > 999999 ? 999999 :
			    (long)(t - time(NULL));
		free(v);
	} else if (nl == 4 && strncasecmp(p, "Link", nl) == 0) {
		if ((v = strndup(c, n - nl - 1)) == NULL)
			return 0;
		parse_links(r, v);
		free(v);
	}
	return n;
}

/*
 * Is this transport error worth another attempt?  A server that cannot
 * be reached (refused, unresolvable, no TLS answer within the connect
 * timeout) is not: the next run of the caller tries again, and a caller
 * going through many services learns it at once.
 */
static int
transient(CURLcode e)
{
	switch (e) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

/*
 * Did exchange error e happen before a TLS session was up?  Then a->err
 * becomes "cannot connect: <why>" and 1 is returned; 0 otherwise.  left
 * is the time the exchange had, which bounds the connect timeout.
 */
static int
unreachable(struct sslm_acme *a, CURLcode e, long left)
{
	curl_off_t	tls = 0;
	long		oserr = 0;

	if (e == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(a->err, sizeof(a->err), "cannot connect: cannot "
		    "resolve the host name");
		return 1;
	}
	if (e == CURLE_COULDNT_CONNECT) {
		curl_easy_getinfo(a->curl, CURLINFO_OS_ERRNO, &oserr);
		snprintf(a->err, sizeof(a->err), "cannot connect: %s",
		    oserr != 0 ? strerror((int)oserr) :
		    curl_easy_strerror(e));
		return 1;
	}
	if (e != CURLE_OPERATION_TIMEDOUT ||
	    curl_easy_getinfo(a->curl, CURLINFO_APPCONNECT_TIME_T, &tls) !=
	    CURLE_OK || tls != 0)
		return 0;
	if (left < CONNECT_MS)
		snprintf(a->err, sizeof(a->err), "cannot connect: no answer "
		    "before the deadline of %d seconds", a->seconds);
	else
		snprintf(a->err, sizeof(a->err), "cannot connect: no TLS "
		    "answer within %ld seconds", CONNECT_MS / 1000);
	return 1;
}

/* One HTTP exchange, no retries.  0 with r filled (any status), -1 with
 * *err set and the reason in a->err (warned when it is not transient). */
static int
http_once(struct sslm_acme *a, const char *method, const char *url,
    const char *body, size_t max, struct sslm_acme_resp *r, CURLcode *err)
{
	CURLcode	 e;
	long		 left, code = 0;

	sslm_acme_resp_free(r);
	if (slot_take(a) == -1) {
		*err = CURLE_OPERATION_TIMEDOUT;
		snprintf(a->err, sizeof(a->err), "deadline of %d seconds "
		    "passed", a->seconds);
		return -1;
	}
	a->cur = r;
	a->max = max;
	a->toobig = 0;
	a->hdrbig = 0;
	a->inhdr = 0;
	a->hdrlen = 0;
	a->err[0] = '\0';
	left = (long)ms_left(a);
	if (left <= 0) {
		slot_give(a);
		*err = CURLE_OPERATION_TIMEDOUT;
		snprintf(a->err, sizeof(a->err), "deadline of %d seconds "
		    "passed", a->seconds);
		return -1;
	}
	curl_easy_setopt(a->curl, CURLOPT_URL, url);
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, a->err);
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT_MS, left);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    left < CONNECT_MS ? left : CONNECT_MS);
	curl_easy_setopt(a->curl, CURLOPT_NOBODY, 0L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(a->curl, CURLOPT_NOBODY, 1L);
	else if (body == NULL)
		curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
	}
	a->requests++;
	e = curl_easy_perform(a->curl);
	slot_give(a);
	a->cur = NULL;
	if (e == CURLE_OK)
		curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &code);
	if (a->verbose)
		fprintf(sslm_warn_stream(), "%s: %s %s -> %ld\n",
		    sslm_getprogname(), method, url, code);
	if (a->toobig) {
		sslm_warnx("%s: answer larger than %zu bytes", url, max);
		*err = CURLE_WRITE_ERROR;
		return -1;
	}
	/*
	 * libcurl refuses a header line over its own limit with "out of
	 * memory" and no message: that is the case while the headers of an
	 * answer arrive.
	 */
	if (a->hdrbig || (e == CURLE_OUT_OF_MEMORY && a->inhdr)) {
		sslm_warnx("%s: header too large (over %d bytes)", url,
		    a->hdrbig ? HDR_MAX : CURL_MAX_HTTP_HEADER);
		*err = CURLE_WRITE_ERROR;
		return -1;
	}
	if (e != CURLE_OK && unreachable(a, e, left)) {
		*err = CURLE_COULDNT_CONNECT;
		sslm_warnx("%s: %s", url, a->err);
		return -1;
	}
	if (e == CURLE_OPERATION_TIMEDOUT && ms_left(a) <= 0) {
		/* not worth another try: there is no time left for one */
		*err = CURLE_COULDNT_CONNECT;
		sslm_warnx("%s: no complete answer before the deadline of %d "
		    "seconds", url, a->seconds);
		return -1;
	}
	if (e != CURLE_OK) {
		*err = e;
		if (a->err[0] == '\0')
			snprintf(a->err, sizeof(a->err), "%s",
			    curl_easy_strerror(e));
		a->err[0] = (char)tolower((unsigned char)a->err[0]);
		if (!transient(e))
			sslm_warnx("%s: %s", url, a->err);
		else if (a->verbose)
			sslm_warnx("%s: %s (will retry)", url, a->err);
		return -1;
	}
	r->status = code;
	return 0;
}

/* One exchange with retries of transient errors, 5xx and 429, with
 * backoff (or Retry-After) inside the deadline. */
static int
http(struct sslm_acme *a, const char *method, const char *url,
    const char *body, size_t max, struct sslm_acme_resp *r)
{
	CURLcode	 e;
	long long	 wait = 1000;
	int		 i;

	for (i = 1;; i++) {
		if (http_once(a, method, url, body, max, r, &e) == 0) {
			if ((r->status < 500 && r->status != 429) ||
			    i == TRANSPORT_TRIES)
				return 0;
			if (r->retry_after >= 0)
				wait = retry_ms(r->retry_after);
			if (wait >= ms_left(a))
				return 0;
		} else {
			if (!transient(e))
				return -1;
			if (i == TRANSPORT_TRIES || wait >= ms_left(a)) {
				sslm_warnx("%s: %s (gave up after %d "
				    "attempt%s)", url, a->err, i,
				    i == 1 ? "" : "s");
				return -1;
			}
		}
		if (sslm_acme_sleep(a, wait, url) == -1)
			return -1;
		if (wait < 8000)
			wait *= 2;
	}
}

/*
 * Parse the body as a JSON object; -1 (warned) if it is not one.  The
 * parser's message quotes the server's bytes: printable only.
 */
static int
body_json(struct sslm_acme_resp *r, const char *url)
{
	json_error_t	jerr;
	char		why[sizeof(jerr.text)];

	if (r->body == NULL || r->len == 0) {
		sslm_warnx("%s: HTTP %ld with an empty answer", url, r->status);
		return -1;
	}
	r->json = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->json == NULL || !json_is_object(r->json)) {
		sslm_msgstr(why, sizeof(why), r->json == NULL ? jerr.text :
		    "not an object");
		sslm_warnx("%s: HTTP %ld: malformed JSON: %s", url, r->status,
		    why);
		return -1;
	}
	return 0;
}

void
sslm_acme_problem(const char *where, const char *prefix, const json_t *p)
{
	const json_t	*sub, *id;
	char		 type[256], detail[512], idv[256];
	size_t		 i;

	sslm_msgstr(type, sizeof(type), json_string_value(json_object_get(p,
	    "type")));
	sslm_msgstr(detail, sizeof(detail), json_string_value(json_object_get(p,
	    "detail")));
	sslm_warnx("%s: %s%s%s: %s", where, prefix != NULL ? prefix : "",
	    prefix != NULL ? ": " : "", type[0] != '\0' ? type :
	    "(problem without type)", detail[0] != '\0' ? detail :
	    "(no detail)");
	sub = json_object_get(p, "subproblems");
	for (i = 0; json_is_array(sub) && i < json_array_size(sub) && i < 100;
	    i++) {
		p = json_array_get(sub, i);
		id = json_object_get(p, "identifier");
		sslm_msgstr(type, sizeof(type), json_string_value(json_object_get(p,
		    "type")));
		sslm_msgstr(detail, sizeof(detail), json_string_value(
		    json_object_get(p, "detail")));
		sslm_msgstr(idv, sizeof(idv), json_string_value(json_object_get(id,
		    "value")));
		sslm_warnx("%s: %s: %s: %s", where, idv[0] != '\0' ? idv :
		    "(no identifier)", type, detail);
	}
}

/* Is the answer a problem document of this type? */
static int
is_problem(const struct sslm_acme_resp *r, const char *type)
{
	const char *t;

	t = json_string_value(json_object_get(r->json, "type"));
	return t != NULL && strcmp(t, type) == 0;
}

/* Report a non-2xx answer. */
static void
report(const struct sslm_acme_resp *r, const char *url)
{
	json_error_t	 jerr;
	json_t		*j = r->json;

	if (j == NULL && r->body != NULL)
		j = json_loadb(r->body, r->len, 0, &jerr);
	if (json_is_object(j) && json_is_string(json_object_get(j, "type")))
		sslm_acme_problem(url, NULL, j);
	else
		sslm_warnx("%s: HTTP %ld", url, r->status);
	if (j != r->json)
		json_decref(j);
}

int
sslm_acme_get(struct sslm_acme *a, const char *url, int flags,
    struct sslm_acme_resp *r)
{
	if (http(a, (flags & SSLM_ACME_HEAD) ? "HEAD" : "GET", url, NULL,
	    SSLM_ACME_BODY_MAX, r) == -1)
		return -1;
	if (r->status < 200 || r->status > 299) {
		report(r, url);
		return -1;
	}
	if ((flags & SSLM_ACME_HEAD) == 0 && body_json(r, url) == -1)
		return -1;
	return 0;
}

/* Fetch a fresh nonce from newNonce. */
static int
new_nonce(struct sslm_acme *a)
{
	struct sslm_acme_resp	 r;
	const char		*u;
	int			 rc;

	memset(&r, 0, sizeof(r));
	if (sslm_acme_directory(a) == -1)
		return -1;
	u = sslm_acme_dir_url(a, "newNonce");
	if ((rc = sslm_acme_get(a, u, SSLM_ACME_HEAD, &r)) == 0 &&
	    a->nonce == NULL) {
		sslm_warnx("%s: no Replay-Nonce in the answer", u);
		rc = -1;
	}
	sslm_acme_resp_free(&r);
	return rc;
}

int
sslm_acme_post(struct sslm_acme *a, const char *url, const json_t *payload,
    int flags, struct sslm_acme_resp *r)
{
	json_t	*prot = NULL, *jws = NULL, *jwk = NULL;
	char	*pl = NULL, *body = NULL;
	int	 i, rc = -1;

	if (a->key == NULL ||
	    ((flags & SSLM_ACME_JWK) == 0 && a->kid == NULL)) {
		sslm_warnx("%s: no account key", url);
		return -1;
	}
	if (payload == NULL)
		pl = strdup("");	/* POST-as-GET */
	else
		pl = json_dumps(payload, JSON_COMPACT);
	if (pl == NULL)
		goto out;
	for (i = 0; i < SSLM_ACME_NONCE_TRIES; i++) {
		if (a->nonce == NULL && (a->pool == NULL ||
		    (a->nonce = pool_get(a->pool)) == NULL) &&
		    new_nonce(a) == -1)
			goto out;
		json_decref(prot);
		json_decref(jws);
		jws = NULL;
		free(body);
		body = NULL;
		if ((prot = json_object()) == NULL ||
		    json_object_set_new(prot, "nonce", json_string(a->nonce)) ||
		    json_object_set_new(prot, "url", json_string(url)))
			goto out;
		if (flags & SSLM_ACME_JWK) {
			if ((jwk = sslm_acme_jwk(a->key)) == NULL ||
			    json_object_set_new(prot, "jwk", jwk) == -1)
				goto out;
		} else if (json_object_set_new(prot, "kid",
		    json_string(a->kid)) == -1)
			goto out;
		if ((jws = sslm_acme_jws(a->key, NULL, 0, prot, pl)) == NULL ||
		    (body = json_dumps(jws, JSON_COMPACT)) == NULL)
			goto out;
		/* a nonce is good for one request */
		free(a->nonce);
		a->nonce = NULL;
		if (http(a, "POST", url, body, (flags & SSLM_ACME_CERT) ?
		    SSLM_ACME_CERT_MAX : SSLM_ACME_BODY_MAX, r) == -1)
			goto out;
		if (r->status >= 200 && r->status <= 299)
			break;
		if (r->body != NULL && r->len > 0 &&
		    (r->json = json_loadb(r->body, r->len, 0, NULL)) != NULL &&
		    !json_is_object(r->json)) {
			json_decref(r->json);
			r->json = NULL;
		}
		if (r->status == 400 &&
		    is_problem(r, "urn:ietf:params:acme:error:badNonce")) {
			if (a->verbose)
				sslm_warnx("%s: bad nonce, retrying", url);
			continue;
		}
		if ((flags & SSLM_ACME_QUIET) == 0)
			report(r, url);
		goto out;
	}
	if (i == SSLM_ACME_NONCE_TRIES) {
		sslm_warnx("%s: nonce rejected %d times", url, i);
		goto out;
	}
	/* some answers (revokeCert, keyChange) may have no body */
	if ((flags & SSLM_ACME_CERT) == 0 && r->len > 0 &&
	    body_json(r, url) == -1)
		goto out;
	rc = 0;
out:
	free(body);
	json_decref(jws);
	json_decref(prot);
	free(pl);
	return rc;
}

/* ---- the pool of one directory ---------------------------------------- */

struct sslm_acme_pool *
sslm_acme_pool_new(const char *dirurl, const char *cafile, int max)
{
	struct sslm_acme_pool	*p;
	pthread_condattr_t	 ca;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->dirurl = strdup(dirurl)) == NULL ||
	    (cafile != NULL && (p->cafile = strdup(cafile)) == NULL)) {
		sslm_warn("acme pool");
		if (p != NULL)
			free(p->dirurl);
		free(p);
		return NULL;
	}
	p->max = max < 1 ? 1 : max;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->dirmu, NULL);
	/* the waits for a slot end at a deadline of CLOCK_MONOTONIC */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

void
sslm_acme_pool_free(struct sslm_acme_pool *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nnonce; i++)
		free(p->nonce[i]);
	json_decref(p->dir);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->dirmu);
	free(p->dirurl);
	free(p->cafile);
	free(p);
}

int
sslm_acme_pool_is(const struct sslm_acme_pool *p, const char *dirurl,
    const char *cafile)
{
	return strcmp(p->dirurl, dirurl) == 0 && (p->cafile == NULL ?
	    cafile == NULL : cafile != NULL && strcmp(p->cafile, cafile) == 0);
}

int
sslm_acme_pool_peak(const struct sslm_acme_pool *p)
{
	return p->peak;
}

const char *
sslm_acme_pool_url(const struct sslm_acme_pool *p)
{
	return p->dirurl;
}

int
sslm_acme_global(int on)
{
	if (!on) {
		curl_global_cleanup();
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		sslm_warnx("acme: libcurl initialisation failed");
		return -1;
	}
	return 0;
}

/* Keep an unused nonce n (taken over; NULL: none) for another client. */
static void
pool_put(struct sslm_acme_pool *p, char *n)
{
	if (n == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->nnonce < POOL_NONCES) {
		p->nonce[p->nnonce++] = n;
		n = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	free(n);
}

/* An unused nonce of the pool (new string), or NULL: none left. */
static char *
pool_get(struct sslm_acme_pool *p)
{
	char *n = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->nnonce > 0)
		n = p->nonce[--p->nnonce];
	pthread_mutex_unlock(&p->mu);
	return n;
}

int
sslm_acme_pool_nonce(struct sslm_acme_pool *p, const char *nonce)
{
	char *n;

	if (nonce == NULL || strlen(nonce) > NONCE_MAX ||
	    !sslm_b64url_valid(nonce) || (n = strdup(nonce)) == NULL)
		return -1;
	pool_put(p, n);
	return 0;
}

/*
 * A request slot of the pool before an exchange (none needed without a
 * pool): waits while max requests are in flight, until the deadline of
 * a.  -1 when the deadline passed first.
 */
static int
slot_take(struct sslm_acme *a)
{
	struct sslm_acme_pool	*p = a->pool;
	int			 rc = 0;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->inflight >= p->max && rc == 0)
		if (pthread_cond_timedwait(&p->cv, &p->mu, &a->deadline) ==
		    ETIMEDOUT && p->inflight >= p->max)
			rc = -1;
	if (rc == 0 && ++p->inflight > p->peak)
		p->peak = p->inflight;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void
slot_give(struct sslm_acme *a)
{
	struct sslm_acme_pool *p = a->pool;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->inflight--;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
sslm_acme_set_pool(struct sslm_acme *a, struct sslm_acme_pool *p)
{
	a->pool = p;
}

/* ---- the client ------------------------------------------------------ */

struct sslm_acme *
sslm_acme_new(const char *dirurl, const char *cafile, int seconds,
    int verbose)
{
	struct sslm_acme	*a;
	struct stat		 st;

	if (cafile != NULL && stat(cafile, &st) == -1) {
		sslm_warn("%s", cafile);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		sslm_warn("acme");
		return NULL;
	}
	a->seconds = seconds;
	a->verbose = verbose;
	a->cafile = cafile;
	clock_gettime(CLOCK_MONOTONIC, &a->deadline);
	a->deadline.tv_sec += seconds;
	if ((a->origin = https_origin(dirurl)) == NULL) {
		sslm_warnx("%.200s: not an https URL", dirurl);
		goto fail;
	}
	if ((a->dirurl = strdup(dirurl)) == NULL ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (a->curl = curl_easy_init()) == NULL ||
	    (a->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/jose+json")) == NULL ||
	    (a->hdrs = curl_slist_append(a->hdrs, "Expect:")) == NULL) {
		sslm_warnx("acme: libcurl initialisation failed");
		goto fail;
	}
	if (curl_easy_setopt(a->curl, CURLOPT_PROTOCOLS_STR, "https") !=
	    CURLE_OK ||
	    curl_easy_setopt(a->curl, CURLOPT_REDIR_PROTOCOLS_STR, "https") !=
	    CURLE_OK) {
		sslm_warnx("acme: libcurl cannot restrict to https");
		goto fail;
	}
	curl_easy_setopt(a->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(a->curl, CURLOPT_LOW_SPEED_TIME, STALL_SECS);
	curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cafile != NULL)
		curl_easy_setopt(a->curl, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, a->hdrs);
	curl_easy_setopt(a->curl, CURLOPT_USERAGENT,
	    "sslm/" SSLM_VERSION " " /* RFC 8555 6.1 */);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(a->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(a->curl, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(a->curl, CURLOPT_ACCEPT_ENCODING, "");
	return a;
fail:
	sslm_acme_free(a);
	return NULL;
}

void
sslm_acme_free(struct sslm_acme *a)
{
	if (a == NULL)
		return;
	if (a->verbose)
		fprintf(sslm_warn_stream(), "%s: %d http requests\n",
		    sslm_getprogname(), a->requests);
	if (a->pool != NULL)
		pool_put(a->pool, sslm_acme_take_nonce(a));
	else
		json_decref(a->dir);
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	curl_slist_free_all(a->hdrs);
	if (a->curl != NULL)
		curl_global_cleanup();
	free(a->dirurl);
	free(a->origin);
	free(a->nonce);
	free(a->kid);
	free(a);
}

int
sslm_acme_requests(const struct sslm_acme *a)
{
	return a->requests;
}

const char *
sslm_acme_dirurl(const struct sslm_acme *a)
{
	return a->dirurl;
}

/* Check the directory object d of the server: 0, or -1 (warned). */
static int
dir_check(const struct sslm_acme *a, const json_t *d)
{
	static const char *need[] = { "newNonce", "newAccount", "newOrder" };
	static const char *opt[] = { "revokeCert", "keyChange", "newAuthz",
	    "renewalInfo" };
	const json_t	*meta, *v;
	size_t		 i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (sslm_acme_url_ok(a, json_string_value(json_object_get(
		    d, need[i])), need[i]) == -1) {
			sslm_warnx("%s: not a usable ACME directory",
			    a->dirurl);
			return -1;
		}
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if ((v = json_object_get(d, opt[i])) != NULL &&
		    sslm_acme_url_ok(a, json_string_value(v), opt[i]) == -1)
			return -1;
	meta = json_object_get(d, "meta");
	if (meta != NULL && !json_is_object(meta)) {
		sslm_warnx("%s: meta is not an object", a->dirurl);
		return -1;
	}
	v = json_object_get(meta, "profiles");
	if (v != NULL && !json_is_object(v)) {
		sslm_warnx("%s: meta.profiles is not an object", a->dirurl);
		return -1;
	}
	return 0;
}

/* The directory from the server, checked, into a->dir. */
static int
dir_fetch(struct sslm_acme *a)
{
	struct sslm_acme_resp	 r;
	int			 rc = -1;

	memset(&r, 0, sizeof(r));
	r.retry_after = -1;
	if (sslm_acme_get(a, a->dirurl, 0, &r) == -1 ||
	    dir_check(a, r.json) == -1)
		goto out;
	a->dir = json_incref(r.json);
	rc = 0;
out:
	sslm_acme_resp_free(&r);
	return rc;
}

/*
 * The directory of the pool: the first client to ask fetches it, the
 * others wait and borrow it; when it could not be had, each says why in
 * the first one's words without asking again.
 */
static int
dir_pooled(struct sslm_acme *a)
{
	struct sslm_acme_pool	*p = a->pool;
	int			 rc = -1;

	pthread_mutex_lock(&p->dirmu);
	if (!p->dirtried) {
		p->dirtried = 1;
		sslm_warn_capture(p->dirwhy, sizeof(p->dirwhy));
		if (dir_fetch(a) == 0)
			p->dir = a->dir;
		sslm_warn_capture(NULL, 0);
		if (p->dir == NULL && p->dirwhy[0] == '\0')
			snprintf(p->dirwhy, sizeof(p->dirwhy), "%.200s: no "
			    "usable directory", a->dirurl);
	}
	a->dir = p->dir;
	if (p->dir != NULL)
		rc = 0;
	else
		sslm_warnx("%s", p->dirwhy);
	pthread_mutex_unlock(&p->dirmu);
	return rc;
}

int
sslm_acme_directory(struct sslm_acme *a)
{
	if (a->dir != NULL)
		return 0;
	return a->pool != NULL ? dir_pooled(a) : dir_fetch(a);
}

const char *
sslm_acme_dir_url(const struct sslm_acme *a, const char *name)
{
	return json_string_value(json_object_get(a->dir, name));
}

const json_t *
sslm_acme_dir_meta(const struct sslm_acme *a, const char *name)
{
	return json_object_get(json_object_get(a->dir, "meta"), name);
}

void
sslm_acme_set_key(struct sslm_acme *a, EVP_PKEY *key)
{
	a->key = key;
}

int
sslm_acme_set_kid(struct sslm_acme *a, const char *kid)
{
	free(a->kid);
	a->kid = NULL;
	if (kid == NULL)
		return 0;
	if (sslm_acme_url_ok(a, kid, "account URL") == -1 ||
	    (a->kid = strdup(kid)) == NULL)
		return -1;
	return 0;
}

const char *
sslm_acme_kid(const struct sslm_acme *a)
{
	return a->kid;
}

int
sslm_acme_set_nonce(struct sslm_acme *a, const char *nonce)
{
	if (nonce == NULL || strlen(nonce) > NONCE_MAX ||
	    !sslm_b64url_valid(nonce))
		return -1;
	free(a->nonce);
	return (a->nonce = strdup(nonce)) == NULL ? -1 : 0;
}

const char *
sslm_acme_nonce(const struct sslm_acme *a)
{
	return a->nonce;
}

char *
sslm_acme_take_nonce(struct sslm_acme *a)
{
	char *n = a->nonce;

	a->nonce = NULL;
	return n;
}

/* ---- small validators ---------------------------------------------- */

const char *
sslm_acme_jstr(const json_t *o, const char *key, const char *where)
{
	const char *s;

	s = json_string_value(json_object_get(o, key));
	if (s == NULL || !sslm_no_ctrl(s, strlen(s)) || strlen(s) > URL_MAX)
		sslm_warnx("%s: field %s missing or not a string", where, key);
	return s != NULL && sslm_no_ctrl(s, strlen(s)) &&
	    strlen(s) <= URL_MAX ? s : NULL;
}

const char *
sslm_acme_jurl(const struct sslm_acme *a, const json_t *o, const char *key,
    const char *where)
{
	const char	*s;
	char		 what[256];

	if ((s = sslm_acme_jstr(o, key, where)) == NULL)
		return NULL;
	snprintf(what, sizeof(what), "%s: %s", where, key);
	return sslm_acme_url_ok(a, s, what) == 0 ? s : NULL;
}

void
sslm_acme_cli_init(struct sslm_acme_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->seconds = SSLM_ACME_DEADLINE;
}

int
sslm_acme_cli_opt(struct sslm_acme_cli *c, int ch, const char *arg)
{
	char	*end;
	long	 n;

	switch (ch) {
	case 'A':
		c->dir = arg;
		return 1;
	case 'C':
		c->cafile = arg;
		return 1;
	case 'D':
		c->url = arg;
		return 1;
	case 'v':
		c->verbose = 1;
		return 1;
	case 'w':
		n = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || n <= 0 || n > 86400)
			return -1;
		c->seconds = (int)n;
		return 1;
	}
	return 0;
}

struct sslm_acme *
sslm_acme_cli_new(const struct sslm_acme_cli *c)
{
	return sslm_acme_new(c->url, c->cafile, c->seconds, c->verbose);
}
