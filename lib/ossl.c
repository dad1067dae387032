/* SPDX-License-Identifier: MIT */
/* ossl.c: small OpenSSL helpers: error reasons, hex digests, ASN.1 times. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sslm.h"

const char *
sslm_ossl_reason(void)
{
	static char	 buf[256];
	unsigned long	 e;
	const char	*r;

	/* The earliest error is the cause; the rest is the call path. */
	e = ERR_get_error();
	if (e == 0)
		snprintf(buf, sizeof(buf), "unknown error");
	else if ((r = ERR_reason_error_string(e)) != NULL)
		snprintf(buf, sizeof(buf), "%s", r);
	else
		snprintf(buf, sizeof(buf), "error %lx", e);
	ERR_clear_error();
	return buf;
}

char *
sslm_hex(const unsigned char *p, size_t n)
{
	static const char	 digits[] = "0123456789abcdef";
	char			*s;
	size_t			 i;

	if ((s = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xf];
	}
	s[2 * n] = '\0';
	return s;
}

char *
sslm_digest_hex(const char *md, const unsigned char *p, size_t n)
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0;
	EVP_MD		*m;
	char		*s = NULL;

	if ((m = EVP_MD_fetch(NULL, md, NULL)) == NULL) {
		sslm_warnx("digest %s: %s", md, sslm_ossl_reason());
		return NULL;
	}
	if (EVP_Digest(p, n, d, &dl, m, NULL))
		s = sslm_hex(d, dl);
	else
		sslm_warnx("digest %s: %s", md, sslm_ossl_reason());
	EVP_MD_free(m);
	return s;
}

int
sslm_spki_der(EVP_PKEY *k, unsigned char **der, size_t *len)
{
	int n;

	*der = NULL;
	if ((n = i2d_PUBKEY(k, der)) <= 0) {
		sslm_warnx("public key: %s", sslm_ossl_reason());
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

int
sslm_cert_spki_der(X509 *x, unsigned char **der, size_t *len)
{
	X509_PUBKEY	*pub;
	int		 n;

	*der = NULL;
	if ((pub = X509_get_X509_PUBKEY(x)) == NULL ||
	    (n = i2d_X509_PUBKEY(pub, der)) <= 0) {
		sslm_warnx("certificate: no usable public key");
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

int
sslm_cert_der(X509 *x, unsigned char **der, size_t *len)
{
	int n;

	*der = NULL;
	if ((n = i2d_X509(x, der)) <= 0) {
		sslm_warnx("certificate: %s", sslm_ossl_reason());
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

int
sslm_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}
