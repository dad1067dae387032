/* SPDX-License-Identifier: MIT */
/*
 * key.c: private keys: the curves and key types the suite accepts, key
 * generation and PKCS#8 output, and the one loader of key files (every
 * tool that reads a private key reads it through sslm_key_load: a
 * secret read, the first PEM private key block, no passphrase).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

/*
 * The private key of the PEM blocks of buf (name: for messages): the
 * first private key block, which must not be encrypted.  *blk is that
 * block (it points into buf).  NULL (warned).
 */
static EVP_PKEY *
read_key(const char *buf, size_t len, const char *name, struct sslm_pem *blk)
{
	struct sslm_pem	*b = NULL;
	size_t		 n = 0, i;
	EVP_PKEY	*k = NULL;

	if (sslm_pem_split(buf, len, name, &b, &n) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		switch (sslm_pem_kind(b[i].label)) {
		case SSLM_PEM_ENCKEY:
			sslm_warnx("%s:%d: encrypted private keys are not "
			    "supported", name, b[i].line);
			goto out;
		case SSLM_PEM_PRIVKEY:
			if ((k = sslm_pem_privkey(&b[i])) == NULL)
				sslm_warnx("%s:%d: bad private key: %s", name,
				    b[i].line, sslm_ossl_reason());
			else
				*blk = b[i];
			goto out;
		default:
			break;
		}
	}
	sslm_warnx("%s: no private key", name);
out:
	free(b);
	return k;
}

EVP_PKEY *
sslm_key_load(const char *path, char **pem, size_t *pemlen)
{
	struct sslm_pem	 blk;
	EVP_PKEY	*k = NULL;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;
	char		*buf;
	size_t		 len;

	if (pem != NULL)
		*pem = NULL;
	if ((buf = sslm_readsecret(path, SSLM_KEY_MAX, &len)) == NULL)
		return NULL;
	if ((k = read_key(buf, len, name, &blk)) == NULL || pem == NULL)
		goto out;
	/* The key's own block, verbatim (for bundle.pem). */
	if ((*pem = malloc(blk.len + 1)) == NULL) {
		sslm_warnx("%s: out of memory", name);
		EVP_PKEY_free(k);
		k = NULL;
		goto out;
	}
	memcpy(*pem, blk.begin, blk.len);
	(*pem)[blk.len] = '\0';
	*pemlen = blk.len;
out:
	sslm_freesecret(buf, len + 1);
	return k;
}

EVP_PKEY *
sslm_key_load_signer(const char *path, const char *digest, EVP_MD **md)
{
	EVP_PKEY *k;

	*md = NULL;
	if ((k = sslm_key_load(path, NULL, NULL)) == NULL)
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
