/* SPDX-License-Identifier: MIT */
/*
 * sslm-acme-order: an ACME certificate order in two steps, so that sh can
 * publish the challenges of many orders at once.  order: CSR in, order
 * JSON (every challenge to publish) out.  finish: order JSON in, answer
 * the challenges, finalize, PEM chain out.  ari: the renewal window.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sslm.h"

#define TOKEN_MIN	22	/* RFC 8555 8.1: 128 bits of base64url */
#define TOKEN_MAX	256	/* bytes of a challenge token we accept */
#define AUTHZ_MAX	100	/* identifiers (and authorizations) an order */
#define URL_WHAT	2100	/* a URL and a few words */
#define LIST_MAX	(16 * 1024 * 1024) /* bytes of a batch's list */
#define WORKERS_MAX	16	/* orders of a batch in progress at once */
#define ORDER_COLS	9	/* the columns of a batch-order row */
#define FINISH_COLS	8	/* and of a batch-finish row */

struct batch;

struct opts {
	struct sslm_acme_cli c;
	const char	*chal;		/* -c */
	const char	*profile;
	const char	*replaces;
	const char	*csr;		/* finish --csr */
	const char	*chain;		/* --preferred-chain */
	const char	*out;		/* a batch job's product, for messages */
	struct batch	*batch;		/* the batch of the job, or NULL */
	int		 parallel;	/* -j */
};

static int	batch_queued(struct batch *);

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-acme-order [-v] -A dir -D url [--ca-file file]"
	    " [-w secs]\n"
	    "           order [-c http-01|dns-01] [--profile name]"
	    " [--replaces cert] [csr]\n"
	    "       sslm-acme-order [-v] -A dir -D url [--ca-file file]"
	    " [-w secs]\n"
	    "           finish --csr file [--preferred-chain name] [order]\n"
	    "       sslm-acme-order [-v] -D url [--ca-file file] ari cert\n"
	    "       sslm-acme-order [-v] [-j n] [-w secs] batch-order | "
	    "batch-finish [list]\n");
	exit(status);
}

