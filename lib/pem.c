/* SPDX-License-Identifier: MIT */
/*
 * pem.c: split text into PEM blocks and decode the blocks the suite uses
 * (certificates, CSRs, private and public keys).  Text between blocks is
 * ignored; a block that does not end is truncated input and an error.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sslm.h"

/* The line starting at p (up to end); *next gets the following line. */
static size_t
linelen(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	*next = nl != NULL ? nl + 1 : end;
	n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' ||
	    p[n - 1] == '\t'))
		n--;
	return n;
}

/* Is the line "-----<kind> <label>-----", the label printable ASCII
 * (RFC 7468 2)?  Copies the label. */
static int
armor(const char *p, size_t n, const char *kind, char *label, size_t lsz)
{
	size_t k = strlen(kind), i;

	if (n < 10 + k + 1 || strncmp(p, "-----", 5) != 0 ||
	    strncmp(p + 5, kind, k) != 0 || p[5 + k] != ' ' ||
	    strncmp(p + n - 5, "-----", 5) != 0)
		return 0;
	n -= 5 + k + 1 + 5;
	if (n == 0 || n >= lsz)
		return 0;
	for (i = 0; i < n; i++)
		if (p[5 + k + 1 + i] < 0x20 || p[5 + k + 1 + i] > 0x7e)
			return 0;
	memcpy(label, p + 5 + k + 1, n);
	label[n] = '\0';
	return 1;
}

int
sslm_pem_split(const char *buf, size_t len, const char *name,
    struct sslm_pem **out, size_t *nout)
{
	const char	*p = buf, *end = buf + len, *next;
	struct sslm_pem	*v = NULL, *nv, cur;
	char		 label[SSLM_PEM_LABEL];
	size_t		 n = 0, ll;
	int		 line = 0, inblock = 0;

	memset(&cur, 0, sizeof(cur));
	while (p < end) {
		line++;
		ll = linelen(p, end, &next);
		if (!inblock && armor(p, ll, "BEGIN", cur.label,
		    sizeof(cur.label))) {
			cur.begin = p;
			cur.line = line;
			inblock = 1;
		} else if (inblock && armor(p, ll, "BEGIN", label,
		    sizeof(label))) {
			sslm_warnx("%s:%d: BEGIN inside the %s block of line "
			    "%d", name, line, cur.label, cur.line);
			goto fail;
		} else if (inblock && armor(p, ll, "END", label,
		    sizeof(label))) {
			if (strcmp(label, cur.label) != 0) {
				sslm_warnx("%s:%d: END %s does not close "
				    "BEGIN %s", name, line, label, cur.label);
				goto fail;
			}
			cur.len = (size_t)(next - cur.begin);
			if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
				sslm_warn("%s", name);
				goto fail;
			}
			v = nv;
			v[n++] = cur;
			inblock = 0;
		}
		p = next;
	}
	if (inblock) {
		sslm_warnx("%s:%d: %s block has no END line (truncated?)",
		    name, cur.line, cur.label);
		goto fail;
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	free(v);
	return -1;
}

static int
no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

static BIO *
block_bio(const struct sslm_pem *b)
{
	return BIO_new_mem_buf(b->begin, (int)b->len);
}

/* Decode block b as kind (SSLM_PEM_*); NULL on failure. */
static void *
decode(const struct sslm_pem *b, int kind)
{
	BIO	*bio;
	void	*o = NULL;

	if ((bio = block_bio(b)) == NULL)
		return NULL;
	switch (kind) {
	case SSLM_PEM_CERT:
		if (strcmp(b->label, "TRUSTED CERTIFICATE") == 0)
			o = PEM_read_bio_X509_AUX(bio, NULL, no_passphrase,
			    NULL);
		else if (sslm_pem_kind(b->label) == SSLM_PEM_CERT)
			o = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
		break;
	case SSLM_PEM_CSR:
		o = PEM_read_bio_X509_REQ(bio, NULL, no_passphrase, NULL);
		break;
	case SSLM_PEM_PRIVKEY:
		o = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		break;
	case SSLM_PEM_PUBKEY:
		o = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
		break;
	}
	BIO_free(bio);
	return o;
}

