/* SPDX-License-Identifier: MIT */
/*
 * x509.c: keys, certificate requests and certificates for sslm-keygen,
 * sslm-csrgen and sslm-casign: key generation and PKCS#8 output, the key
 * types the suite accepts, signature digests, the extension profiles of
 * a CA and a leaf, subjectAltName entries, key identifiers, serials and
 * the service objects of sslm-conf(1).
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

/* The curves, by every name the suite accepts: canonical, OpenSSL group. */
static const struct {
	const char	*name;
	const char	*canon;
	const char	*group;
} curves[] = {
	{ "secp256r1",	"secp256r1",	"P-256" },
	{ "prime256v1",	"secp256r1",	"P-256" },
	{ "p-256",	"secp256r1",	"P-256" },
	{ "p256",	"secp256r1",	"P-256" },
	{ "secp384r1",	"secp384r1",	"P-384" },
	{ "p-384",	"secp384r1",	"P-384" },
	{ "p384",	"secp384r1",	"P-384" },
	{ "secp521r1",	"secp521r1",	"P-521" },
	{ "p-521",	"secp521r1",	"P-521" },
	{ "p521",	"secp521r1",	"P-521" },
};

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
sslm_curve_canon(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcasecmp(name, curves[i].name) == 0)
			return curves[i].canon;
	return NULL;
}

EVP_PKEY *
sslm_key_generate(const char *ktype, const char *curve, int bits)
{
	EVP_PKEY	*k = NULL;
	size_t		 i;

	if (strcmp(ktype, "rsa") == 0) {
		if (bits < SSLM_RSA_MIN || bits > SSLM_RSA_MAX) {
			sslm_warnx("rsa: %d bits: not in %d..%d", bits,
			    SSLM_RSA_MIN, SSLM_RSA_MAX);
			return NULL;
		}
		/* The default public exponent is 65537. */
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (strcmp(ktype, "ec") == 0) {
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (strcasecmp(curve, curves[i].name) == 0)
				break;
		if (i == sizeof(curves) / sizeof(curves[0])) {
			sslm_warnx("%s: unsupported curve (use secp256r1, "
			    "secp384r1 or secp521r1)", curve);
			return NULL;
		}
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i].group);
	} else if (strcmp(ktype, "ed25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else {
		sslm_warnx("%s: unsupported key type (use ec, rsa or "
		    "ed25519)", ktype);
		return NULL;
	}
	if (k == NULL)
		sslm_warnx("%s key generation: %s", ktype, sslm_ossl_reason());
	return k;
}

int
sslm_key_pem(EVP_PKEY *k, char **pem, size_t *len)
{
	BIO	*bio = NULL;
	char	*p, *buf = NULL;
	long	 n;
	int	 rc = -1;

	*pem = NULL;
	*len = 0;
	/*
	 * A secure-memory BIO: its buffer is wiped when it grows and when
	 * it is freed, so no copy of the key is left in freed memory.
	 */
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL,
	    NULL)) {
		sslm_warnx("private key: %s", sslm_ossl_reason());
		goto out;
	}
	if ((n = BIO_get_mem_data(bio, &p)) <= 0) {
		sslm_warnx("private key: empty encoding");
		goto out;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		sslm_warn("private key");
		goto out;
	}
	memcpy(buf, p, (size_t)n);
	buf[n] = '\0';
	*pem = buf;
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

EVP_PKEY *
sslm_load_privkey(const char *path)
{
	EVP_PKEY	*k;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readsecret(path, SSLM_KEY_MAX, &len)) == NULL)
		return NULL;
	k = sslm_read_privkey(buf, len, strcmp(path, "-") == 0 ?
	    "stdin" : path);
	sslm_freesecret(buf, len + 1);
	return k;
}