/* The CSR of path, its signature checked.  NULL (warned). */
static X509_REQ *
load_csr(const char *path)
{
	X509_REQ	*req;
	EVP_PKEY	*pk;
	char		*buf;
	size_t		 len;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	req = sslm_read_csr(buf, len, name);
	free(buf);
	if (req == NULL)
		return NULL;
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL ||
	    X509_REQ_verify(req, pk) != 1) {
		sslm_warnx("%s: the request's signature does not verify", name);
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

/* Profiles: sent only when the server lists them; an unknown one fails. */
static int
add_profile(const struct opts *o, struct sslm_acme *a, json_t *req)
{
	const json_t *p;

	if (o->profile == NULL)
		return 0;
	if ((p = sslm_acme_dir_meta(a, "profiles")) == NULL) {
		sslm_warnx("%s: note: the server has no profiles; %s ignored",
		    o->c.url, o->profile);
		return 0;
	}
	if (json_object_get(p, o->profile) == NULL) {
		sslm_warnx("%s: the server has no profile %s", o->c.url,
		    o->profile);
		return -1;
	}
	return json_object_set_new(req, "profile", json_string(o->profile));
}

/* ARI: "replaces" when the server has renewalInfo. */
static int
add_replaces(const struct opts *o, struct sslm_acme *a, json_t *req)
{
	X509	*x;
	char	*id;
	int	 rc;

	if (o->replaces == NULL)
		return 0;
	if ((x = sslm_read_first_cert(o->replaces)) == NULL)
		return -1;
	id = sslm_acme_cert_id(x, o->replaces);
	X509_free(x);
	if (id == NULL)
		return -1;
	if (sslm_acme_dir_url(a, "renewalInfo") == NULL) {
		if (o->c.verbose)
			sslm_warnx("%s: note: no renewalInfo; replaces not "
			    "sent", o->c.url);
		rc = 0;
	} else
		rc = json_object_set_new(req, "replaces", json_string(id));
	free(id);
	return rc;
}

/*
 * One output entry for an authorization: its identifier must be one of
 * ids (the request's) not seen before (seen[] is marked), and the entry
 * names it in our spelling, never the server's.
 */
static json_t *
authz_entry(const struct opts *o, struct sslm_acme *a, EVP_PKEY *key,
    const char *url, const json_t *az, const json_t *ids, char *seen)
{
	const json_t	*id, *chs, *ch, *wc, *c = NULL;
	const char	*st, *type, *val, *name, *tok = NULL, *curl = NULL;
	json_t		*e = NULL;
	char		*ka = NULL, *txt = NULL, tmp[512], tb[16], vb[80];
	size_t		 i;
	int		 k;

	id = json_object_get(az, "identifier");
	chs = json_object_get(az, "challenges");
	wc = json_object_get(az, "wildcard");
	if ((st = sslm_acme_jstr(az, "status", url)) == NULL ||
	    (type = sslm_acme_jstr(id, "type", url)) == NULL ||
	    (val = sslm_acme_jstr(id, "value", url)) == NULL)
		return NULL;
	if (!json_is_array(chs) || (wc != NULL && !json_is_boolean(wc))) {
		sslm_warnx("%s: malformed authorization", url);
		return NULL;
	}
	sslm_msgstr(tb, sizeof(tb), type);
	sslm_msgstr(vb, sizeof(vb), val);
	if ((k = sslm_acme_ident_index(ids, type, val, json_is_true(wc))) ==
	    -1) {
		sslm_warnx("%s: an authorization for %s%s %s, which the request "
		    "does not name", url, json_is_true(wc) ? "wildcard " : "",
		    tb, vb);
		return NULL;
	}
	if (seen[k]++) {
		sslm_warnx("%s: a second authorization for %s %s", url, tb, vb);
		return NULL;
	}
	id = json_array_get(ids, k);
	type = json_string_value(json_object_get(id, "type"));
	name = json_string_value(json_object_get(id, "value"));
	if (json_is_true(wc))
		name += 2;	/* "*." */
	for (i = 0; i < json_array_size(chs); i++) {
		ch = json_array_get(chs, i);
		if (json_is_object(ch) && json_is_string(json_object_get(ch,
		    "type")) && strcmp(json_string_value(json_object_get(ch,
		    "type")), o->chal) == 0) {
			c = ch;
			break;
		}
	}
	if (strcmp(st, "valid") != 0 && strcmp(st, "pending") != 0) {
		sslm_warnx("%s: %s %s: authorization is %s", url, type, name,
		    st);
		return NULL;
	}
	if (c == NULL && strcmp(st, "pending") == 0) {
		sslm_warnx("%s: %s %s: no %s challenge offered", url, type,
		    name, o->chal);
		return NULL;
	}
	if ((e = json_pack("{s:{s:s, s:s}, s:b, s:s, s:s}", "identifier",
	    "type", type, "value", name, "wildcard", json_is_true(wc),
	    "authz", url, "status", st)) == NULL)
		goto nomem;
	if (c == NULL)
		return e;
	if ((curl = sslm_acme_jurl(a, c, "url", url)) == NULL ||
	    (tok = sslm_acme_jstr(c, "token", url)) == NULL)
		goto fail;
	if (strlen(tok) < TOKEN_MIN || strlen(tok) > TOKEN_MAX ||
	    !sslm_b64url_valid(tok)) {
		sslm_warnx("%s: malformed challenge token (RFC 8555 8.1: "
		    "base64url, %d to %d characters)", url, TOKEN_MIN,
		    TOKEN_MAX);
		goto fail;
	}
	if ((ka = sslm_acme_keyauth(key, tok)) == NULL)
		goto fail;
	if (json_object_set_new(e, "type", json_string(o->chal)) == -1 ||
	    json_object_set_new(e, "url", json_string(curl)) == -1 ||
	    json_object_set_new(e, "token", json_string(tok)) == -1 ||
	    json_object_set_new(e, "key_authorization", json_string(ka)))
		goto nomem;
	if (strcmp(o->chal, "dns-01") == 0) {
		snprintf(tmp, sizeof(tmp), "_acme-challenge.%s", name);
		if ((txt = sslm_acme_txt_value(ka)) == NULL)
			goto fail;
		if (json_object_set_new(e, "txt_name", json_string(tmp)) ||
		    json_object_set_new(e, "txt_value", json_string(txt)))
			goto nomem;
	} else {
		snprintf(tmp, sizeof(tmp), "/.well-known/acme-challenge/%s",
		    tok);
		if (json_object_set_new(e, "http_path", json_string(tmp)))
			goto nomem;
	}
	free(txt);
	free(ka);
	return e;
nomem:
	sslm_warnx("%s: out of memory", url);
fail:
	free(txt);
	free(ka);
	json_decref(e);
	return NULL;
}

/*
 * The authorizations of a new order (r, at ourl), one for each
 * identifier of the request (ids), into the array chs: their number is
 * checked before any is fetched.
 */
static int
authorizations(const struct opts *o, struct sslm_acme *a, EVP_PKEY *key,
    const char *ourl, const json_t *r, const json_t *ids, json_t *chs)
{
	struct sslm_acme_resp ar;
	const json_t	*azs;
	const char	*u;
	json_t		*e;
	char		*seen, what[URL_WHAT];
	size_t		 i, n;
	int		 rc = -1;

	azs = json_object_get(r, "authorizations");
	n = json_array_size(ids);
	if (!json_is_array(azs)) {
		sslm_warnx("%s: malformed order: no authorizations", ourl);
		return -1;
	}
	if (json_array_size(azs) != n) {
		sslm_warnx("%s: %zu authorizations for %zu identifiers", ourl,
		    json_array_size(azs), n);
		return -1;
	}
	if ((seen = calloc(n + 1, 1)) == NULL) {
		sslm_warn("%s", ourl);
		return -1;
	}
	memset(&ar, 0, sizeof(ar));
	for (i = 0; i < n; i++) {
		if ((u = json_string_value(json_array_get(azs, i))) == NULL) {
			sslm_warnx("%s: authorizations[%zu] is not a URL", ourl,
			    i);
			goto out;
		}
		snprintf(what, sizeof(what), "%s: authorizations[%zu]", ourl,
		    i);
		if (sslm_acme_url_ok(a, u, what) == -1 ||
		    sslm_acme_post(a, u, NULL, 0, &ar) == -1)
			goto out;
		if (ar.json == NULL) {
			sslm_warnx("%s: HTTP %ld with an empty authorization",
			    u, ar.status);
			goto out;
		}
		if ((e = authz_entry(o, a, key, u, ar.json, ids, seen)) ==
		    NULL)
			goto out;
		if (json_array_append_new(chs, e) == -1) {
			sslm_warnx("%s: out of memory", u);
			goto out;
		}
		sslm_acme_resp_free(&ar);
	}
	rc = 0;
out:
	sslm_acme_resp_free(&ar);
	free(seen);
	return rc;
}

/*
 * The output object of the newOrder answer r to the request at u for
 * the identifiers ids: its URL in Location, on the directory's origin,
 * the identifiers exactly those asked; its challenges still empty.  NULL
 * (warned).
 */
static json_t *
order_out(struct sslm_acme *a, const struct sslm_acme_resp *r,
    const char *u, const json_t *ids)
{
	const json_t	*exp;
	const char	*ourl, *fin, *st;
	char		 what[URL_WHAT];
	json_t		*out;

	if (r->location == NULL) {
		sslm_warnx("%s: HTTP %ld without the Location of the order", u,
		    r->status);
		return NULL;
	}
	if (r->json == NULL) {
		sslm_warnx("%s: HTTP %ld without an order", u, r->status);
		return NULL;
	}
	snprintf(what, sizeof(what), "%s: Location", u);
	if (sslm_acme_url_ok(a, r->location, what) == -1)
		return NULL;
	ourl = r->location;
	if ((fin = sslm_acme_jurl(a, r->json, "finalize", ourl)) == NULL ||
	    (st = sslm_acme_jstr(r->json, "status", ourl)) == NULL ||
	    sslm_acme_idents_same(ids, json_object_get(r->json,
	    "identifiers"), ourl) == -1)
		return NULL;
	exp = json_object_get(r->json, "expires");
	if ((out = json_pack("{s:s, s:s, s:s, s:O?, s:O, s:[]}",
	    "order", ourl, "finalize", fin, "status", st, "expires",
	    json_is_string(exp) ? exp : NULL, "identifiers", ids,
	    "challenges")) == NULL)
		sslm_warnx("%s: out of memory", ourl);
	return out;
}

/* order: newOrder, then every authorization. */
static int
run_order(const struct opts *o, struct sslm_acme *a, const char *csrpath,
    FILE *fp)
{
	struct sslm_acme_resp r;
	X509_REQ	*req = NULL;
	EVP_PKEY	*key = NULL;
	json_t		*ids = NULL, *body = NULL, *out = NULL;
	const char	*u;
	char		*nonce = NULL;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	if ((req = load_csr(csrpath)) == NULL ||
	    (ids = sslm_acme_csr_idents(req, strcmp(csrpath, "-") == 0 ?
	    "stdin" : csrpath)) == NULL ||
	    sslm_acme_login(a, o->c.dir, &key) == -1 ||
	    sslm_acme_directory(a) == -1)
		goto out;
	if (json_array_size(ids) > AUTHZ_MAX) {
		sslm_warnx("%s: more than %d names to order", csrpath,
		    AUTHZ_MAX);
		goto out;
	}
	if ((body = json_pack("{s:O}", "identifiers", ids)) == NULL ||
	    add_profile(o, a, body) == -1 || add_replaces(o, a, body) == -1)
		goto out;
	u = sslm_acme_dir_url(a, "newOrder");
	if (sslm_acme_post(a, u, body, 0, &r) == -1 ||
	    (out = order_out(a, &r, u, ids)) == NULL)
		goto out;
	if (authorizations(o, a, key, r.location, r.json, ids,
	    json_object_get(out, "challenges")) == -1)
		goto out;
	if (json_object_set_new(out, "account",
	    json_string(sslm_acme_kid(a))) == -1 ||
	    json_object_set_new(out, "directory", json_string(o->c.url)) == -1)
		goto out;
	/*
	 * An unused nonce saves finish a request: it is finish's alone.  In
	 * a batch it goes to the next order of the pool while there is one.
	 */
	if ((o->batch == NULL || !batch_queued(o->batch)) &&
	    (nonce = sslm_acme_take_nonce(a)) != NULL &&
	    json_object_set_new(out, "nonce", json_string(nonce)) == -1)
		goto out;
	rc = sslm_json_print(fp, out, 1);
out:
	free(nonce);
	sslm_acme_resp_free(&r);
	json_decref(out);
	json_decref(body);
	json_decref(ids);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	return rc;
}

/* The order file of finish, checked against this client and account. */
static json_t *
load_order(const struct opts *o, struct sslm_acme *a, const char *path)
{
	json_t		*j;
	json_error_t	 jerr;
	const json_t	*chs, *c;
	char		*buf;
	size_t		 len, i;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path, *st;

	if ((buf = sslm_readfile(path, SSLM_ACME_BODY_MAX, &len)) == NULL)
		return NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (j == NULL || !json_is_object(j)) {
		sslm_warnx("%s: not an order: %s", name, j == NULL ?
		    jerr.text : "not an object");
		goto fail;
	}
	if (sslm_acme_jurl(a, j, "order", name) == NULL ||
	    sslm_acme_jurl(a, j, "finalize", name) == NULL ||
	    sslm_acme_jstr(j, "account", name) == NULL ||
	    sslm_acme_jstr(j, "directory", name) == NULL)
		goto fail;
	if (strcmp(json_string_value(json_object_get(j, "directory")),
	    o->c.url) != 0 || strcmp(json_string_value(json_object_get(j,
	    "account")), sslm_acme_kid(a)) != 0) {
		sslm_warnx("%s: the order belongs to another directory or "
		    "account", name);
		goto fail;
	}
	chs = json_object_get(j, "challenges");
	for (i = 0; json_is_array(chs) && i < json_array_size(chs); i++) {
		c = json_array_get(chs, i);
		if (sslm_acme_jurl(a, c, "authz", name) == NULL ||
		    (st = sslm_acme_jstr(c, "status", name)) == NULL ||
		    sslm_acme_jstr(json_object_get(c, "identifier"), "value",
		    name) == NULL ||
		    sslm_acme_jstr(json_object_get(c, "identifier"), "type",
		    name) == NULL)
			goto fail;
		if (strcmp(st, "valid") != 0 &&
		    sslm_acme_jurl(a, c, "url", name) == NULL)
			goto fail;
	}
	if (!json_is_array(chs) || json_array_size(chs) == 0) {
		sslm_warnx("%s: no challenges", name);
		goto fail;
	}
	return j;
fail:
	json_decref(j);
	return NULL;
}

/* Report why an authorization is not valid: its challenges' errors. */
static void
authz_failed(const char *url, const json_t *az, const char *st)
{
	const json_t	*id, *chs, *c;
	char		 who[300], type[40], val[256];
	size_t		 i;
	int		 n = 0;

	id = json_object_get(az, "identifier");
	snprintf(who, sizeof(who), "%s %s", sslm_msgstr(type, sizeof(type),
	    json_string_value(json_object_get(id, "type"))),
	    sslm_msgstr(val, sizeof(val), json_string_value(json_object_get(id,
	    "value"))));
	chs = json_object_get(az, "challenges");
	for (i = 0; json_is_array(chs) && i < json_array_size(chs); i++) {
		c = json_array_get(chs, i);
		if (json_is_object(json_object_get(c, "error"))) {
			sslm_acme_problem(url, who, json_object_get(c,
			    "error"));
			n++;
		}
	}
	if (n == 0)
		sslm_warnx("%s: %s: authorization is %s", url, who, st);
}

/* The order is invalid: say which authorizations failed and why. */
static int
order_invalid(struct sslm_acme *a, const json_t *order, const char *done,
    const json_t *r)
{
	struct sslm_acme_resp ar;
	const json_t	*chs;
	const char	*u, *st, *ou;
	size_t		 i;
	int		 bad = 0;

	memset(&ar, 0, sizeof(ar));
	ou = json_string_value(json_object_get(order, "order"));
	chs = json_object_get(order, "challenges");
	for (i = 0; i < json_array_size(chs); i++) {
		if (done[i])
			continue;
		u = json_string_value(json_object_get(json_array_get(chs, i),
		    "authz"));
		if (sslm_acme_post(a, u, NULL, 0, &ar) == -1 ||
		    (st = sslm_acme_jstr(ar.json, "status", u)) == NULL)
			break;
		if (strcmp(st, "valid") != 0) {
			authz_failed(u, ar.json, st);
			bad++;
		}
		sslm_acme_resp_free(&ar);
	}
	sslm_acme_resp_free(&ar);
	if (bad == 0 && json_is_object(json_object_get(r, "error")))
		sslm_acme_problem(ou, NULL, json_object_get(r, "error"));
	else if (bad == 0)
		sslm_warnx("%s: the order is invalid", ou);
	return -1;
}

/*
 * Answer the pending challenges, then poll the order (one request
 * however many names it has, RFC 8555 7.1.6) until it is ready: every
 * authorization valid.  p is the order's budget of polls, which
 * finalize goes on with.  When the order turns invalid the failed
 * authorizations are fetched to say why.
 */
static int
authorize(struct sslm_acme *a, const json_t *order, struct sslm_acme_poll *p)
{
	struct sslm_acme_resp r;
	const json_t	*chs, *c;
	const char	*st, *u, *ou;
	json_t		*empty = NULL;
	char		*done = NULL;
	size_t		 i, n;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	ou = json_string_value(json_object_get(order, "order"));
	chs = json_object_get(order, "challenges");
	n = json_array_size(chs);
	if ((empty = json_object()) == NULL || (done = calloc(n, 1)) == NULL) {
		sslm_warn("%s", ou);
		goto out;
	}
	for (i = 0; i < n; i++) {
		c = json_array_get(chs, i);
		st = json_string_value(json_object_get(c, "status"));
		if (strcmp(st, "valid") == 0) {
			done[i] = 1;
			continue;
		}
		u = json_string_value(json_object_get(c, "url"));
		if (sslm_acme_post(a, u, empty, 0, &r) == -1)
			goto out;
		/* a valid challenge makes its authorization valid */
		st = json_string_value(json_object_get(r.json, "status"));
		if (st != NULL && strcmp(st, "valid") == 0)
			done[i] = 1;
	}
	for (i = 0; i < n && done[i]; i++)
		;
	while (i < n) {
		if (sslm_acme_poll_wait(a, r.status != 0 ? &r : NULL, p, ou,
		    "waiting for its authorizations") == -1 ||
		    sslm_acme_post(a, ou, NULL, 0, &r) == -1 ||
		    (st = sslm_acme_jstr(r.json, "status", ou)) == NULL)
			goto out;
		if (strcmp(st, "pending") == 0)
			continue;
		if (strcmp(st, "invalid") == 0) {
			order_invalid(a, order, done, r.json);
			goto out;
		}
		if (strcmp(st, "ready") != 0 && strcmp(st, "processing") != 0 &&
		    strcmp(st, "valid") != 0) {
			sslm_warnx("%s: the order is %s while its "
			    "authorizations are checked", ou, st);
			goto out;
		}
		break;
	}
	rc = 0;
out:
	sslm_acme_resp_free(&r);
	free(done);
	json_decref(empty);
	return rc;
}

/* Does the CSR name exactly the order's identifiers? */
static int
csr_matches(const json_t *order, X509_REQ *req, const char *name)
{
	json_t		*ids;
	const json_t	*oids, *x, *y;
	size_t		 i, j;
	int		 ok;

	if ((ids = sslm_acme_csr_idents(req, name)) == NULL)
		return -1;
	oids = json_object_get(order, "identifiers");
	ok = json_is_array(oids) && json_array_size(oids) ==
	    json_array_size(ids);
	for (i = 0; ok && i < json_array_size(ids); i++) {
		x = json_array_get(ids, i);
		for (j = 0; j < json_array_size(oids); j++) {
			y = json_array_get(oids, j);
			if (json_equal((json_t *)x, (json_t *)y))
				break;
		}
		ok = j < json_array_size(oids);
	}
	json_decref(ids);
	if (!ok)
		sslm_warnx("%s: the request does not name the order's "
		    "identifiers", name);
	return ok ? 0 : -1;
}

/* Finalize with the CSR and poll the order (going on with authorize's
 * budget of polls p); the certificate URL. */
static char *
finalize(struct sslm_acme *a, const json_t *order, X509_REQ *req,
    struct sslm_acme_poll *p)
{
	struct sslm_acme_resp r;
	unsigned char	*der = NULL;
	char		*b64 = NULL, *cert = NULL;
	const char	*ou, *fu, *st;
	json_t		*body = NULL;
	int		 n;

	memset(&r, 0, sizeof(r));
	ou = json_string_value(json_object_get(order, "order"));
	fu = json_string_value(json_object_get(order, "finalize"));
	if ((n = i2d_X509_REQ(req, &der)) <= 0 ||
	    (b64 = sslm_b64url(der, (size_t)n)) == NULL ||
	    (body = json_pack("{s:s}", "csr", b64)) == NULL) {
		sslm_warnx("%s: cannot encode the request", ou);
		goto out;
	}
	if (sslm_acme_post(a, fu, body, 0, &r) == -1)
		goto out;
	sslm_acme_poll_again(p);
	for (;;) {
		if ((st = sslm_acme_jstr(r.json, "status", ou)) == NULL)
			goto out;
		if (strcmp(st, "valid") == 0)
			break;
		if (strcmp(st, "invalid") == 0) {
			if (json_is_object(json_object_get(r.json, "error")))
				sslm_acme_problem(ou, NULL,
				    json_object_get(r.json, "error"));
			else
				sslm_warnx("%s: the order is invalid", ou);
			goto out;
		}
		if (strcmp(st, "processing") != 0 && strcmp(st, "ready") != 0) {
			sslm_warnx("%s: the order is %s after finalize", ou,
			    st);
			goto out;
		}
		if (sslm_acme_poll_wait(a, &r, p, ou, st) == -1 ||
		    sslm_acme_post(a, ou, NULL, 0, &r) == -1)
			goto out;
	}
	if ((st = sslm_acme_jurl(a, r.json, "certificate", ou)) != NULL &&
	    (cert = strdup(st)) == NULL)
		sslm_warn("%s", ou);
out:
	sslm_acme_resp_free(&r);
	json_decref(body);
	free(b64);
	OPENSSL_free(der);
	return cert;
}

/* Does any issuer CN of the chain equal name? */
static int
chain_named(STACK_OF(X509) *sk, const char *name)
{
	char	cn[256];
	int	i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_NAME_get_text_by_NID(X509_get_issuer_name(
		    sk_X509_value(sk, i)), NID_commonName, cn,
		    sizeof(cn)) > 0 && strcmp(cn, name) == 0)
			return 1;
	return 0;
}

