/* SPDX-License-Identifier: MIT */
/*
 * jws.c: the signatures of the ACME client: base64url (RFC 4648 5, no
 * padding), the public JWK of an account key and its RFC 7638
 * thumbprint, the key authorization and dns-01 TXT value, and flattened
 * JWS objects signed with ES256/384/512, RS256 or the HS256 of an
 * external account binding.
 *
 * Keys are only used to sign here; the HMAC key and its MAC are wiped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "sslm.h"

/* ---- base64url ------------------------------------------------------- */

static const char b64u[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
sslm_b64url(const unsigned char *p, size_t n)
{
	char	*out, *o;
	size_t	 i;

	if ((out = malloc(n / 3 * 4 + 5)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64u[p[i] >> 2];
		*o++ = b64u[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64u[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64u[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = b64u[p[i] >> 2];
		*o++ = b64u[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = b64u[p[i] >> 2];
		*o++ = b64u[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64u[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

int
sslm_b64url_valid(const char *s)
{
	return *s != '\0' && strspn(s, b64u) == strlen(s);
}

static int
b64u_val(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64u, c)) == NULL)
		return -1;
	return (int)(p - b64u);
}

unsigned char *
sslm_b64url_decode(const char *s, size_t slen, size_t *lenp)
{
	unsigned char	*out;
	size_t		 i, n = 0;
	unsigned int	 acc = 0;
	int		 v, bits = 0;

	if (slen % 4 == 1 || (out = malloc(slen / 4 * 3 + 3)) == NULL)
		return NULL;
	for (i = 0; i < slen; i++) {
		if ((v = b64u_val((unsigned char)s[i])) == -1) {
			OPENSSL_cleanse(out, slen / 4 * 3 + 3);
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	acc = 0;
	*lenp = n;
	return out;
}

/* ---- JWK and JWS ------------------------------------------------------ */

/* Field size in bytes of an EC key's curve, 0 for another key. */
static int
ec_size(const EVP_PKEY *k)
{
	switch (EVP_PKEY_get_bits(k)) {
	case 256:
		return 32;
	case 384:
		return 48;
	case 521:
		return 66;
	}
	return 0;
}

const char *
sslm_acme_alg(const EVP_PKEY *k)
{
	if (EVP_PKEY_is_a(k, "RSA"))
		return EVP_PKEY_get_bits(k) >= 2048 ? "RS256" : NULL;
	if (EVP_PKEY_is_a(k, "EC")) {
		switch (ec_size(k)) {
		case 32:
			return "ES256";
		case 48:
			return "ES384";
		case 66:
			return "ES512";
		}
	}
	return NULL;
}

/* The digest of an alg. */
static const char *
alg_md(const char *alg)
{
	if (strcmp(alg, "ES384") == 0)
		return "SHA384";
	if (strcmp(alg, "ES512") == 0)
		return "SHA512";
	return "SHA256";
}

/* Set key name of o to base64url of BIGNUM parameter param, padded to pad
 * bytes (0: minimal). */
static int
jwk_bn(json_t *o, const char *name, const EVP_PKEY *k, const char *param,
    int pad)
{
	BIGNUM		*bn = NULL;
	unsigned char	*buf = NULL;
	char		*s = NULL;
	int		 n, rc = -1;

	if (!EVP_PKEY_get_bn_param(k, param, &bn))
		goto out;
	n = pad > 0 ? pad : BN_num_bytes(bn);
	if (n <= 0 || (buf = malloc((size_t)n)) == NULL ||
	    BN_bn2binpad(bn, buf, n) != n)
		goto out;
	if ((s = sslm_b64url(buf, (size_t)n)) == NULL ||
	    json_object_set_new(o, name, json_string(s)) == -1)
		goto out;
	rc = 0;
out:
	free(s);
	free(buf);
	BN_free(bn);
	return rc;
}

json_t *
sslm_acme_jwk(const EVP_PKEY *k)
{
	json_t	*o;
	int	 sz;

	if ((o = json_object()) == NULL)
		return NULL;
	if (EVP_PKEY_is_a(k, "EC") && (sz = ec_size(k)) != 0) {
		if (json_object_set_new(o, "crv", json_string(sz == 32 ?
		    "P-256" : sz == 48 ? "P-384" : "P-521")) == -1 ||
		    json_object_set_new(o, "kty", json_string("EC")) == -1 ||
		    jwk_bn(o, "x", k, OSSL_PKEY_PARAM_EC_PUB_X, sz) == -1 ||
		    jwk_bn(o, "y", k, OSSL_PKEY_PARAM_EC_PUB_Y, sz) == -1)
			goto fail;
	} else if (EVP_PKEY_is_a(k, "RSA")) {
		if (jwk_bn(o, "e", k, OSSL_PKEY_PARAM_RSA_E, 0) == -1 ||
		    json_object_set_new(o, "kty", json_string("RSA")) == -1 ||
		    jwk_bn(o, "n", k, OSSL_PKEY_PARAM_RSA_N, 0) == -1)
			goto fail;
	} else {
		sslm_warnx("jwk: only RSA and EC P-256/384/521 keys can sign "
		    "ACME requests");
		goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

char *
sslm_acme_thumbprint(const EVP_PKEY *k)
{
	json_t		*jwk;
	char		*s = NULL, *out = NULL;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	/* RFC 7638: the required members, sorted, no white space. */
	if ((jwk = sslm_acme_jwk(k)) == NULL)
		return NULL;
	if ((s = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)) != NULL &&
	    EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL))
		out = sslm_b64url(md, mdlen);
	free(s);
	json_decref(jwk);
	return out;
}

char *
sslm_acme_keyauth(const EVP_PKEY *k, const char *token)
{
	char	*tp, *out = NULL;

	if ((tp = sslm_acme_thumbprint(k)) == NULL)
		return NULL;
	if (asprintf(&out, "%s.%s", token, tp) == -1)
		out = NULL;
	free(tp);
	return out;
}

char *
sslm_acme_txt_value(const char *keyauth)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	if (!EVP_Digest(keyauth, strlen(keyauth), md, &mdlen, EVP_sha256(),
	    NULL))
		return NULL;
	return sslm_b64url(md, mdlen);
}

/* The JWS signature of the signing input with key k, base64url. */
static char *
jws_sign(EVP_PKEY *k, const char *alg, const char *in)
{
	EVP_MD_CTX	*ctx = NULL;
	ECDSA_SIG	*es = NULL;
	const BIGNUM	*r, *s;
	unsigned char	*sig = NULL, raw[132];
	const unsigned char *p;
	size_t		 siglen = 0;
	char		*out = NULL;
	int		 sz;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(ctx, NULL, alg_md(alg), NULL, NULL, k,
	    NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)in,
	    strlen(in)) != 1 ||
	    (sig = OPENSSL_malloc(siglen)) == NULL ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)in,
	    strlen(in)) != 1) {
		sslm_warnx("jws: signing: %s", sslm_ossl_reason());
		goto out;
	}
	if (alg[0] == 'R') {
		out = sslm_b64url(sig, siglen);
		goto out;
	}
	/* RFC 7518 3.4: ECDSA as R || S, each padded to the field size. */
	sz = ec_size(k);
	p = sig;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)siglen)) == NULL) {
		sslm_warnx("jws: signature: %s", sslm_ossl_reason());
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, sz) != sz ||
	    BN_bn2binpad(s, raw + sz, sz) != sz) {
		sslm_warnx("jws: signature does not fit the curve");
		goto out;
	}
	out = sslm_b64url(raw, (size_t)sz * 2);
