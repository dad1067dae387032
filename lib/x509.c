/* SPDX-License-Identifier: MIT */
/*
 * x509.c: certificate requests and certificates for sslm-csrgen and
 * sslm-casign: signature digests, signing, the extension profiles of a
 * CA and a leaf, subjectAltName entries and serials.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* The digests: name on the command line (after canonicalising), OpenSSL. */
static const struct {
	const char	*name;
	const char	*ossl;
} digests[] = {
	{ "sha256",	"SHA256" },
	{ "sha384",	"SHA384" },
	{ "sha512",	"SHA512" },
	{ "sha3_256",	"SHA3-256" },
	{ "sha3_384",	"SHA3-384" },
	{ "sha3_512",	"SHA3-512" },
};

const char *
sslm_digest_canon(const char *name)
{
	char	buf[16];
	size_t	i;

	if (strlen(name) >= sizeof(buf))
		return NULL;
	for (i = 0; name[i] != '\0'; i++)
		buf[i] = name[i] == '-' ? '_' :
		    (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (strcmp(buf, digests[i].name) == 0)
			return digests[i].name;
	return NULL;
}

int
sslm_sign_md(const EVP_PKEY *k, const char *name, EVP_MD **md)
{
	const char	*c;
	size_t		 i;

	*md = NULL;
	/* Ed25519 signs the message itself: no digest. */
	if (EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "ED448"))
		return 0;
	if ((c = sslm_digest_canon(name)) == NULL) {
		sslm_warnx("%s: unsupported digest (use sha256, sha384, "
		    "sha512, sha3_256, sha3_384 or sha3_512)", name);
		return -1;
	}
	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (strcmp(c, digests[i].name) == 0)
			break;
	if ((*md = EVP_MD_fetch(NULL, digests[i].ossl, NULL)) == NULL) {
		sslm_warnx("digest %s: %s", c, sslm_ossl_reason());
		return -1;
	}
	return 0;
}

int
sslm_sign(X509 *x, X509_REQ *req, EVP_PKEY *key, const EVP_MD *md)
{
	const char	*what = x != NULL ? "certificate" : "request";
	int		 n;

	n = x != NULL ? X509_sign(x, key, md) : X509_REQ_sign(req, key, md);
	if (n <= 0) {
		sslm_warnx("%s: signing: %s", what, sslm_ossl_reason());
		return -1;
	}
	/*
	 * Check the signature just made: OpenSSL 3.0 and 3.1 make ECDSA
	 * signatures with SHA-3 that no OpenSSL before 3.2 can verify.
	 */
	n = x != NULL ? X509_verify(x, key) : X509_REQ_verify(req, key);
	if (n != 1) {
		ERR_clear_error();
		sslm_warnx("%s: %s with %s: this OpenSSL cannot verify the "
		    "signature it makes (use a SHA-2 digest)", what,
		    sslm_key_type(key) != NULL ? sslm_key_type(key) : "key",
		    md != NULL ? EVP_MD_get0_name(md) : "no digest");
		return -1;
	}
	return 0;
}

/* Append one extension given in the OpenSSL configuration syntax. */
static int
ext_conf(STACK_OF(X509_EXTENSION) **sk, int nid, const char *value)
{
	X509_EXTENSION *e;

	if ((e = X509V3_EXT_nconf_nid(NULL, NULL, nid, value)) == NULL) {
		sslm_warnx("extension %s: %s", OBJ_nid2sn(nid),
		    sslm_ossl_reason());
		return -1;
	}
	if (X509v3_add_ext(sk, e, -1) == NULL) {
		X509_EXTENSION_free(e);
		sslm_warnx("extension %s: out of memory", OBJ_nid2sn(nid));
		return -1;
	}
	X509_EXTENSION_free(e);
	return 0;
}