/* Download one chain; checked to be certificates for the CSR's key. */
static STACK_OF(X509) *
get_chain(struct sslm_acme *a, const char *url, X509_REQ *req,
    struct sslm_acme_resp *r)
{
	STACK_OF(X509) *sk;

	if (sslm_acme_post(a, url, NULL, SSLM_ACME_CERT, r) == -1)
		return NULL;
	if (r->body == NULL || r->len == 0) {
		sslm_warnx("%s: HTTP %ld with an empty certificate answer", url,
		    r->status);
		return NULL;
	}
	if ((sk = sslm_read_certs(r->body, r->len, url)) == NULL)
		return NULL;
	if (sk_X509_num(sk) == 0 || !sslm_key_match(X509_get0_pubkey(
	    sk_X509_value(sk, 0)), X509_REQ_get0_pubkey(req))) {
		sslm_warnx("%s: not a certificate for the request's key", url);
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

/* Download the default chain, or the first alternate that matches. */
static STACK_OF(X509) *
download(const struct opts *o, struct sslm_acme *a, const char *url,
    X509_REQ *req)
{
	struct sslm_acme_resp r, ar;
	STACK_OF(X509)	*sk, *alt;
	size_t		 i;

	memset(&r, 0, sizeof(r));
	memset(&ar, 0, sizeof(ar));
	if ((sk = get_chain(a, url, req, &r)) == NULL ||
	    o->chain == NULL || chain_named(sk, o->chain))
		goto out;
	for (i = 0; i < r.nlinks; i++) {
		if (sslm_acme_url_ok(a, r.links[i], "alternate") == -1 ||
		    (alt = get_chain(a, r.links[i], req, &ar)) == NULL)
			continue;
		if (chain_named(alt, o->chain)) {
			sk_X509_pop_free(sk, X509_free);
			sk = alt;
			goto out;
		}
		sk_X509_pop_free(alt, X509_free);
	}
	sslm_warnx("%s: note: no chain issued by %s; the default one is used",
	    url, o->chain);
out:
	sslm_acme_resp_free(&ar);
	sslm_acme_resp_free(&r);
	return sk;
}

static int
run_finish(const struct opts *o, struct sslm_acme *a, const char *path,
    FILE *out)
{
	struct sslm_acme_poll p;
	STACK_OF(X509)	*sk = NULL;
	X509_REQ	*req = NULL;
	EVP_PKEY	*key = NULL;
	json_t		*order = NULL;
	char		*cert = NULL;
	const char	*nonce;
	int		 i, rc = -1;

	if ((req = load_csr(o->csr)) == NULL ||
	    sslm_acme_login(a, o->c.dir, &key) == -1 ||
	    (order = load_order(o, a, path)) == NULL ||
	    csr_matches(order, req, o->csr) == -1)
		goto out;
	if ((nonce = json_string_value(json_object_get(order, "nonce"))) !=
	    NULL)
		sslm_acme_set_nonce(a, nonce);
	sslm_acme_poll_init(&p);
	if (authorize(a, order, &p) == -1 ||
	    (cert = finalize(a, order, req, &p)) == NULL ||
	    (sk = download(o, a, cert, req)) == NULL)
		goto out;
	for (i = 0; i < sk_X509_num(sk); i++)
		if (PEM_write_X509(out, sk_X509_value(sk, i)) != 1) {
			sslm_warn("%s", out == stdout ? "stdout" : o->out);
			goto out;
		}
	rc = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	free(cert);
	json_decref(order);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	return rc;
}

/* ari: the suggested renewal window of a certificate. */
static int
run_ari(const struct opts *o, struct sslm_acme *a, const char *path)
{
	struct sslm_acme_resp r;
	X509		*x = NULL;
	json_t		*out = NULL;
	const json_t	*w;
	const char	*ri, *s, *e;
	char		*id = NULL, *u = NULL;
	int		 rc = -1;

	(void)o;
	memset(&r, 0, sizeof(r));
	if ((x = sslm_read_first_cert(path)) == NULL ||
	    (id = sslm_acme_cert_id(x, path)) == NULL ||
	    sslm_acme_directory(a) == -1)
		goto out;
	if ((ri = sslm_acme_dir_url(a, "renewalInfo")) == NULL) {
		out = json_pack("{s:s, s:b}", "cert_id", id, "supported", 0);
		goto print;
	}
	if (asprintf(&u, "%s%s%s", ri, ri[strlen(ri) - 1] == '/' ? "" : "/",
	    id) == -1) {
		u = NULL;
		goto out;
	}
	if (sslm_acme_get(a, u, 0, &r) == -1)
		goto out;
	w = json_object_get(r.json, "suggestedWindow");
	if ((s = sslm_acme_jstr(w, "start", u)) == NULL ||
	    (e = sslm_acme_jstr(w, "end", u)) == NULL)
		goto out;
	out = json_pack("{s:s, s:b, s:{s:s, s:s}, s:O?, s:I}", "cert_id", id,
	    "supported", 1, "suggested_window", "start", s, "end", e,
	    "explanation_url", json_is_string(json_object_get(r.json,
	    "explanationURL")) ? json_object_get(r.json, "explanationURL") :
	    NULL, "retry_after", (json_int_t)r.retry_after);
print:
	if (out != NULL)
		rc = sslm_json_print(stdout, out, 1);
out:
	sslm_acme_resp_free(&r);
	json_decref(out);
	free(u);
	free(id);
	X509_free(x);
	return rc;
}

/* ---- batches: many orders in one process ----------------------------- */

/*
 * One row of a batch list: the columns of batch-order are DIRURL CAFILE
 * ACCOUNT CHALLENGE PROFILE REPLACES CSR OUT ERR, those of batch-finish
 * DIRURL CAFILE ACCOUNT CSR CHAIN ORDER OUT ERR ("-": none, for CAFILE,
 * PROFILE, REPLACES and CHAIN).
 */
struct job {
	struct opts	 o;		/* the tool's, with the row's values */
	const char	*in;		/* CSR (order) or ORDER (finish) */
	const char	*out;
	const char	*err;
	struct sslm_acme_pool *pool;
	int		 ok;
};

struct batch {
	pthread_mutex_t	 mu;
	struct job	*jobs;
	size_t		 njobs;
	size_t		 next;		/* the next job to start */
	int		 finish;
	struct sslm_acme_pool **pools;
	size_t		 npools;
};

/*
 * Are jobs of the batch still waiting for a worker, there being more
 * than the workers?  A batch of at most WORKERS_MAX has none waiting by
 * design, though a fast worker may pick its second job before the last
 * thread is up: that job was never queued, and asking b->next alone
 * would hand its nonce on by chance, leaving its finish to fetch the
 * directory and a nonce (CI saw it).
 */
static int
batch_queued(struct batch *b)
{
	int q;

	pthread_mutex_lock(&b->mu);
	q = b->njobs > WORKERS_MAX && b->next < b->njobs;
	pthread_mutex_unlock(&b->mu);
	return q;
}

/* "-" is none. */
static const char *
col(char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

/* Split line into n tab-separated columns of f: -1 unless exactly n,
 * each non-empty. */
static int
split_row(char *line, char **f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f[i] = line;
		line += strcspn(line, "\t");
		if (f[i] == line)
			return -1;
		if (*line == '\0') {
			i++;
			break;
		}
		*line++ = '\0';
	}
	return i == n && *line == '\0' && strchr(f[n - 1], '\t') == NULL ?
	    0 : -1;
}

/* The pool of a job's directory (made on first use).  -1 (warned). */
static int
job_pool(struct batch *b, struct job *j)
{
	struct sslm_acme_pool **np;
	size_t i;

	for (i = 0; i < b->npools; i++)
		if (sslm_acme_pool_is(b->pools[i], j->o.c.url, j->o.c.cafile)) {
			j->pool = b->pools[i];
			return 0;
		}
	if ((np = reallocarray(b->pools, b->npools + 1, sizeof(*np))) == NULL) {
		sslm_warn("batch");
		return -1;
	}
	b->pools = np;
	if ((np[b->npools] = sslm_acme_pool_new(j->o.c.url, j->o.c.cafile,
	    j->o.parallel)) == NULL)
		return -1;
	j->pool = np[b->npools++];
	return 0;
}

/* Read the list (buf, its rows in place) into b.  -1 (warned). */
static int
batch_rows(const struct opts *o, struct batch *b, char *buf,
    const char *name)
{
	char	*line, *next, *f[ORDER_COLS];
	int	 n = b->finish ? FINISH_COLS : ORDER_COLS;
	size_t	 lineno = 0;
	struct job *j;

	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (split_row(line, f, n) == -1) {
			sslm_warnx("%s:%zu: not %d tab-separated columns", name,
			    lineno, n);
			return -1;
		}
		if ((j = reallocarray(b->jobs, b->njobs + 1, sizeof(*j))) ==
		    NULL) {
			sslm_warn("%s", name);
			return -1;
		}
		b->jobs = j;
		j += b->njobs++;
		memset(j, 0, sizeof(*j));
		j->o = *o;
		j->o.c.url = f[0];
		j->o.c.cafile = col(f[1]);
		j->o.c.dir = f[2];
		if (b->finish) {
			j->o.csr = f[3];
			j->o.chain = col(f[4]);
			j->in = f[5];
		} else {
			if (strcmp(f[3], "http-01") != 0 &&
			    strcmp(f[3], "dns-01") != 0) {
				sslm_warnx("%s:%zu: %.20s: not http-01 or "
				    "dns-01", name, lineno, f[3]);
				return -1;
			}
			j->o.chal = f[3];
			j->o.profile = col(f[4]);
			j->o.replaces = col(f[5]);
			j->in = f[6];
		}
		j->out = f[n - 2];
		j->err = f[n - 1];
		j->o.out = j->out;
		j->o.batch = b;
		if (job_pool(b, j) == -1)
			return -1;
	}
	return 0;
}

/* fopen of path for writing, 0600, truncated.  NULL (warned). */
static FILE *
open_out(const char *path)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		sslm_warn("%s", path);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return fp;
}

