/* SPDX-License-Identifier: MIT */
/*
 * sslm-tlsa-hash: ssl-mgr's tlsa-hash, with its interface and output.
 * The DANE 3 1 1 value (SHA-256 of the DER SubjectPublicKeyInfo) of
 * <dir>/cert.pem, computed twice: from the public key re-encoded by the
 * library (what openssl pkey -pubin -outform der gives) and from the
 * certificate's own SubjectPublicKeyInfo field, which sslm-tlsagen
 * publishes and DANE clients match; the two must agree.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "sslm.h"

static void usage(int) __attribute__((__noreturn__));

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-tlsa-hash [-hV] [dir]\n"
	    "  DANE 3 1 1 hash of dir/cert.pem (dir defaults to ./), "
	    "computed two ways\n");
	exit(status);
}

/* Print the verdict for dir: SSLM_EXIT_OK matched, else _FAIL (warned). */
static int
run(const char *dir)
{
	X509		*x = NULL;
	char		 path[4096];
	char		*lib = NULL, *field = NULL;
	int		 rc = SSLM_EXIT_FAIL;

	if ((size_t)snprintf(path, sizeof(path), "%s%scert.pem", dir,
	    dir[strlen(dir) - 1] == '/' ? "" : "/") >= sizeof(path)) {
		sslm_warnx("%s: path too long", dir);
		goto out;
	}
	if ((x = sslm_read_first_cert(path)) == NULL ||
	    (lib = sslm_tlsa_data(x, X509_get0_pubkey(x), 1, 1)) == NULL ||
	    (field = sslm_tlsa_data(x, NULL, 1, 1)) == NULL)
		goto out;
	if (strcmp(lib, field) == 0) {
		printf("Matched:\ntlsa hash: %s\n", lib);
		rc = SSLM_EXIT_OK;
	} else {
		printf("** Warning: Mismatched:\n internal: %s\n  in cert: "
		    "%s\n", lib, field);
		sslm_warnx("%s: the two hashes differ", path);
	}
out:
	free(lib);
	free(field);
	X509_free(x);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};
	int	ch, rc;

	sslm_setprogname(argv[0]);
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		case 'V':
			return sslm_version();
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (argc - optind > 1 || (argc - optind == 1 &&
	    argv[optind][0] == '\0'))
		usage(SSLM_EXIT_USAGE);
	rc = run(argc - optind == 1 ? argv[optind] : ".");
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
