/* SPDX-License-Identifier: MIT */
/*
 * sslm-csrgen: make a PKCS#10 certificate request for a private key, with
 * the subject and the SANs from the options or from a service object of
 * sslm-conf(1), and the extensions of a leaf or a CA certificate.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* The subject in the order of the spec: CN, C, ST, L, O, OU, email. */
enum { F_CN, F_C, F_ST, F_L, F_O, F_OU, F_EMAIL, F_MAX };

static const struct {
	const char	*json;		/* key in the service's "x509" */
	const char	*opt;		/* for messages */
	int		 nid;
} fields[F_MAX] = {
	{ "CN",		"--cn",		NID_commonName },
	{ "C",		"--country",	NID_countryName },
	{ "ST",		"--st",		NID_stateOrProvinceName },
	{ "L",		"--locality",	NID_localityName },
	{ "O",		"--org",	NID_organizationName },
	{ "OU",		"--ou",		NID_organizationalUnitName },
	{ "email",	"--email",	NID_pkcs9_emailAddress },
};

#define MAXSANS	100	/* the most SANs Let's Encrypt puts in a certificate */

struct req {
	const char	*keyfile;
	const char	*field[F_MAX];
	const char	*sans[MAXSANS];
	int		 nsans;
	int		 ca;
	const char	*digest;
	unsigned	 ku, eku;	/* the service's narrowing, else ~0 */
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-csrgen [--ca] [-C country] [-d digest] [-E email] "
	    "[-k keyfile]\n"
	    "                   [-L locality] [-n san] [-O org] [-s "
	    "service.json] [--cn name]\n"
	    "                   [--ou unit] [--st state]\n");
	exit(status);
}

/* Fill what the options left unset from a service object. */
static int
from_service(const char *path, struct req *r, json_t **svcp)
{
	json_t		*svc, *sans, *v;
	const char	*s;
	size_t		 i;
	int		 f, k;

	if ((*svcp = svc = sslm_read_service(path)) == NULL)
		return -1;
	if (!json_is_object(json_object_get(svc, "x509"))) {
		sslm_warnx("%s: no \"x509\" object", path);
		return -1;
	}
	for (f = 0; f < F_MAX; f++) {
		if (r->field[f] != NULL)
			continue;
		if ((k = sslm_svc_str(svc, path, "x509", fields[f].json,
		    &s)) == -1)
			return -1;
		if (k == 0)
			r->field[f] = s;
	}
	if ((k = sslm_svc_str(svc, path, NULL, "group", &s)) == -1)
		return -1;
	if (k == 0 && strcasecmp(s, "ca") == 0)
		r->ca = 1;
	if (sslm_svc_usages(svc, path, &r->ku, &r->eku) == -1)
		return -1;
	sans = json_object_get(json_object_get(svc, "x509"), "sans");
	if (r->nsans > 0 || sans == NULL)
		return 0;
	if (!json_is_array(sans)) {
		sslm_warnx("%s: x509.sans: not an array", path);
		return -1;
	}
	json_array_foreach(sans, i, v) {
		if (!json_is_string(v)) {
			sslm_warnx("%s: x509.sans[%zu]: not a string", path, i);
			return -1;
		}
		if (r->nsans == MAXSANS) {
			sslm_warnx("%s: x509.sans: more than %d names", path,
			    MAXSANS);
			return -1;
		}
		r->sans[r->nsans++] = json_string_value(v);
	}
	return 0;
}

/* The subject: empty fields are left out (ssl-mgr's empty RDNs are not). */
static int
subject(X509_REQ *req, const struct req *r)
{
	X509_NAME	*name;
	const char	*v;
	char		 cc[3];
	int		 f;

	if ((name = X509_REQ_get_subject_name(req)) == NULL)
		return -1;
	for (f = 0; f < F_MAX; f++) {
		if ((v = r->field[f]) == NULL || *v == '\0')
			continue;
		if (!sslm_no_ctrl(v, strlen(v))) {
			sslm_warnx("%s: control character in the value",
			    fields[f].opt);
			return -1;
		}
		if (f == F_C) {
			if (strlen(v) != 2 || !isalpha((unsigned char)v[0]) ||
			    !isalpha((unsigned char)v[1])) {
				sslm_warnx("%s %s: not a two-letter country "
				    "code", fields[f].opt, v);
				return -1;
			}
			cc[0] = (char)toupper((unsigned char)v[0]);
			cc[1] = (char)toupper((unsigned char)v[1]);
			cc[2] = '\0';
			v = cc;
		}
		if (!X509_NAME_add_entry_by_NID(name, fields[f].nid,
		    MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0)) {
			sslm_warnx("%s %s: %s", fields[f].opt, v,
			    sslm_ossl_reason());
			return -1;
		}
	}
	return 0;
}