/*
 * One job in its thread: its messages go to its ERR file; its product
 * to OUT.tmp, renamed to OUT when it is complete (OUT is there only for
 * a job that succeeded).
 */
static void
job_run(struct job *j, int finish)
{
	struct sslm_acme *a = NULL;
	FILE	*ef, *out = NULL;
	char	 tmp[4096];
	int	 w0, rc = -1;

	if ((ef = open_out(j->err)) == NULL)
		return;
	sslm_warn_to(ef);
	w0 = sslm_warned();
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", j->out) >=
	    sizeof(tmp)) {
		sslm_warnx("%s: path too long", j->out);
		goto out;
	}
	(void)unlink(j->out);
	if ((out = open_out(tmp)) == NULL ||
	    (a = sslm_acme_cli_new(&j->o.c)) == NULL)
		goto out;
	sslm_acme_set_pool(a, j->pool);
	rc = finish ? run_finish(&j->o, a, j->in, out) :
	    run_order(&j->o, a, j->in, out);
out:
	sslm_acme_free(a);
	if (out != NULL && (fflush(out) == EOF || ferror(out) ||
	    fsync(fileno(out)) == -1) && rc == 0) {
		sslm_warn("%s", tmp);
		rc = -1;
	}
	if (out != NULL && fclose(out) == EOF && rc == 0) {
		sslm_warn("%s", tmp);
		rc = -1;
	}
	if (out != NULL && rc == 0 && rename(tmp, j->out) == -1) {
		sslm_warn("%s", j->out);
		rc = -1;
	}
	if (out != NULL && rc != 0)
		(void)unlink(tmp);
	if (rc != 0 && sslm_warned() == w0)
		sslm_warnx("%s: %s failed", j->o.c.url, finish ? "finish" :
		    "order");
	j->ok = rc == 0;
	sslm_warn_to(NULL);
	if (fclose(ef) == EOF)
		sslm_warn("%s", j->err);
}