out:
	ECDSA_SIG_free(es);
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	return out;
}

/* HS256 of in with key, base64url. */
static char *
jws_hmac(const unsigned char *key, size_t keylen, const char *in)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = 0;
	char		*out;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    (const unsigned char *)in, strlen(in), mac, sizeof(mac),
	    &maclen) == NULL) {
		sslm_warnx("jws: hmac: %s", sslm_ossl_reason());
		return NULL;
	}
	out = sslm_b64url(mac, maclen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return out;
}

json_t *
sslm_acme_jws(EVP_PKEY *k, const unsigned char *hkey, size_t hkeylen,
    json_t *prot, const char *payload)
{
	json_t	*jws = NULL;
	char	*ph = NULL, *p64 = NULL, *pp = NULL, *in = NULL, *sig = NULL;
	const char *alg;

	if (k != NULL) {
		if ((alg = sslm_acme_alg(k)) == NULL) {
			sslm_warnx("jws: only RSA (2048 bits or more) and EC "
			    "P-256/384/521 keys can sign ACME requests");
			goto out;
		}
	} else
		alg = "HS256";
	if (json_object_set_new(prot, "alg", json_string(alg)) == -1 ||
	    (ph = json_dumps(prot, JSON_COMPACT)) == NULL ||
	    (p64 = sslm_b64url((unsigned char *)ph, strlen(ph))) == NULL ||
	    (pp = sslm_b64url((const unsigned char *)payload,
	    strlen(payload))) == NULL ||
	    asprintf(&in, "%s.%s", p64, pp) == -1) {
		in = NULL;
		sslm_warnx("jws: out of memory");
		goto out;
	}
	sig = k != NULL ? jws_sign(k, alg, in) : jws_hmac(hkey, hkeylen, in);
	if (sig == NULL)
		goto out;
	jws = json_pack("{s:s, s:s, s:s}", "protected", p64, "payload", pp,
	    "signature", sig);
out:
	free(sig);
	free(in);
	free(pp);
	free(p64);
	free(ph);
	return jws;
}
