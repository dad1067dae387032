/* SPDX-License-Identifier: MIT */
/*
 * sslm-casign: the private CA.  Sign a certificate request: self-signed
 * (a root, with --self) or with a CA key and certificate (an intermediate
 * when the request asks for CA:TRUE, else a leaf).  The request gives the
 * subject, the public key and the SANs, and may narrow the key usages;
 * the CA decides everything else.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

#define MAXDAYS	36500		/* a hundred years */

struct sign {
	const char	*csrfile;
	const char	*keyfile;
	const char	*certfile;	/* NULL with --self */
	const char	*svcfile;
	const char	*digest;	/* NULL: the service's, else sha384 */
	long long	 days;		/* 0: the service's, else 90 */
	time_t		 at;
};

/* What the request asks for, checked. */
struct csr {
	X509_REQ	*req;
	EVP_PKEY	*pub;		/* not owned */
	GENERAL_NAMES	*sans;		/* NULL when none */
	int		 sancrit;
	int		 ca;
	unsigned	 ku, eku;	/* asked for: the CA grants no more */
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-casign --self -K key [-d days] [-m digest] "
	    "[-s service.json]\n"
	    "                   [-t time] [csr]\n"
	    "       sslm-casign -K cakey -C cacert [-d days] [-m digest] "
	    "[-s service.json]\n"
	    "                   [-t time] [csr]\n");
	exit(status);
}

/* Days and digest from the signing CA's service object, unless given. */
static int
from_service(struct sign *s, json_t **svcp)
{
	json_t		*svc;
	const char	*d;
	long long	 n;
	int		 k;

	if ((*svcp = svc = sslm_read_service(s->svcfile)) == NULL)
		return -1;
	if (s->days == 0) {
		if ((k = sslm_svc_int(svc, s->svcfile, "ca", "sign_end_days",
		    &n)) == -1)
			return -1;
		/* As ssl-mgr: a value below 1 means one day. */
		if (k == 0)
			s->days = n < 1 ? 1 : n;
	}
	if (s->digest == NULL) {
		if ((k = sslm_svc_str(svc, s->svcfile, "ca", "digest",
		    &d)) == -1)
			return -1;
		if (k == 0 && *d != '\0' &&
		    (s->digest = sslm_digest_canon(d)) == NULL) {
			sslm_warnx("%s: ca.digest: unsupported digest %s",
			    s->svcfile, d);
			return -1;
		}
	}
	if (s->days > MAXDAYS) {
		sslm_warnx("%s: ca.sign_end_days: more than %d", s->svcfile,
		    MAXDAYS);
		return -1;
	}
	return 0;
}

/* Read the request and check its signature, key and extensions. */
static int
read_csr(const char *path, struct csr *c)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;
	char		*buf = NULL;
	size_t		 len;
	int		 crit, rc = -1;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL ||
	    (c->req = sslm_read_csr(buf, len, name)) == NULL)
		goto out;
	if ((c->pub = X509_REQ_get0_pubkey(c->req)) == NULL) {
		sslm_warnx("%s: request without a usable public key: %s", name,
		    sslm_ossl_reason());
		goto out;
	}
	if (X509_REQ_verify(c->req, c->pub) != 1) {
		ERR_clear_error();
		sslm_warnx("%s: the request's signature does not verify "
		    "(forged or damaged)", name);
		goto out;
	}
	if (sslm_key_check(c->pub, name) == -1)
		goto out;
	exts = X509_REQ_get_extensions(c->req);
	bc = X509V3_get_d2i(exts, NID_basic_constraints, &crit, NULL);
	if (bc == NULL && crit != -1)
		goto bad;
	c->ca = bc != NULL && bc->ca;
	if (sslm_req_usages(exts, &c->ku, &c->eku, name) == -1)
		goto out;
	c->sans = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	if (c->sans == NULL && crit != -1)
		goto bad;
	if (c->sans != NULL && sslm_san_check(c->sans, name) == -1)
		goto out;
	/* Without a subject the SANs must be critical (RFC 5280 4.2.1.6). */
	c->sancrit = X509_NAME_entry_count(X509_REQ_get_subject_name(
	    c->req)) == 0;
	if (c->ca && c->sancrit) {
		sslm_warnx("%s: a CA request needs a subject", name);
		goto out;
	}
	if (!c->ca && (c->sans == NULL || sk_GENERAL_NAME_num(c->sans) == 0)) {
		sslm_warnx("%s: a leaf request needs a subjectAltName", name);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	sslm_warnx("%s: malformed or repeated extension in the request",
	    name);
out:
	BASIC_CONSTRAINTS_free(bc);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	free(buf);
	return rc;
}

