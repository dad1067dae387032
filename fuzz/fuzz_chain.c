/* SPDX-License-Identifier: MIT */
/*
 * fuzz_chain: chain ordering, as sslm-chainbuild and sslm-verify order
 * what they are given.  The input is PEM text (read by sslm_read_certs)
 * when it holds "-----BEGIN", else certificates in DER one after the
 * other (d2i_X509 until the input ends or one does not parse; the
 * mutations then reach the certificates' fields, not their base64).
 * At most SSLM_CHAIN_MAX of them are ordered by sslm_chain_order without
 * a key and with the first one's key, with no flags and with
 * SSLM_CHAIN_COMPLETE | SSLM_CHAIN_NOROOT.
 * Promises checked: an ordered chain is no longer than its input, every
 * certificate in it was issued by the next one (sslm_chain_issued 1),
 * its leaf holds the key when one is given; a refusal says why.
 * Seeds: chains made with openssl (fuzz/seeds.sh).
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
order(STACK_OF(X509) *in, EVP_PKEY *key, int flags)
{
	STACK_OF(X509)	*out;
	int		 i;

	fuzz_quiet();
	if ((out = sslm_chain_order(in, key, flags)) == NULL) {
		fuzz_assert(fuzz_msg[0] != '\0');
		fuzz_msg_ok();
		return;
	}
	fuzz_assert(sk_X509_num(out) >= 1 &&
	    sk_X509_num(out) <= sk_X509_num(in));
	for (i = 0; i + 1 < sk_X509_num(out); i++)
		fuzz_assert(sslm_chain_issued(sk_X509_value(out, i),
		    sk_X509_value(out, i + 1)) == 1);
	if (key != NULL)
		fuzz_assert(sslm_chain_keymatch(sk_X509_value(out, 0), key));
	fuzz_msg_ok();
	sk_X509_pop_free(out, X509_free);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509)	*in;
	const unsigned char *p = data;
	X509		*x;
	EVP_PKEY	*key;

	if (size > SSLM_PEM_MAX)
		return 0;
	if (memmem(data, size, "-----BEGIN", 10) != NULL) {
		if ((in = sslm_read_certs((const char *)data, size,
		    "fuzz.pem")) == NULL) {
			fuzz_msg_ok();
			ERR_clear_error();
			return 0;
		}
	} else {
		if ((in = sk_X509_new_null()) == NULL)
			abort();
		while (p < data + size && sk_X509_num(in) <= SSLM_CHAIN_MAX &&
		    (x = d2i_X509(NULL, &p, (long)(data + size - p))) != NULL)
			if (!sk_X509_push(in, x))
				abort();
	}
	if (sk_X509_num(in) >= 1 && sk_X509_num(in) <= SSLM_CHAIN_MAX) {
		key = X509_get0_pubkey(sk_X509_value(in, 0));
		order(in, NULL, 0);
		order(in, NULL, SSLM_CHAIN_COMPLETE | SSLM_CHAIN_NOROOT);
		if (key != NULL) {
			order(in, key, 0);
			order(in, key, SSLM_CHAIN_COMPLETE);
		}
	}
	sk_X509_pop_free(in, X509_free);
	ERR_clear_error();
	return 0;
}