int
sslm_ext_profile(STACK_OF(X509_EXTENSION) **sk, int ca, const EVP_PKEY *k)
{
	if (ca)
		return ext_conf(sk, NID_basic_constraints,
		    "critical,CA:TRUE") == -1 ||
		    ext_conf(sk, NID_key_usage, "critical,digitalSignature,"
		    "keyCertSign,cRLSign") == -1 ? -1 : 0;
	if (ext_conf(sk, NID_basic_constraints, "critical,CA:FALSE") == -1)
		return -1;
	/* Only RSA can encrypt a key transport secret. */
	if (ext_conf(sk, NID_key_usage, EVP_PKEY_is_a(k, "RSA") ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature") == -1)
		return -1;
	return ext_conf(sk, NID_ext_key_usage, "serverAuth,clientAuth");
}

/* Is gen already in gens? */
static int
san_dup(const GENERAL_NAMES *gens, const GENERAL_NAME *gen)
{
	const GENERAL_NAME	*g;
	int			 i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (GENERAL_NAME_cmp((GENERAL_NAME *)g,
		    (GENERAL_NAME *)gen) == 0)
			return 1;
	}
	return 0;
}

int
sslm_san_push(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME	*g = NULL;
	ASN1_OCTET_STRING *ip = NULL;
	ASN1_IA5STRING	*dns = NULL;
	unsigned char	 addr[16];
	char		 low[254];
	size_t		 i, n;
	int		 rc = -1;

	if ((g = GENERAL_NAME_new()) == NULL)
		goto oom;
	if (inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1) {
		n = inet_pton(AF_INET, name, addr) == 1 ? 4 : 16;
		if ((ip = ASN1_OCTET_STRING_new()) == NULL ||
		    !ASN1_OCTET_STRING_set(ip, addr, (int)n))
			goto oom;
		GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
		ip = NULL;
	} else {
		if (!sslm_valid_hostname(name, 1)) {
			sslm_warnx("%s: not a DNS name, wildcard or IP "
			    "address", name);
			goto out;
		}
		/* DNS names compare without case; keep one spelling. */
		n = strlen(name);
		for (i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)name[i]);
		if ((dns = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(dns, low, (int)n))
			goto oom;
		GENERAL_NAME_set0_value(g, GEN_DNS, dns);
		dns = NULL;
	}
	if (!san_dup(gens, g)) {
		if (!sk_GENERAL_NAME_push(gens, g))
			goto oom;
		g = NULL;
	}
	rc = 0;
	goto out;
oom:
	sslm_warnx("%s: out of memory", name);
out:
	ASN1_OCTET_STRING_free(ip);
	ASN1_IA5STRING_free(dns);
	GENERAL_NAME_free(g);
	return rc;
}

int
sslm_san_check(const GENERAL_NAMES *gens, const char *what)
{
	const GENERAL_NAME	*g;
	const ASN1_STRING	*s;
	char			 buf[256];
	int			 i, type, len;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		s = GENERAL_NAME_get0_value(g, &type);
		len = ASN1_STRING_length(s);
		switch (type) {
		case GEN_DNS:
			if (len <= 0 || (size_t)len >= sizeof(buf))
				goto bad;
			memcpy(buf, ASN1_STRING_get0_data(s), (size_t)len);
			buf[len] = '\0';
			if (strlen(buf) != (size_t)len ||
			    !sslm_valid_hostname(buf, 1))
				goto bad;
			break;
		case GEN_IPADD:
			if (len != 4 && len != 16)
				goto bad;
			break;
		default:
			sslm_warnx("%s: subjectAltName entry %d is neither a "
			    "DNS name nor an IP address", what, i + 1);
			return -1;
		}
	}
	return 0;
bad:
	sslm_warnx("%s: subjectAltName entry %d is malformed", what, i + 1);
	return -1;
}

int
sslm_random_serial(ASN1_INTEGER *serial)
{
	unsigned char	 b[SSLM_SERIAL_LEN];
	BIGNUM		*bn = NULL;
	int		 rc = -1;

	/* Positive (top bit clear) and never zero: RFC 5280 4.1.2.2. */
	do {
		if (RAND_bytes(b, sizeof(b)) != 1) {
			sslm_warnx("serial: %s", sslm_ossl_reason());
			return -1;
		}
		b[0] &= 0x7f;
		if ((bn = BN_bin2bn(b, sizeof(b), bn)) == NULL) {
			sslm_warnx("serial: out of memory");
			return -1;
		}
	} while (BN_is_zero(bn));
	if (BN_to_ASN1_INTEGER(bn, serial) == NULL)
		sslm_warnx("serial: %s", sslm_ossl_reason());
	else
		rc = 0;
	BN_free(bn);
	return rc;
}