/* Say when CA certificate ca of path ended: its notAfter, then now. */
static void
expired(const char *path, X509 *ca, const char *now)
{
	char	end[32];
	time_t	t;

	if (sslm_asn1_time(X509_get0_notAfter(ca), &t) == -1)
		sslm_warnx("%s: the CA certificate has expired", path);
	else {
		sslm_fmt_time(t, end, sizeof(end));
		sslm_warnx("%s: the CA certificate has expired at %s "
		    "(notAfter; signing at %s)", path, end, now);
	}
}

/* The CA certificate: a CA, valid at the signing time, of this key. */
static X509 *
read_ca(const char *path, EVP_PKEY *key, time_t at)
{
	STACK_OF(X509)	*sk = NULL;
	X509		*ca = NULL;
	char		*buf = NULL, when[32];
	size_t		 len;
	uint32_t	 fl;
	int		 nb, na;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL ||
	    (sk = sslm_read_certs(buf, len, path)) == NULL)
		goto out;
	if (sk_X509_num(sk) == 0) {
		sslm_warnx("%s: no certificate", path);
		goto out;
	}
	/* The first certificate signs; a full chain may follow it. */
	ca = sk_X509_shift(sk);
	fl = X509_get_extension_flags(ca);
	sslm_fmt_time(at, when, sizeof(when));
	if (fl & EXFLAG_INVALID)
		sslm_warnx("%s: malformed extensions", path);
	else if (!(fl & EXFLAG_BCONS) || !(fl & EXFLAG_CA))
		sslm_warnx("%s: not a CA certificate (no basicConstraints "
		    "CA:TRUE)", path);
	else if (!(fl & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN))
		sslm_warnx("%s: not a CA certificate (no keyUsage "
		    "keyCertSign)", path);
	else if ((nb = X509_cmp_time(X509_get0_notBefore(ca), &at)) == 0 ||
	    (na = X509_cmp_time(X509_get0_notAfter(ca), &at)) == 0)
		sslm_warnx("%s: malformed validity", path);
	else if (nb > 0)
		sslm_warnx("%s: the CA certificate is not valid yet at %s",
		    path, when);
	else if (na < 0)
		expired(path, ca, when);
	else if (!sslm_key_match(X509_get0_pubkey(ca), key))
		sslm_warnx("%s: the CA key does not match the CA certificate",
		    path);
	else
		goto out;
	X509_free(ca);
	ca = NULL;
out:
	sk_X509_pop_free(sk, X509_free);
	free(buf);
	return ca;
}

/* The validity: at .. at + days, no later than the CA's own notAfter. */
static int
validity(X509 *x, X509 *ca, const struct sign *s)
{
	char	 when[32];
	time_t	 end = s->at + (time_t)s->days * 86400, caend;

	if (ca != NULL) {
		if (sslm_asn1_time(X509_get0_notAfter(ca), &caend) == -1) {
			sslm_warnx("%s: bad notAfter", s->certfile);
			return -1;
		}
		if (end > caend) {
			sslm_fmt_time(caend, when, sizeof(when));
			sslm_warnx("notAfter cut to %s, the end of the CA "
			    "certificate", when);
			end = caend;
		}
	}
	if (ASN1_TIME_set(X509_getm_notBefore(x), s->at) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), end) == NULL) {
		sslm_warnx("validity: %s", sslm_ossl_reason());
		return -1;
	}
	return 0;
}

/* basicConstraints, keyUsage, EKU, SKI, AKI and the request's SANs. */
static int
extensions(X509 *x, const struct csr *c, const EVP_PKEY *cakey, X509 *ca)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	AUTHORITY_KEYID	*akid = NULL;
	ASN1_OCTET_STRING *ski = NULL;
	const ASN1_OCTET_STRING *caski;
	unsigned char	 id[SSLM_KEYID_LEN];
	int		 i, rc = -1;

	if (sslm_ext_profile(&exts, c->ca, c->pub, c->ku, c->eku) == -1)
		goto out;
	if (sslm_key_id(c->pub, id) == -1)
		goto out;
	if ((ski = ASN1_OCTET_STRING_new()) == NULL ||
	    !ASN1_OCTET_STRING_set(ski, id, sizeof(id)) ||
	    !X509V3_add1_i2d(&exts, NID_subject_key_identifier, ski, 0,
	    X509V3_ADD_APPEND))
		goto ossl;
	/* The issuer's own SKI, so that chains are built by key. */
	if ((akid = AUTHORITY_KEYID_new()) == NULL ||
	    (akid->keyid = ASN1_OCTET_STRING_new()) == NULL)
		goto ossl;
	if (ca != NULL && (caski = X509_get0_subject_key_id(ca)) != NULL) {
		if (!ASN1_STRING_copy(akid->keyid, caski))
			goto ossl;
	} else {
		/* A root's AKI is its own SKI, still in id. */
		if (ca != NULL && sslm_key_id(cakey, id) == -1)
			goto out;
		if (!ASN1_OCTET_STRING_set(akid->keyid, id, sizeof(id)))
			goto ossl;
	}
	if (!X509V3_add1_i2d(&exts, NID_authority_key_identifier, akid, 0,
	    X509V3_ADD_APPEND))
		goto ossl;
	if (c->sans != NULL && sk_GENERAL_NAME_num(c->sans) > 0 &&
	    !X509V3_add1_i2d(&exts, NID_subject_alt_name, c->sans,
	    c->sancrit, X509V3_ADD_APPEND))
		goto ossl;
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1))
			goto ossl;
	rc = 0;
	goto out;