static void *
worker(void *arg)
{
	struct batch	*b = arg;
	size_t		 i;

	for (;;) {
		pthread_mutex_lock(&b->mu);
		i = b->next < b->njobs ? b->next++ : b->njobs;
		pthread_mutex_unlock(&b->mu);
		if (i == b->njobs)
			return NULL;
		job_run(&b->jobs[i], b->finish);
	}
}

/*
 * batch-order, batch-finish: every row of the list, up to WORKERS_MAX
 * at once, the rows of one directory sharing its pool (one directory
 * fetch, the nonces, at most -j requests in flight).  Each row fails
 * alone; 0 when all succeeded.
 */
static int
run_batch(const struct opts *o, int finish, const char *path)
{
	struct batch	 b;
	pthread_t	 tid[WORKERS_MAX];
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;
	char		*buf;
	size_t		 len, i, nw = 0, bad = 0;
	int		 e, rc = -1;

	memset(&b, 0, sizeof(b));
	b.finish = finish;
	pthread_mutex_init(&b.mu, NULL);
	if ((buf = sslm_readfile(path, LIST_MAX, &len)) == NULL)
		goto out;
	if (memchr(buf, '\0', len) != NULL) {
		sslm_warnx("%s: not a list (a NUL byte)", name);
		goto out;
	}
	if (batch_rows(o, &b, buf, name) == -1 || sslm_acme_global(1) == -1)
		goto out;
	for (nw = 0; nw < WORKERS_MAX && nw < b.njobs; nw++)
		if ((e = pthread_create(&tid[nw], NULL, worker, &b)) != 0) {
			errno = e;
			sslm_warn("batch: a thread");
			break;
		}
	if (nw == 0 && b.njobs > 0)
		goto out;
	for (i = 0; i < nw; i++)
		pthread_join(tid[i], NULL);
	sslm_acme_global(0);
	for (i = 0; i < b.njobs; i++)
		bad += !b.jobs[i].ok;
	if (o->c.verbose)
		for (i = 0; i < b.npools; i++)
			sslm_warnx("%s: at most %d requests in flight",
			    sslm_acme_pool_url(b.pools[i]),
			    sslm_acme_pool_peak(b.pools[i]));
	if (bad > 0)
		sslm_warnx("%s: %zu of %zu %s failed (each says why in its "
		    "error file)", name, bad, b.njobs, finish ? "finishes" :
		    "orders");
	rc = bad == 0 ? 0 : -1;
out:
	for (i = 0; i < b.npools; i++)
		sslm_acme_pool_free(b.pools[i]);
	free(b.pools);
	free(b.jobs);
	free(buf);
	pthread_mutex_destroy(&b.mu);
	return rc;
}