/* The requested extensions: the profile, then the SANs. */
static int
extensions(X509_REQ *req, const struct req *r, const EVP_PKEY *key)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES	*gens = NULL;
	const char	*cn = r->field[F_CN];
	int		 i, rc = -1;

	if ((gens = GENERAL_NAMES_new()) == NULL) {
		sslm_warnx("subjectAltName: out of memory");
		goto out;
	}
	/* A leaf's CN is a name it serves; a CA's CN is free text. */
	if (!r->ca && cn != NULL && *cn != '\0' &&
	    sslm_san_push(gens, cn) == -1)
		goto out;
	for (i = 0; i < r->nsans; i++)
		if (sslm_san_push(gens, r->sans[i]) == -1)
			goto out;
	if (!r->ca && sk_GENERAL_NAME_num(gens) == 0) {
		sslm_warnx("no name: give --cn or -n");
		goto out;
	}
	if (r->ca && (cn == NULL || *cn == '\0')) {
		sslm_warnx("--ca: a CA needs a subject: give --cn");
		goto out;
	}
	if (sslm_ext_profile(&exts, r->ca, key, r->ku, r->eku) == -1)
		goto out;
	/* Without a subject the SANs must be critical (RFC 5280 4.2.1.6). */
	if (sk_GENERAL_NAME_num(gens) > 0 && !X509V3_add1_i2d(&exts,
	    NID_subject_alt_name, gens, X509_NAME_entry_count(
	    X509_REQ_get_subject_name(req)) == 0, X509V3_ADD_APPEND)) {
		sslm_warnx("subjectAltName: %s", sslm_ossl_reason());
		goto out;
	}
	if (!X509_REQ_add_extensions(req, exts)) {
		sslm_warnx("extensions: %s", sslm_ossl_reason());
		goto out;
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

static int
run(struct req *r, const char *svcfile)
{
	json_t		*svc = NULL;
	EVP_PKEY	*key = NULL;
	EVP_MD		*md = NULL;
	X509_REQ	*req = NULL;
	int		 rc = SSLM_EXIT_FAIL;

	if (svcfile != NULL && from_service(svcfile, r, &svc) == -1)
		goto out;
	if ((key = sslm_key_load_signer(r->keyfile, r->digest, &md)) == NULL)
		goto out;
	if (!r->ca && EVP_PKEY_is_a(key, "ED25519")) {
		sslm_warnx("%s: ed25519 keys are for the private CA only "
		    "(use --ca)", r->keyfile);
		goto out;
	}
	if ((req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_pubkey(req, key)) {
		sslm_warnx("request: %s", sslm_ossl_reason());
		goto out;
	}
	if (subject(req, r) == -1 || extensions(req, r, key) == -1)
		goto out;
	if (sslm_sign(NULL, req, key, md) == -1)
		goto out;
	if (!PEM_write_X509_REQ(stdout, req)) {
		sslm_warnx("stdout: %s", sslm_ossl_reason());
		goto out;
	}
	rc = SSLM_EXIT_OK;
out:
	X509_REQ_free(req);
	EVP_MD_free(md);
	EVP_PKEY_free(key);
	json_decref(svc);
	return rc;
}

/*
 * The options into r, checked; the -s service file, or NULL.  Exits on
 * a usage error.
 */
static const char *
parse_opts(int argc, char *argv[], struct req *r)
{
	static const struct option longopts[] = {
		{ "ca", no_argument, NULL, 'a' },
		{ "cn", required_argument, NULL, 'N' },
		{ "org", required_argument, NULL, 'O' },
		{ "ou", required_argument, NULL, 'U' },
		{ "locality", required_argument, NULL, 'L' },
		{ "st", required_argument, NULL, 'S' },
		{ "country", required_argument, NULL, 'C' },
		{ "email", required_argument, NULL, 'E' },
		{ "san", required_argument, NULL, 'n' },
		{ "digest", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "service", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*svc = NULL;
	int		 ch;

	memset(r, 0, sizeof(*r));
	r->ku = r->eku = ~0U;
	r->keyfile = "-";
	r->digest = "sha384";
	while ((ch = getopt_long(argc, argv, "aC:d:E:hk:L:N:n:O:S:s:U:V",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			r->ca = 1;
			break;
		case 'C':
			r->field[F_C] = optarg;
			break;
		case 'd':
			if ((r->digest = sslm_digest_canon(optarg)) == NULL) {
				sslm_warnx("-d %s: unsupported digest", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'E':
			r->field[F_EMAIL] = optarg;
			break;
		case 'k':
			r->keyfile = optarg;
			break;
		case 'L':
			r->field[F_L] = optarg;
			break;
		case 'N':
			r->field[F_CN] = optarg;
			break;
		case 'n':
			if (r->nsans == MAXSANS) {
				sslm_warnx("-n: more than %d names", MAXSANS);
				usage(SSLM_EXIT_USAGE);
			}
			r->sans[r->nsans++] = optarg;
			break;
		case 'O':
			r->field[F_O] = optarg;
			break;
		case 'S':
			r->field[F_ST] = optarg;
			break;
		case 's':
			svc = optarg;
			break;
		case 'U':
			r->field[F_OU] = optarg;
			break;
		case 'V':
			exit(sslm_version());
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(SSLM_EXIT_USAGE);
	if (svc != NULL && strcmp(svc, "-") == 0 &&
	    strcmp(r->keyfile, "-") == 0) {
		sslm_warnx("-s -: the key is read from stdin already");
		usage(SSLM_EXIT_USAGE);
	}
	return svc;
}

int
main(int argc, char *argv[])
{
	struct req	 r;
	const char	*svc;
	int		 rc;

	sslm_setprogname(argv[0]);
	svc = parse_opts(argc, argv, &r);
	rc = run(&r, svc);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
