/* SPDX-License-Identifier: MIT */
/*
 * sslm-keygen: make a private key (EC P-256/P-384/P-521, RSA, Ed25519)
 * and write it as unencrypted PKCS#8 PEM on stdout or to a new 0600 file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "sslm.h"

struct keyopts {
	char		 ktype[16];
	char		 curve[16];
	long long	 bits;
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-keygen [-t ec|rsa|ed25519] [-c curve] [-b bits] "
	    "[-s service.json]\n"
	    "                   [-o file]\n");
	exit(status);
}

/* Copy a key option; 0, or -1 when it is too long to be valid. */
static int
setopt(char *dst, size_t sz, const char *src)
{
	return snprintf(dst, sz, "%s", src) >= (int)sz ? -1 : 0;
}

/* Fill the options not given on the command line from svc.key. */
static int
from_service(const char *path, struct keyopts *k, int have_t, int have_c,
    int have_b)
{
	json_t		*svc;
	const char	*s;
	long long	 n;
	int		 r, rc = -1;

	if ((svc = sslm_read_service(path)) == NULL)
		return -1;
	if (!json_is_object(json_object_get(svc, "key"))) {
		sslm_warnx("%s: no \"key\" object", path);
		goto out;
	}
	if (!have_t) {
		if ((r = sslm_svc_str(svc, path, "key", "ktype", &s)) == -1)
			goto out;
		if (r == 0 && setopt(k->ktype, sizeof(k->ktype), s) == -1)
			goto bad;
	}
	if (!have_c) {
		if ((r = sslm_svc_str(svc, path, "key", "ec_algo", &s)) == -1)
			goto out;
		if (r == 0 && setopt(k->curve, sizeof(k->curve), s) == -1)
			goto bad;
	}
	if (!have_b) {
		if ((r = sslm_svc_int(svc, path, "key", "rsa_bits", &n)) == -1)
			goto out;
		if (r == 0)
			k->bits = n;
	}
	rc = 0;
	goto out;
bad:
	sslm_warnx("%s: key: value too long", path);
out:
	json_decref(svc);
	return rc;
}

static int
run(const struct keyopts *k, const char *outfile)
{
	EVP_PKEY	*key = NULL;
	char		*pem = NULL;
	size_t		 len = 0;
	int		 rc = SSLM_EXIT_FAIL;

	if (strcmp(k->ktype, "rsa") == 0 &&
	    (k->bits < SSLM_RSA_MIN || k->bits > SSLM_RSA_MAX)) {
		sslm_warnx("%lld: rsa bits not in %d..%d", k->bits,
		    SSLM_RSA_MIN, SSLM_RSA_MAX);
		goto out;
	}
	/* Decide before the key exists: no secret ever reaches a screen. */
	if (outfile == NULL && isatty(STDOUT_FILENO)) {
		sslm_warnx("stdout: refusing to write a private key to a "
		    "terminal (use -o or a pipe)");
		goto out;
	}
	if ((key = sslm_key_generate(k->ktype, k->curve, (int)k->bits)) ==
	    NULL || sslm_key_pem(key, &pem, &len) == -1)
		goto out;
	if (outfile != NULL) {
		if (sslm_create_excl(outfile, pem, len) == -1)
			goto out;
	} else if (sslm_write_all(STDOUT_FILENO, pem, len) == -1) {
		sslm_warn("stdout");
		goto out;
	}
	rc = SSLM_EXIT_OK;
out:
	sslm_freesecret(pem, len + 1);
	EVP_PKEY_free(key);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ktype", required_argument, NULL, 't' },
		{ "ec-algo", required_argument, NULL, 'c' },
		{ "rsa-bits", required_argument, NULL, 'b' },
		{ "service", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct keyopts	 k = { "ec", "secp384r1", 4096 };
	const char	*svc = NULL, *outfile = NULL;
	int		 ch, rc, have_t = 0, have_c = 0, have_b = 0;

	sslm_setprogname(argv[0]);
	while ((ch = getopt_long(argc, argv, "b:c:ho:s:t:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (sslm_strtonum(optarg, SSLM_RSA_MIN, SSLM_RSA_MAX,
			    &k.bits) == -1) {
				sslm_warnx("-b %s: not a number in %d..%d",
				    optarg, SSLM_RSA_MIN, SSLM_RSA_MAX);
				usage(SSLM_EXIT_USAGE);
			}
			have_b = 1;
			break;
		case 'c':
			if (sslm_curve_canon(optarg) == NULL) {
				sslm_warnx("-c %s: unsupported curve (use "
				    "secp256r1, secp384r1 or secp521r1)",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			setopt(k.curve, sizeof(k.curve), optarg);
			have_c = 1;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 's':
			svc = optarg;
			break;
		case 't':
			if (strcmp(optarg, "ec") != 0 &&
			    strcmp(optarg, "rsa") != 0 &&
			    strcmp(optarg, "ed25519") != 0) {
				sslm_warnx("-t %s: not ec, rsa or ed25519",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			setopt(k.ktype, sizeof(k.ktype), optarg);
			have_t = 1;
			break;
		case 'V':
			return sslm_version();
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(SSLM_EXIT_USAGE);
	if (svc != NULL && from_service(svc, &k, have_t, have_c, have_b) ==
	    -1)
		rc = SSLM_EXIT_FAIL;
	else
		rc = run(&k, outfile);
	/* The key bypasses stdio; this catches anything else buffered. */
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
