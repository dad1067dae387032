/* SPDX-License-Identifier: MIT */
/*
 * sslm-chainbuild: put the certificates of a CA's answer in order from the
 * leaf up, check every signature and the key, and split the result into
 * the store's cert.pem, chain.pem, fullchain.pem and bundle.pem.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sslm.h"

enum part { P_CERT, P_CHAIN, P_FULLCHAIN, P_BUNDLE, P_NPARTS };

static const char *const partname[P_NPARTS] = {
	"cert", "chain", "fullchain", "bundle"
};

struct opts {
	const char	*keyfile;
	const char	*dir;
	int		 print;		/* enum part, or -1 */
	int		 flags;		/* SSLM_CHAIN_* */
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-chainbuild [-cR] [-k keyfile] "
	    "[-o dir | -p cert|chain|fullchain|bundle]\n"
	    "                       [file ...]\n");
	exit(status);
}

/* Certificates from..to-1 of sk as PEM text; new string, NULL on error. */
static char *
pem_certs(STACK_OF(X509) *sk, int from, int to, size_t *lenp)
{
	BIO	*bio;
	char	*p, *s = NULL;
	long	 n;
	int	 i;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	for (i = from; i < to; i++)
		if (!PEM_write_bio_X509(bio, sk_X509_value(sk, i)))
			goto out;
	if ((n = BIO_get_mem_data(bio, &p)) < 0 ||
	    (s = malloc((size_t)n + 1)) == NULL)
		goto out;
	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*lenp = (size_t)n;
out:
	if (s == NULL)
		sslm_warnx("certificates: %s", sslm_ossl_reason());
	BIO_free(bio);
	return s;
}

/* bundle.pem: the key block, then the full chain; a secret buffer. */
static char *
make_bundle(const char *key, size_t klen, const char *full, size_t flen,
    size_t *lenp)
{
	char	*b;
	size_t	 nl = klen > 0 && key[klen - 1] != '\n';

	if ((b = malloc(klen + nl + flen + 1)) == NULL) {
		sslm_warn("bundle");
		return NULL;
	}
	memcpy(b, key, klen);
	if (nl)
		b[klen] = '\n';
	memcpy(b + klen + nl, full, flen);
	b[klen + nl + flen] = '\0';
	*lenp = klen + nl + flen;
	return b;
}

static int
write_parts(const char *dir, char *const *buf, const size_t *len)
{
	char	path[PATH_MAX];
	int	i;

	for (i = 0; i < P_NPARTS; i++) {
		if (snprintf(path, sizeof(path), "%s/%s.pem", dir,
		    partname[i]) >= (int)sizeof(path)) {
			sslm_warnx("%s: path too long", dir);
			return -1;
		}
		if (sslm_write_file(path, buf[i], len[i],
		    i == P_BUNDLE ? 0600 : 0644) == -1)
			return -1;
	}
	return 0;
}

static int
run(const struct opts *o, char *const *files, int nfiles)
{
	STACK_OF(X509)	*in = NULL, *path = NULL;
	EVP_PKEY	*key = NULL;
	char		*keypem = NULL, *buf[P_NPARTS] = { NULL };
	size_t		 keylen = 0, len[P_NPARTS] = { 0 };
	int		 n, i, rc = SSLM_EXIT_FAIL, selfleaf;

	if ((in = sslm_chain_read(files, nfiles, SSLM_CHAIN_MAX)) == NULL)
		goto out;
	if (o->keyfile != NULL && (key = sslm_key_load(o->keyfile,
	    &keypem, &keylen)) == NULL)
		goto out;
	if ((path = sslm_chain_order(in, key, o->flags)) == NULL)
		goto out;
	if (key != NULL && !sslm_chain_keymatch(sk_X509_value(path, 0), key)) {
		sslm_warnx("key mismatch: the key does not match the leaf");
		goto out;
	}
	n = sk_X509_num(path);
	/* A self-signed leaf is its own chain (as ssl-mgr writes it). */
	selfleaf = n == 1 && X509_self_signed(sk_X509_value(path, 0), 1) == 1;
	if ((buf[P_CERT] = pem_certs(path, 0, 1, &len[P_CERT])) == NULL ||
	    (buf[P_CHAIN] = pem_certs(path, selfleaf ? 0 : 1, n,
	    &len[P_CHAIN])) == NULL ||
	    (buf[P_FULLCHAIN] = pem_certs(path, 0, n,
	    &len[P_FULLCHAIN])) == NULL)
		goto out;
	if (keypem != NULL && (buf[P_BUNDLE] = make_bundle(keypem, keylen,
	    buf[P_FULLCHAIN], len[P_FULLCHAIN], &len[P_BUNDLE])) == NULL)
		goto out;
	if (o->dir != NULL) {
		if (write_parts(o->dir, buf, len) == -1)
			goto out;
	} else if (sslm_write_all(STDOUT_FILENO, buf[o->print],
	    len[o->print]) == -1) {
		sslm_warn("stdout");
		goto out;
	}
	rc = SSLM_EXIT_OK;
out:
	for (i = 0; i < P_NPARTS; i++)
		if (i == P_BUNDLE)
			sslm_freesecret(buf[i], len[i] + 1);
		else
			free(buf[i]);
	sslm_freesecret(keypem, keylen + 1);
	EVP_PKEY_free(key);
	sk_X509_pop_free(path, X509_free);
	sk_X509_pop_free(in, X509_free);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "complete",	no_argument,		NULL,	'c' },
		{ "dir",	required_argument,	NULL,	'o' },
		{ "key",	required_argument,	NULL,	'k' },
		{ "no-root",	no_argument,		NULL,	'R' },
		{ "print",	required_argument,	NULL,	'p' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	static char	*stdin_only[] = { "-", NULL };
	struct opts	 o = { NULL, NULL, -1, 0 };
	int		 ch, i, rc;

	sslm_setprogname(argv[0]);
	while ((ch = getopt_long(argc, argv, "chk:o:p:RV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.flags |= SSLM_CHAIN_COMPLETE;
			break;
		case 'k':
			o.keyfile = optarg;
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 'p':
			for (o.print = 0; o.print < P_NPARTS; o.print++)
				if (strcmp(optarg, partname[o.print]) == 0)
					break;
			if (o.print == P_NPARTS)
				usage(SSLM_EXIT_USAGE);
			break;
		case 'R':
			o.flags |= SSLM_CHAIN_NOROOT;
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
	argc -= optind;
	argv += optind;
	if (o.dir != NULL && o.print != -1)
		usage(SSLM_EXIT_USAGE);
	if (o.dir == NULL && o.print == -1)
		o.print = P_FULLCHAIN;
	/* bundle.pem needs the key; a key never goes to a terminal. */
	if ((o.dir != NULL || o.print == P_BUNDLE) && o.keyfile == NULL) {
		sslm_warnx("bundle.pem needs the key (-k)");
		usage(SSLM_EXIT_USAGE);
	}
	if (o.print == P_BUNDLE && isatty(STDOUT_FILENO)) {
		sslm_warnx("stdout: will not print a private key on a "
		    "terminal");
		return SSLM_EXIT_USAGE;
	}
	if (argc == 0) {
		argv = stdin_only;
		argc = 1;
	}
	for (i = 0; i < argc; i++)
		if (o.keyfile != NULL && strcmp(o.keyfile, "-") == 0 &&
		    strcmp(argv[i], "-") == 0) {
			sslm_warnx("the key and the certificates cannot both "
			    "come from stdin");
			usage(SSLM_EXIT_USAGE);
		}
	rc = run(&o, argv, argc);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
