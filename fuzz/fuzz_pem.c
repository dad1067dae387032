/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pem: PEM and DER reading, as sslm-info, sslm-verify, sslm-csrgen
 * and the chain tools read their inputs.  An input holding "-----BEGIN"
 * is PEM text: sslm_pem_split, then every block decoded by its kind and
 * described (sslm_info_block, sslm_info_text, sslm_info_verbose), and
 * the whole read by sslm_read_certs and sslm_read_csr.  Any other input
 * is DER: armoured with the label of what it decodes as (d2i_*), or of
 * a kind chosen by its length when it decodes as nothing (one kind, not
 * every one: each attempt costs milliseconds of OpenSSL decoding), and
 * read the same way.
 * Promises checked: blocks lie inside the buffer in order, with a
 * printable label and a line within the input; a block that does not
 * decode is reported in one printable line.
 * Seeds: certificates, a CSR and keys made with openssl, PEM and DER
 * (fuzz/seeds.sh).
 */
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz.h"

#define NAME	"fuzz.pem"
#define NOW	((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

/* Everything the tools do with the PEM text buf. */
static void
pem_text(const char *buf, size_t len)
{
	struct sslm_pem	*b = NULL;
	STACK_OF(X509)	*sk;
	X509_REQ	*req;
	json_t		*j;
	size_t		 n = 0, i, lines = 1;
	const char	*prev = buf;

	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (sslm_pem_split(buf, len, NAME, &b, &n) == 0) {
		for (i = 0; i < n; i++) {
			fuzz_assert(b[i].begin >= prev &&
			    b[i].begin + b[i].len <= buf + len);
			fuzz_assert(b[i].line >= 1 &&
			    (size_t)b[i].line <= lines);
			fuzz_assert(strnlen(b[i].label, SSLM_PEM_LABEL) <
			    SSLM_PEM_LABEL);
			prev = b[i].begin + b[i].len;
			(void)sslm_pem_kind(b[i].label);
			if ((j = sslm_info_block(&b[i], NAME, NOW)) != NULL) {
				(void)sslm_info_text(devnull, j, NOW);
				json_decref(j);
			}
			fuzz_msg_ok();
			(void)sslm_info_verbose(devnull, &b[i], NAME);
			fuzz_msg_ok();
		}
		free(b);
	}
	fuzz_msg_ok();
	sk = sslm_read_certs(buf, len, NAME);
	sk_X509_pop_free(sk, X509_free);
	fuzz_msg_ok();
	req = sslm_read_csr(buf, len, NAME);
	X509_REQ_free(req);
	fuzz_msg_ok();
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *labels[] = { "CERTIFICATE", "CERTIFICATE REQUEST",
	    "PRIVATE KEY", "PUBLIC KEY", "DH PARAMETERS", "EC PRIVATE KEY" };
	BIO	*mem, *b64;
	char	*pem, *txt;
	const unsigned char *p;
	void	*o;
	long	 n;
	size_t	 i;

	if (size > SSLM_PEM_MAX)
		return 0;
	if (memmem(data, size, "-----BEGIN", 10) != NULL) {
		pem_text((const char *)data, size);
		return 0;
	}
	/* DER: base64 by OpenSSL, between the armour lines of each kind */
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    (b64 = BIO_new(BIO_f_base64())) == NULL)
		abort();
	mem = BIO_push(b64, mem);
	if (BIO_write(mem, data, (int)size) != (int)size || BIO_flush(mem) != 1)
		abort();
	n = BIO_get_mem_data(BIO_next(mem), &txt);
	i = size % (sizeof(labels) / sizeof(labels[0]));
	if ((o = d2i_X509(NULL, (p = data, &p), (long)size)) != NULL) {
		X509_free(o);
		i = 0;
	} else if ((o = d2i_X509_REQ(NULL, (p = data, &p), (long)size)) !=
	    NULL) {
		X509_REQ_free(o);
		i = 1;
	} else if ((o = d2i_AutoPrivateKey(NULL, (p = data, &p),
	    (long)size)) != NULL) {
		EVP_PKEY_free(o);
		i = 2;
	} else if ((o = d2i_PUBKEY(NULL, (p = data, &p), (long)size)) !=
	    NULL) {
		EVP_PKEY_free(o);
		i = 3;
	}
	if ((pem = malloc((size_t)n + 128)) == NULL)
		abort();
	snprintf(pem, (size_t)n + 128, "-----BEGIN %s-----\n%.*s"
	    "-----END %s-----\n", labels[i], (int)n, txt, labels[i]);
	pem_text(pem, strlen(pem));
	free(pem);
	BIO_free_all(mem);
	ERR_clear_error();
	return 0;
}
