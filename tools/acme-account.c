/* SPDX-License-Identifier: MIT */
/*
 * sslm-acme-account: the ACME account of an account directory: find or
 * create it (terms agreed, contacts, external account binding), show it,
 * roll its key over, deactivate it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "sslm.h"

#define MAX_EMAIL	8

struct opts {
	struct sslm_acme_cli c;
	const char	*email[MAX_EMAIL];
	int		 nemail;
	int		 agree;
	int		 rsa;
	int		 check;		/* --check: ask the server anyway */
	const char	*eab_kid;
	const char	*eab_file;
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-acme-account [-v] [--rsa] -A dir -D url "
	    "[--ca-file file] [-w secs]\n"
	    "           create [--check] [-e email ...] [--agree-tos]"
	    " [--eab-kid kid --eab-key-file file]\n"
	    "       sslm-acme-account ... show | rollover | deactivate\n");
	exit(status);
}

/* A contact address we are willing to send: no spaces, one @. */
static int
email_ok(const char *e)
{
	const char *at;

	at = strchr(e, '@');
	return at != NULL && at != e && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strlen(e) < 255 &&
	    strcspn(e, " \t,;:<>()[]\\\"") == strlen(e) &&
	    sslm_no_ctrl(e, strlen(e));
}

/* The external account binding: HS256 over the account's JWK. */
static json_t *
eab_jws(const struct opts *o, struct sslm_acme *a, EVP_PKEY *key)
{
	json_t		*prot = NULL, *jwk = NULL, *jws = NULL;
	char		*b64 = NULL, *pl = NULL;
	unsigned char	*hkey = NULL;
	size_t		 len = 0, hlen = 0;

	if ((b64 = sslm_readsecret(o->eab_file, 4096, &len)) == NULL)
		goto out;
	while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == '\r' ||
	    b64[len - 1] == ' '))
		b64[--len] = '\0';
	while (len > 0 && b64[len - 1] == '=')	/* tolerate padding */
		b64[--len] = '\0';
	if ((hkey = sslm_b64url_decode(b64, len, &hlen)) == NULL ||
	    hlen < 16) {
		sslm_warnx("%s: not a base64url HMAC key of 16 bytes or more",
		    strcmp(o->eab_file, "-") == 0 ? "stdin" : o->eab_file);
		goto out;
	}
	if ((jwk = sslm_acme_jwk(key)) == NULL ||
	    (pl = json_dumps(jwk, JSON_COMPACT)) == NULL ||
	    (prot = json_pack("{s:s, s:s}", "kid", o->eab_kid, "url",
	    sslm_acme_dir_url(a, "newAccount"))) == NULL)
		goto out;
	jws = sslm_acme_jws(NULL, hkey, hlen, prot, pl);
out:
	if (hkey != NULL) {
		OPENSSL_cleanse(hkey, hlen);
		free(hkey);
	}
	sslm_freesecret(b64, len + 1);
	free(pl);
	json_decref(jwk);
	json_decref(prot);
	return jws;
}

/* Save the account file from the server's account object. */
static int
save(const struct opts *o, const char *url, const json_t *acct)
{
	json_t	*j, *c, *st;
	int	 rc = -1;

	c = json_object_get(acct, "contact");
	st = json_object_get(acct, "status");
	if ((j = json_pack("{s:s, s:s}", "directory", o->c.url, "url",
	    url)) == NULL ||
	    json_object_set_new(j, "contact", json_is_array(c) ?
	    json_incref(c) : json_array()) == -1 ||
	    json_object_set_new(j, "status", json_is_string(st) ?
	    json_incref(st) : json_string("unknown")) == -1)
		goto out;
	rc = sslm_acme_acct_write(o->c.dir, j);
out:
	json_decref(j);
	return rc;
}

/* Print the account: the server's view plus what we keep. */
static int
print_acct(const char *url, const json_t *acct, EVP_PKEY *key)
{
	json_t	*j;
	char	*tp;
	int	 rc = -1;

	if ((tp = sslm_acme_thumbprint(key)) == NULL)
		return -1;
	j = json_pack("{s:s, s:O*, s:O*, s:O*, s:s, s:s}", "url", url,
	    "status", json_object_get(acct, "status"),
	    "contact", json_object_get(acct, "contact"),
	    "orders", json_object_get(acct, "orders"),
	    "key_alg", sslm_acme_alg(key), "thumbprint", tp);
	if (j != NULL)
		rc = sslm_json_print(stdout, j, 1);
	json_decref(j);
	free(tp);
	return rc;
}

/*
 * The account kept in dir/account.json for this directory and key: 1
 * (printed), 0 when there is none to reuse (no file, an unreadable one,
 * another directory), -1 (warned).  RFC 8555 7.3.1 asks no more of a client that knows its
 * account URL: the server refuses a request of an account it no longer
 * has (accountDoesNotExist, unauthorized), and the next create asks it.
 */