EVP_PKEY *
sslm_load_signer(const char *path, const char *digest, EVP_MD **md)
{
	EVP_PKEY *k;

	*md = NULL;
	if ((k = sslm_load_privkey(path)) == NULL)
		return NULL;
	if (sslm_key_check(k, strcmp(path, "-") == 0 ? "stdin" : path) ==
	    -1 || sslm_sign_md(k, digest, md) == -1) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

const char *
sslm_key_type(const EVP_PKEY *k)
{
	if (EVP_PKEY_is_a(k, "RSA"))
		return "rsa";
	if (EVP_PKEY_is_a(k, "EC"))
		return "ec";
	if (EVP_PKEY_is_a(k, "ED25519"))
		return "ed25519";
	return NULL;
}

int
sslm_key_check(const EVP_PKEY *k, const char *what)
{
	const char	*t = sslm_key_type(k);
	char		 grp[64];
	size_t		 glen = 0, i;
	int		 bits;

	if (t == NULL) {
		sslm_warnx("%s: unsupported key type %s (use ec, rsa or "
		    "ed25519)", what, EVP_PKEY_get0_type_name(k));
		return -1;
	}
	if (strcmp(t, "rsa") == 0) {
		bits = EVP_PKEY_get_bits(k);
		if (bits < SSLM_RSA_MIN || bits > SSLM_RSA_MAX) {
			sslm_warnx("%s: rsa key of %d bits (use %d..%d)", what,
			    bits, SSLM_RSA_MIN, SSLM_RSA_MAX);
			return -1;
		}
	} else if (strcmp(t, "ec") == 0) {
		if (!EVP_PKEY_get_group_name(k, grp, sizeof(grp), &glen)) {
			sslm_warnx("%s: ec key without a named curve", what);
			return -1;
		}
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (strcasecmp(grp, curves[i].name) == 0)
				return 0;
		sslm_warnx("%s: unsupported curve %s (use secp256r1, "
		    "secp384r1 or secp521r1)", what, grp);
		return -1;
	}
	return 0;
}

int
sslm_key_match(const EVP_PKEY *a, const EVP_PKEY *b)
{
	return EVP_PKEY_eq(a, b) == 1;
}

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
sslm_key_id(const EVP_PKEY *k, unsigned char id[SSLM_KEYID_LEN])
{
	X509_PUBKEY		*xpk = NULL;
	const unsigned char	*pk;
	unsigned int		 dl;
	int			 pklen, rc = -1;

	/* RFC 5280 4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING. */
	if (!X509_PUBKEY_set(&xpk, (EVP_PKEY *)k) ||
	    !X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) ||
	    !EVP_Digest(pk, (size_t)pklen, id, &dl, EVP_sha1(), NULL) ||
	    dl != SSLM_KEYID_LEN) {
		sslm_warnx("key identifier: %s", sslm_ossl_reason());
		goto out;
	}
	rc = 0;
out:
	X509_PUBKEY_free(xpk);
	return rc;
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

json_t *
sslm_read_service(const char *path)
{
	json_error_t	 e;
	json_t		*j;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	free(buf);
	if (j == NULL) {
		sslm_warnx("%s:%d: %s", path, e.line, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		sslm_warnx("%s: not a service object of sslm-conf", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* svc[obj][key] (svc[key] when obj is NULL), or NULL. */
static json_t *
svc_member(const json_t *svc, const char *obj, const char *key)
{
	const json_t *o = svc;

	if (obj != NULL && (o = json_object_get(svc, obj)) == NULL)
		return NULL;
	return json_object_get(o, key);
}

int
sslm_svc_str(const json_t *svc, const char *path, const char *obj,
    const char *key, const char **out)
{
	json_t *v = svc_member(svc, obj, key);

	if (v == NULL)
		return 1;
	if (!json_is_string(v)) {
		sslm_warnx("%s: %s%s%s: not a string", path,
		    obj != NULL ? obj : "", obj != NULL ? "." : "", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int
sslm_svc_int(const json_t *svc, const char *path, const char *obj,
    const char *key, long long *out)
{
	json_t *v = svc_member(svc, obj, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v)) {
		sslm_warnx("%s: %s%s%s: not an integer", path,
		    obj != NULL ? obj : "", obj != NULL ? "." : "", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}