X509 *
sslm_pem_cert(const struct sslm_pem *b)
{
	return decode(b, SSLM_PEM_CERT);
}

X509_REQ *
sslm_pem_csr(const struct sslm_pem *b)
{
	return decode(b, SSLM_PEM_CSR);
}

EVP_PKEY *
sslm_pem_privkey(const struct sslm_pem *b)
{
	return decode(b, SSLM_PEM_PRIVKEY);
}

EVP_PKEY *
sslm_pem_pubkey(const struct sslm_pem *b)
{
	return decode(b, SSLM_PEM_PUBKEY);
}

int
sslm_pem_kind(const char *label)
{
	if (strcmp(label, "CERTIFICATE") == 0 ||
	    strcmp(label, "X509 CERTIFICATE") == 0 ||
	    strcmp(label, "TRUSTED CERTIFICATE") == 0)
		return SSLM_PEM_CERT;
	if (strcmp(label, "CERTIFICATE REQUEST") == 0 ||
	    strcmp(label, "NEW CERTIFICATE REQUEST") == 0)
		return SSLM_PEM_CSR;
	if (strcmp(label, "PRIVATE KEY") == 0 ||
	    strcmp(label, "EC PRIVATE KEY") == 0 ||
	    strcmp(label, "RSA PRIVATE KEY") == 0)
		return SSLM_PEM_PRIVKEY;
	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
		return SSLM_PEM_ENCKEY;
	if (strcmp(label, "PUBLIC KEY") == 0 ||
	    strcmp(label, "RSA PUBLIC KEY") == 0)
		return SSLM_PEM_PUBKEY;
	if (strcmp(label, "DH PARAMETERS") == 0 ||
	    strcmp(label, "X9.42 DH PARAMETERS") == 0)
		return SSLM_PEM_DHPARAM;
	return SSLM_PEM_OTHER;
}

STACK_OF(X509) *
sslm_read_certs(const char *buf, size_t len, const char *name)
{
	struct sslm_pem	*b = NULL;
	size_t		 n = 0, i;
	STACK_OF(X509)	*sk = NULL;
	X509		*x;

	if (sslm_pem_split(buf, len, name, &b, &n) == -1)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (sslm_pem_kind(b[i].label) != SSLM_PEM_CERT)
			continue;
		if ((x = sslm_pem_cert(&b[i])) == NULL) {
			sslm_warnx("%s:%d: bad certificate: %s", name,
			    b[i].line, sslm_ossl_reason());
			goto fail;
		}
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto fail;
		}
	}
	free(b);
	return sk;
fail:
	free(b);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

X509 *
sslm_read_first_cert(const char *path)
{
	STACK_OF(X509)	*sk;
	X509		*x = NULL;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	if ((sk = sslm_read_certs(buf, len, path)) != NULL &&
	    sk_X509_num(sk) > 0)
		x = sk_X509_shift(sk);
	else if (sk != NULL)
		sslm_warnx("%s: no certificate", path);
	sk_X509_pop_free(sk, X509_free);
	free(buf);
	return x;
}

X509_REQ *
sslm_read_csr(const char *buf, size_t len, const char *name)
{
	struct sslm_pem	*b = NULL;
	size_t		 n = 0, i;
	X509_REQ	*r = NULL;

	if (sslm_pem_split(buf, len, name, &b, &n) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		if (sslm_pem_kind(b[i].label) != SSLM_PEM_CSR)
			continue;
		if ((r = sslm_pem_csr(&b[i])) == NULL)
			sslm_warnx("%s:%d: bad certificate request: %s", name,
			    b[i].line, sslm_ossl_reason());
		goto out;
	}
	sslm_warnx("%s: no certificate request", name);
out:
	free(b);
	return r;
}