static int
stored(const struct opts *o, EVP_PKEY *key)
{
	json_t	*acct;
	int	 rc = 0;

	/* an unreadable file is made again from the server's answer */
	if ((acct = sslm_acme_acct_read(o->c.dir, 1)) == NULL)
		return 0;
	if (strcmp(json_string_value(json_object_get(acct, "directory")),
	    o->c.url) == 0)
		rc = print_acct(json_string_value(json_object_get(acct, "url")),
		    acct, key) == -1 ? -1 : 1;
	json_decref(acct);
	return rc;
}

/* create: the kept account of an existing key, else find it on the
 * server, or register one. */
static int
create(const struct opts *o, struct sslm_acme *a)
{
	struct sslm_acme_resp r;
	EVP_PKEY	*key = NULL;
	json_t		*req = NULL, *contact = NULL, *eab = NULL;
	const char	*url, *nacct;
	char		 mail[300], kpath[4096];
	int		 i, rc = -1;

	memset(&r, 0, sizeof(r));
	snprintf(kpath, sizeof(kpath), "%s/account.key", o->c.dir);
	if (access(kpath, F_OK) == 0) {
		if ((key = sslm_acme_key_load(o->c.dir, "account.key", 0)) ==
		    NULL)
			goto out;
		if (!o->check && (rc = stored(o, key)) != 0) {
			rc = rc == 1 ? 0 : -1;
			goto out;
		}
	} else if (errno != ENOENT) {
		sslm_warn("%s", kpath);
		goto out;
	} else if (!o->agree) {
		sslm_warnx("%s: no account key; creating an account needs "
		    "--agree-tos", o->c.dir);
		goto out;
	}
	if (sslm_acme_directory(a) == -1)
		goto out;
	nacct = sslm_acme_dir_url(a, "newAccount");
	if (key != NULL) {
		sslm_acme_set_key(a, key);
		if ((req = json_pack("{s:b}", "onlyReturnExisting", 1)) == NULL)
			goto out;
		if (sslm_acme_post(a, nacct, req, SSLM_ACME_JWK |
		    SSLM_ACME_QUIET, &r) == 0)
			goto found;
		if (r.json == NULL || !json_is_string(json_object_get(r.json,
		    "type")) || strcmp(json_string_value(json_object_get(
		    r.json, "type")),
		    "urn:ietf:params:acme:error:accountDoesNotExist") != 0) {
			if (r.json != NULL)
				sslm_acme_problem(nacct, NULL, r.json);
			else if (r.status != 0)
				sslm_warnx("%s: HTTP %ld", nacct, r.status);
			goto out;
		}
		json_decref(req);
		req = NULL;
		if (!o->agree) {
			sslm_warnx("%s: no account on the server for this key; "
			    "creating one needs --agree-tos", o->c.dir);
			goto out;
		}
	}
	if (key == NULL) {
		if ((key = sslm_acme_key_create(o->c.dir, "account.key",
		    o->rsa)) == NULL)
			goto out;
		sslm_acme_set_key(a, key);
	}
	if ((contact = json_array()) == NULL)
		goto out;
	for (i = 0; i < o->nemail; i++) {
		snprintf(mail, sizeof(mail), "mailto:%s", o->email[i]);
		if (json_array_append_new(contact, json_string(mail)) == -1)
			goto out;
	}
	if ((req = json_pack("{s:b, s:O}", "termsOfServiceAgreed", 1,
	    "contact", contact)) == NULL)
		goto out;
	if (o->eab_kid != NULL) {
		if ((eab = eab_jws(o, a, key)) == NULL ||
		    json_object_set(req, "externalAccountBinding", eab) == -1)
			goto out;
	} else if (json_is_true(sslm_acme_dir_meta(a,
	    "externalAccountRequired")))
		sslm_warnx("%s: the server requires an external account "
		    "binding (--eab-kid, --eab-key-file)", o->c.url);
	if (sslm_acme_post(a, nacct, req, SSLM_ACME_JWK, &r) == -1)
		goto out;
found:
	if ((url = r.location) == NULL) {
		sslm_warnx("%s: no Location for the account", nacct);
		goto out;
	}
	if (sslm_acme_set_kid(a, url) == -1 || save(o, url, r.json) == -1)
		goto out;
	if (print_acct(url, r.json, key) == -1)
		goto out;
	rc = 0;
out:
	sslm_acme_resp_free(&r);
	json_decref(eab);
	json_decref(req);
	json_decref(contact);
	EVP_PKEY_free(key);
	return rc;
}

/* show, deactivate: POST to the account URL. */
static int
acct_post(const struct opts *o, struct sslm_acme *a, int deactivate)
{
	struct sslm_acme_resp r;
	EVP_PKEY	*key = NULL;
	json_t		*req = NULL;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	if (sslm_acme_login(a, o->c.dir, &key) == -1)
		goto out;
	if (deactivate && (req = json_pack("{s:s}", "status",
	    "deactivated")) == NULL)
		goto out;
	if (sslm_acme_post(a, sslm_acme_kid(a), req, 0, &r) == -1)
		goto out;
	if (save(o, sslm_acme_kid(a), r.json) == -1 ||
	    print_acct(sslm_acme_kid(a), r.json, key) == -1)
		goto out;
	rc = 0;
out:
	sslm_acme_resp_free(&r);
	json_decref(req);
	EVP_PKEY_free(key);
	return rc;
}

