/* SPDX-License-Identifier: MIT */
/*
 * sslm-acme-revoke: revoke a certificate over ACME, signed with the
 * account key of an account directory or with the certificate's own key.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "sslm.h"

struct opts {
	struct sslm_acme_cli c;
	const char	*keyfile;	/* -k */
	int		 reason;	/* -1: none */
};

/* RFC 5280 5.3.1 reason codes (7 is unused). */
static const char *reasons[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "certificateHold", NULL,
	"removeFromCRL", "privilegeWithdrawn", "aACompromise"
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-acme-revoke [-v] -D url [--ca-file file] [-w secs]"
	    " [-r reason]\n"
	    "           -A dir | -k certkey  cert\n");
	exit(status);
}

/* A reason by name (any case) or number; -1 if unknown. */
static int
parse_reason(const char *s)
{
	size_t		i;
	long long	n;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i] != NULL && strcasecmp(s, reasons[i]) == 0)
			return (int)i;
	if (sslm_strtonum(s, 0, 10, &n) == -1 || n == 7)
		return -1;
	return (int)n;
}

static int
run(const struct opts *o, const char *certpath)
{
	struct sslm_acme_resp r;
	struct sslm_acme *a = NULL;
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	json_t		*body = NULL;
	unsigned char	*der = NULL;
	char		*b64 = NULL;
	const char	*u;
	size_t		 len;
	int		 rc = SSLM_EXIT_FAIL;

	memset(&r, 0, sizeof(r));
	if ((x = sslm_read_first_cert(certpath)) == NULL ||
	    sslm_cert_der(x, &der, &len) == -1 ||
	    (b64 = sslm_b64url(der, len)) == NULL ||
	    (body = json_pack("{s:s}", "certificate", b64)) == NULL)
		goto out;
	if (o->reason >= 0 && json_object_set_new(body, "reason",
	    json_integer(o->reason)) == -1)
		goto out;
	if ((a = sslm_acme_cli_new(&o->c)) == NULL)
		goto out;
	if (o->keyfile != NULL) {
		if ((key = sslm_key_load(o->keyfile, NULL, NULL)) == NULL)
			goto out;
		if (!sslm_key_match(key, X509_get0_pubkey(x))) {
			sslm_warnx("%s: not the key of %s", o->keyfile,
			    certpath);
			goto out;
		}
		sslm_acme_set_key(a, key);
	} else if (sslm_acme_login(a, o->c.dir, &key) == -1)
		goto out;
	if (sslm_acme_directory(a) == -1)
		goto out;
	if ((u = sslm_acme_dir_url(a, "revokeCert")) == NULL) {
		sslm_warnx("%s: the server has no revokeCert", o->c.url);
		goto out;
	}
	if (sslm_acme_post(a, u, body, o->keyfile != NULL ? SSLM_ACME_JWK :
	    0, &r) == -1)
		goto out;
	rc = SSLM_EXIT_OK;
out:
	if (rc != SSLM_EXIT_OK && sslm_warned() == 0)
		sslm_warnx("%s: revoking %s failed", o->c.url, certpath);
	sslm_acme_resp_free(&r);
	sslm_acme_free(a);
	json_decref(body);
	free(b64);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	X509_free(x);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		SSLM_ACME_CLI_LONG,
		{ "key",	required_argument,	NULL,	'k' },
		{ "reason",	required_argument,	NULL,	'r' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	o;
	int		ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	sslm_acme_cli_init(&o.c);
	o.reason = -1;
	while ((ch = getopt_long(argc, argv, SSLM_ACME_CLI_SHORT "hk:r:V",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			o.keyfile = optarg;
			break;
		case 'r':
			if ((o.reason = parse_reason(optarg)) == -1)
				usage(SSLM_EXIT_USAGE);
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
	if (argc != 1 || o.c.url == NULL || (o.c.dir == NULL) ==
	    (o.keyfile == NULL))
		usage(SSLM_EXIT_USAGE);
	if (o.keyfile != NULL && strcmp(o.keyfile, "-") == 0 &&
	    strcmp(argv[0], "-") == 0)
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, argv[0]);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