ossl:
	sslm_warnx("extensions: %s", sslm_ossl_reason());
out:
	AUTHORITY_KEYID_free(akid);
	ASN1_OCTET_STRING_free(ski);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

static int
run(struct sign *s)
{
	struct csr	 c;
	json_t		*svc = NULL;
	EVP_PKEY	*key = NULL;
	EVP_MD		*md = NULL;
	X509		*ca = NULL, *x = NULL;
	int		 rc = SSLM_EXIT_FAIL;

	memset(&c, 0, sizeof(c));
	if (s->svcfile != NULL && from_service(s, &svc) == -1)
		goto out;
	if (s->days == 0)
		s->days = 90;
	if (s->digest == NULL)
		s->digest = "sha384";
	if ((key = sslm_key_load_signer(s->keyfile, s->digest, &md)) == NULL)
		goto out;
	if (s->certfile != NULL &&
	    (ca = read_ca(s->certfile, key, s->at)) == NULL)
		goto out;
	if (read_csr(s->csrfile, &c) == -1)
		goto out;
	if (ca == NULL && !sslm_key_match(key, c.pub)) {
		sslm_warnx("%s: --self: the key does not match the request",
		    s->keyfile);
		goto out;
	}
	if (ca != NULL && c.ca && X509_get_pathlen(ca) == 0) {
		sslm_warnx("%s: pathlen 0: this CA may not sign CAs",
		    s->certfile);
		goto out;
	}
	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_subject_name(x, X509_REQ_get_subject_name(c.req)) ||
	    !X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) :
	    X509_REQ_get_subject_name(c.req)) ||
	    !X509_set_pubkey(x, c.pub)) {
		sslm_warnx("certificate: %s", sslm_ossl_reason());
		goto out;
	}
	if (sslm_random_serial(X509_get_serialNumber(x)) == -1 ||
	    validity(x, ca, s) == -1 || extensions(x, &c, key, ca) == -1)
		goto out;
	if (sslm_sign(x, NULL, key, md) == -1)
		goto out;
	if (!PEM_write_X509(stdout, x)) {
		sslm_warnx("stdout: %s", sslm_ossl_reason());
		goto out;
	}
	rc = SSLM_EXIT_OK;
out:
	X509_free(x);
	X509_free(ca);
	GENERAL_NAMES_free(c.sans);
	X509_REQ_free(c.req);
	EVP_MD_free(md);
	EVP_PKEY_free(key);
	json_decref(svc);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "self", no_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'K' },
		{ "ca-cert", required_argument, NULL, 'C' },
		{ "days", required_argument, NULL, 'd' },
		{ "digest", required_argument, NULL, 'm' },
		{ "service", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct sign	 s;
	int		 ch, rc, self = 0;

	sslm_setprogname(argv[0]);
	memset(&s, 0, sizeof(s));
	s.at = time(NULL);
	while ((ch = getopt_long(argc, argv, "C:d:hK:m:Ss:t:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
			s.certfile = optarg;
			break;
		case 'd':
			if (sslm_strtonum(optarg, 1, MAXDAYS, &s.days) == -1) {
				sslm_warnx("-d %s: not a number of days in "
				    "1..%d", optarg, MAXDAYS);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'K':
			s.keyfile = optarg;
			break;
		case 'm':
			if ((s.digest = sslm_digest_canon(optarg)) == NULL) {
				sslm_warnx("-m %s: unsupported digest", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'S':
			self = 1;
			break;
		case 's':
			s.svcfile = optarg;
			break;
		case 't':
			if (sslm_parse_time(optarg, &s.at) == -1) {
				sslm_warnx("--at %s: not a time", optarg);
				usage(SSLM_EXIT_USAGE);
			}
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
	if (argc > 1 || s.keyfile == NULL || self == (s.certfile != NULL))
		usage(SSLM_EXIT_USAGE);
	s.csrfile = argc == 1 ? argv[0] : "-";
	if ((strcmp(s.keyfile, "-") == 0) + (strcmp(s.csrfile, "-") == 0) +
	    (s.certfile != NULL && strcmp(s.certfile, "-") == 0) +
	    (s.svcfile != NULL && strcmp(s.svcfile, "-") == 0) > 1) {
		sslm_warnx("only one input can be stdin");
		usage(SSLM_EXIT_USAGE);
	}
	rc = run(&s);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