/* rollover: keyChange with a new key, then account.key replaced. */
static int
rollover(const struct opts *o, struct sslm_acme *a)
{
	struct sslm_acme_resp r;
	EVP_PKEY	*key = NULL, *nkey = NULL;
	json_t		*prot = NULL, *inner = NULL, *pl = NULL;
	char		*pls = NULL, npath[4096], path[4096];
	const char	*kc;
	int		 rc = -1;

	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/account.key", o->c.dir);
	snprintf(npath, sizeof(npath), "%s/account.key.new", o->c.dir);
	if (sslm_acme_login(a, o->c.dir, &key) == -1 ||
	    sslm_acme_directory(a) == -1)
		goto out;
	if ((kc = sslm_acme_dir_url(a, "keyChange")) == NULL) {
		sslm_warnx("%s: the server has no keyChange", o->c.url);
		goto out;
	}
	/* the new key is on disk before the server knows it */
	if ((nkey = sslm_acme_key_create(o->c.dir, "account.key.new",
	    o->rsa)) == NULL)
		goto out;
	if ((pl = json_pack("{s:s, s:o}", "account", sslm_acme_kid(a),
	    "oldKey", sslm_acme_jwk(key))) == NULL ||
	    (pls = json_dumps(pl, JSON_COMPACT)) == NULL ||
	    (prot = json_pack("{s:o, s:s}", "jwk", sslm_acme_jwk(nkey),
	    "url", kc)) == NULL ||
	    (inner = sslm_acme_jws(nkey, NULL, 0, prot, pls)) == NULL)
		goto fail;
	if (sslm_acme_post(a, kc, inner, 0, &r) == -1) {
		if (r.status >= 400 && r.status <= 499)
			goto fail;
		/* no clear answer: the server may have the new key */
		sslm_warnx("%s: kept: the server may hold this key now",
		    npath);
		goto out;
	}
	if (rename(npath, path) == -1) {
		sslm_warn("%s: the server has the new key; rename %s",
		    path, npath);
		goto out;
	}
	if (sslm_fsync_dir(path) == -1)
		sslm_warn("%s: fsync of its directory", path);
	sslm_acme_set_key(a, nkey);
	if (print_acct(sslm_acme_kid(a), r.json, nkey) == -1)
		goto out;
	rc = 0;
	goto out;
fail:
	if (unlink(npath) == -1)
		sslm_warn("%s", npath);
out:
	sslm_acme_resp_free(&r);
	json_decref(inner);
	json_decref(prot);
	json_decref(pl);
	free(pls);
	EVP_PKEY_free(nkey);
	EVP_PKEY_free(key);
	return rc;
}

static int
run(const struct opts *o, const char *cmd)
{
	struct sslm_acme	*a;
	int			 rc;

	if ((a = sslm_acme_cli_new(&o->c)) == NULL)
		return SSLM_EXIT_FAIL;
	if (strcmp(cmd, "create") == 0)
		rc = create(o, a);
	else if (strcmp(cmd, "show") == 0)
		rc = acct_post(o, a, 0);
	else if (strcmp(cmd, "deactivate") == 0)
		rc = acct_post(o, a, 1);
	else
		rc = rollover(o, a);
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
		{ "email",	required_argument,	NULL,	'e' },
		{ "agree-tos",	no_argument,		NULL,	'y' },
		{ "rsa",	no_argument,		NULL,	'r' },
		{ "check",	no_argument,		NULL,	'c' },
		{ "eab-kid",	required_argument,	NULL,	'k' },
		{ "eab-key-file", required_argument,	NULL,	'K' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	 o;
	const char	*cmd;
	int		 ch;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	sslm_acme_cli_init(&o.c);
	while ((ch = getopt_long(argc, argv, SSLM_ACME_CLI_SHORT "ce:hK:k:rVy",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.check = 1;
			break;
		case 'e':
			if (o.nemail == MAX_EMAIL || !email_ok(optarg))
				usage(SSLM_EXIT_USAGE);
			o.email[o.nemail++] = optarg;
			break;
		case 'K':
			o.eab_file = optarg;
			break;
		case 'k':
			o.eab_kid = optarg;
			break;
		case 'r':
			o.rsa = 1;
			break;
		case 'y':
			o.agree = 1;
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
	if (argc - optind != 1 || o.c.dir == NULL || o.c.url == NULL ||
	    (o.eab_kid == NULL) != (o.eab_file == NULL))
		usage(SSLM_EXIT_USAGE);
	cmd = argv[optind];
	if (strcmp(cmd, "create") != 0 && strcmp(cmd, "show") != 0 &&
	    strcmp(cmd, "rollover") != 0 && strcmp(cmd, "deactivate") != 0)
		usage(SSLM_EXIT_USAGE);
	if (strcmp(cmd, "create") != 0 && (o.nemail > 0 || o.agree ||
	    o.eab_kid != NULL || o.check))
		usage(SSLM_EXIT_USAGE);
	ch = run(&o, cmd);
	if (sslm_flush_stdout() == -1)
		ch = SSLM_EXIT_FAIL;
	return ch;
}