static int
run(const struct opts *o, const char *cmd, const char *arg)
{
	struct sslm_acme	*a;
	int			 rc;

	if (strncmp(cmd, "batch-", 6) == 0)
		return run_batch(o, strcmp(cmd, "batch-finish") == 0, arg) ==
		    0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
	if ((a = sslm_acme_cli_new(&o->c)) == NULL)
		return SSLM_EXIT_FAIL;
	if (strcmp(cmd, "order") == 0)
		rc = run_order(o, a, arg, stdout);
	else if (strcmp(cmd, "finish") == 0)
		rc = run_finish(o, a, arg, stdout);
	else
		rc = run_ari(o, a, arg);
	sslm_acme_free(a);
	if (rc != 0 && sslm_warned() == 0)
		sslm_warnx("%s: %s failed", o->c.url, cmd);
	return rc == 0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		SSLM_ACME_CLI_LONG,
		{ "challenge",	required_argument,	NULL,	'c' },
		{ "profile",	required_argument,	NULL,	'p' },
		{ "replaces",	required_argument,	NULL,	'R' },
		{ "csr",	required_argument,	NULL,	'r' },
		{ "preferred-chain", required_argument,	NULL,	'P' },
		{ "parallel",	required_argument,	NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	 o;
	const char	*cmd;
	long long	 n;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	sslm_acme_cli_init(&o.c);
	o.chal = "http-01";
	o.parallel = SSLM_ACME_PARALLEL;
	while ((ch = getopt_long(argc, argv, SSLM_ACME_CLI_SHORT "c:hj:P:p:R:r:V",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (strcmp(optarg, "http-01") != 0 &&
			    strcmp(optarg, "dns-01") != 0)
				usage(SSLM_EXIT_USAGE);
			o.chal = optarg;
			break;
		case 'j':
			if (sslm_strtonum(optarg, 1, SSLM_ACME_PARALLEL_MAX, &n) == -1)
				usage(SSLM_EXIT_USAGE);
			o.parallel = (int)n;
			break;
		case 'P':
			o.chain = optarg;
			break;
		case 'p':
			o.profile = optarg;
			break;
		case 'R':
			o.replaces = optarg;
			break;
		case 'r':
			o.csr = optarg;
			break;
		case 'V':
			return sslm_version();
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			if (sslm_acme_cli_opt(&o.c, ch, optarg) != 1)
				usage(SSLM_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage(SSLM_EXIT_USAGE);
	cmd = argv[0];
	if (strcmp(cmd, "batch-order") == 0 ||
	    strcmp(cmd, "batch-finish") == 0) {
		/* the rows say what the options say for one order */
		if (o.c.url != NULL || o.c.dir != NULL || o.c.cafile != NULL ||
		    o.csr != NULL || o.chain != NULL || o.profile != NULL ||
		    o.replaces != NULL)
			usage(SSLM_EXIT_USAGE);
	} else if (o.c.url == NULL)
		usage(SSLM_EXIT_USAGE);
	else if (strcmp(cmd, "order") == 0) {
		if (o.c.dir == NULL || o.csr != NULL || o.chain != NULL)
			usage(SSLM_EXIT_USAGE);
	} else if (strcmp(cmd, "finish") == 0) {
		if (o.c.dir == NULL || o.csr == NULL || o.profile != NULL ||
		    o.replaces != NULL)
			usage(SSLM_EXIT_USAGE);
	} else if (strcmp(cmd, "ari") == 0) {
		if (argc != 2 || o.csr != NULL || o.chain != NULL ||
		    o.profile != NULL || o.replaces != NULL)
			usage(SSLM_EXIT_USAGE);
	} else
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, cmd, argc == 2 ? argv[1] : "-");
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
