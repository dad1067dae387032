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

/*
 * The usages sslm-casign grants, as OpenSSL's configuration spells them:
 * ssl-mgr's set.  keyUsage bits are OpenSSL's KU_*, extendedKeyUsage bits
 * SSLM_EKU_* (1 << index).
 */
static const struct {
	const char	*name;
	unsigned	 bit;
	int		 pos;		/* in the BIT STRING */
} kus[] = {
	{ "digitalSignature",	KU_DIGITAL_SIGNATURE,	0 },
	{ "keyEncipherment",	KU_KEY_ENCIPHERMENT,	2 },
	{ "keyAgreement",	KU_KEY_AGREEMENT,	4 },
	{ "keyCertSign",	KU_KEY_CERT_SIGN,	5 },
	{ "cRLSign",		KU_CRL_SIGN,		6 },
};
static const struct {
	const char	*name;
	int		 nid;
} ekus[] = {
	{ "serverAuth",		NID_server_auth },
	{ "clientAuth",		NID_client_auth },
	{ "emailProtection",	NID_email_protect },
	{ "codeSigning",	NID_code_sign },
	{ "timeStamping",	NID_time_stamp },
};
#define NKU	(sizeof(kus) / sizeof(kus[0]))
#define NEKU	(sizeof(ekus) / sizeof(ekus[0]))

unsigned
sslm_ku_default(int ca, const char *kt)
{
	unsigned ku = KU_DIGITAL_SIGNATURE;

	/*
	 * ssl-mgr sets keyEncipherment and keyAgreement for every key.  A
	 * key gets only what its algorithm can do: RSA transports keys
	 * (RFC 3279 2.3.1 has no keyAgreement for RSA), EC agrees on them
	 * (RFC 8813: no keyEncipherment for id-ecPublicKey), Ed25519 only
	 * signs (RFC 8410 5).
	 */
	if (kt != NULL && strcmp(kt, "rsa") == 0)
		ku |= KU_KEY_ENCIPHERMENT;
	else if (kt != NULL && strcmp(kt, "ec") == 0)
		ku |= KU_KEY_AGREEMENT;
	if (ca)
		ku |= KU_KEY_CERT_SIGN | KU_CRL_SIGN;
	return ku;
}

unsigned
sslm_usage_bit(int eku, const char *name)
{
	size_t	i;

	for (i = 0; !eku && i < NKU; i++)
		if (strcmp(name, kus[i].name) == 0)
			return kus[i].bit;
	for (i = 0; eku && i < NEKU; i++)
		if (strcmp(name, ekus[i].name) == 0)
			return 1U << i;
	return 0;
}

size_t
sslm_usage_names(int eku, unsigned bits, const char **out)
{
	size_t	i, n = 0;

	for (i = 0; !eku && i < NKU; i++)
		if (bits & kus[i].bit)
			out[n++] = kus[i].name;
	for (i = 0; eku && i < NEKU; i++)
		if (bits & (1U << i))
			out[n++] = ekus[i].name;
	out[n] = NULL;
	return n;
}

/* The usages of bits as an OpenSSL extension value, into buf. */
static void
usage_value(int eku, unsigned bits, char *buf, size_t size)
{
	const char	*names[SSLM_USAGE_MAX + 1];
	size_t		 i, n, len = 0;

	n = sslm_usage_names(eku, bits, names);
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? "," : "", names[i]);
}

int
sslm_ext_profile(STACK_OF(X509_EXTENSION) **sk, int ca, const EVP_PKEY *k,
    unsigned ku, unsigned eku)
{
	char	 v[256];

	if (ext_conf(sk, NID_basic_constraints, ca ? "critical,CA:TRUE" :
	    "critical,CA:FALSE") == -1)
		return -1;
	/* ssl-mgr's criticality: keyUsage and EKU are not critical. */
	if ((ku &= sslm_ku_default(ca, sslm_key_type(k))) == 0) {
		sslm_warnx("keyUsage: none asked for applies to the %s's "
		    "%s key", ca ? "CA" : "leaf", sslm_key_type(k) != NULL ?
		    sslm_key_type(k) : "");
		return -1;
	}
	if ((eku &= SSLM_EKU_ALL) == 0) {
		sslm_warnx("extendedKeyUsage: none asked for is granted (%s)",
		    "serverAuth, clientAuth, emailProtection, codeSigning, "
		    "timeStamping");
		return -1;
	}
	usage_value(0, ku, v, sizeof(v));
	if (ext_conf(sk, NID_key_usage, v) == -1)
		return -1;
	usage_value(1, eku, v, sizeof(v));
	return ext_conf(sk, NID_ext_key_usage, v);
}

int
sslm_req_usages(const STACK_OF(X509_EXTENSION) *exts, unsigned *ku,
    unsigned *eku, const char *what)
{
	ASN1_BIT_STRING		*bs = NULL;
	EXTENDED_KEY_USAGE	*xs = NULL;
	size_t			 j;
	int			 i, nid, crit, crit2;

	*ku = *eku = ~0U;
	bs = X509V3_get_d2i(exts, NID_key_usage, &crit, NULL);
	xs = X509V3_get_d2i(exts, NID_ext_key_usage, &crit2, NULL);
	if ((bs == NULL && crit != -1) || (xs == NULL && crit2 != -1)) {
		ASN1_BIT_STRING_free(bs);
		EXTENDED_KEY_USAGE_free(xs);
		sslm_warnx("%s: malformed or repeated extension in the "
		    "request", what);
		return -1;
	}
	if (bs != NULL) {
		*ku = 0;
		for (j = 0; j < NKU; j++)
			if (ASN1_BIT_STRING_get_bit(bs, kus[j].pos))
				*ku |= kus[j].bit;
	}
	if (xs != NULL) {
		*eku = 0;
		for (i = 0; i < sk_ASN1_OBJECT_num(xs); i++) {
			nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(xs, i));
			if (nid == NID_anyExtendedKeyUsage)
				*eku = ~0U;
			for (j = 0; j < NEKU; j++)
				if (nid == ekus[j].nid)
					*eku |= 1U << j;
		}
	}
	ASN1_BIT_STRING_free(bs);
	EXTENDED_KEY_USAGE_free(xs);
	return 0;
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
