/* SPDX-License-Identifier: MIT */
/*
 * fuzz_acme: the answers of an ACME server as sslm-acme-order and the
 * other ACME tools read them.  One input is one HTTP answer: header
 * lines, an empty line, the body (no empty line: all body).  The header
 * lines go through the client's header callback (Replay-Nonce,
 * Location, Retry-After, Link), the body through its body callback and
 * JSON check, then the object is read as each document the tools
 * expect: a directory, a newOrder answer, an authorization (for dns-01
 * and for http-01), the problem document of an error answer and the
 * challenge errors of a failed authorization.
 *
 * lib/acme.c and tools/acme-order.c are #included, so that the harness
 * reaches their static interpreters (on_header, body_json, dir_check,
 * order_out, authz_entry, authz_failed) as they are; their symbols then
 * come from here and not from the archive.
 *
 * Promises checked: a kept nonce is base64url of at most NONCE_MAX
 * bytes; Retry-After is -1 or in 0..999999; every URL kept from an
 * order or an authorization is on the directory's origin; a challenge
 * token is base64url; every message is one printable line.
 * Seeds: hand-written answers (fuzz/seeds.sh).
 */
#include "fuzz.h"

#include "../lib/acme.c"

int	acme_order_main(int, char *[]);
#define main acme_order_main
#include "../tools/acme-order.c"
#undef main

#define DIRURL	"https://acme.test/dir"

static struct sslm_acme	*cli;
static EVP_PKEY		*key;
/* The identifiers the order asked for, as sslm_acme_csr_idents makes them. */
static json_t			*ids;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((cli = sslm_acme_new(DIRURL, NULL, 300, 0)) == NULL ||
	    (key = EVP_EC_gen("P-256")) == NULL ||
	    (ids = json_loads("[{\"type\": \"dns\", \"value\": "
	    "\"example.com\"}, {\"type\": \"dns\", \"value\": "
	    "\"*.example.com\"}, {\"type\": \"ip\", \"value\": "
	    "\"192.0.2.1\"}]", 0, NULL)) == NULL)
		abort();
	sslm_acme_set_key(cli, key);
	return 0;
}

/* A URL the tools keep must be one of the server's. */
static void
url_ok(const json_t *o, const char *k)
{
	const char *u;

	if ((u = json_string_value(json_object_get(o, k))) == NULL)
		return;
	fuzz_assert(sslm_acme_url_ok(cli, u, "fuzz") == 0);
}

static void
authz(const char *chal, const json_t *az)
{
	struct opts	 o;
	json_t		*e;
	const char	*tok;
	char		 seen[4] = { 0 };

	memset(&o, 0, sizeof(o));
	o.chal = chal;
	if ((e = authz_entry(&o, cli, key, "https://acme.test/authz/1",
	    az, ids, seen)) != NULL) {
		url_ok(e, "url");
		url_ok(e, "authz");
		if ((tok = json_string_value(json_object_get(e, "token"))) !=
		    NULL)
			fuzz_assert(sslm_b64url_valid(tok));
		json_decref(e);
	}
	fuzz_msg_ok();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sslm_acme_resp	 r;
	json_t			*out;
	const uint8_t		*body = data, *p, *e, *end = data + size;
	char			*line;
	size_t			 n;

	if (size > SSLM_ACME_BODY_MAX)
		return 0;
	memset(&r, 0, sizeof(r));
	r.retry_after = -1;
	cli->cur = &r;
	cli->max = SSLM_ACME_BODY_MAX;
	cli->hdrlen = 0;
	cli->toobig = 0;
	/* the header lines, each with its line end, as curl passes them */
	for (p = data; p < end; p = e) {
		e = memchr(p, '\n', (size_t)(end - p));
		e = e == NULL ? end : e + 1;
		if (e - p <= 2 && (*p == '\n' || *p == '\r')) {
			body = e;
			break;
		}
		if ((line = malloc((size_t)(e - p))) == NULL)
			abort();
		memcpy(line, p, (size_t)(e - p));
		n = on_header(line, 1, (size_t)(e - p), cli);
		free(line);
		if (n != (size_t)(e - p))
			break;
	}
	if (body == data)		/* no empty line: all is body */
		sslm_acme_resp_free(&r);
	if (cli->nonce != NULL)
		fuzz_assert(strlen(cli->nonce) <= NONCE_MAX &&
		    sslm_b64url_valid(cli->nonce));
	fuzz_assert(r.retry_after >= -1 && r.retry_after <= 999999);
	fuzz_assert(r.nlinks <= SSLM_ACME_LINKS_MAX);
	if (end > body && on_body((char *)body, 1, (size_t)(end - body),
	    cli) != (size_t)(end - body))
		abort();
	fuzz_msg_ok();
	r.status = 400;
	report(&r, "https://acme.test/x");
	fuzz_msg_ok();
	r.status = 200;
	if (body_json(&r, "https://acme.test/x") == -1) {
		fuzz_msg_ok();
		goto out;
	}
	(void)dir_check(cli, r.json);
	fuzz_msg_ok();
	if ((out = order_out(cli, &r, "https://acme.test/new-order", ids)) !=
	    NULL) {
		url_ok(out, "order");
		url_ok(out, "finalize");
		fuzz_assert(json_equal(json_object_get(out, "identifiers"),
		    ids));
		json_decref(out);
	}
	fuzz_msg_ok();
	authz("dns-01", r.json);
	authz("http-01", r.json);
	authz_failed("https://acme.test/authz/1", r.json, "invalid");
	fuzz_msg_ok();
	sslm_acme_problem("https://acme.test/x", NULL, r.json);
	fuzz_msg_ok();
out:
	sslm_acme_resp_free(&r);
	free(cli->nonce);
	cli->nonce = NULL;
	cli->cur = NULL;
	return 0;
}
