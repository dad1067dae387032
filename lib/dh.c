/* SPDX-License-Identifier: MIT */
/*
 * dh.c: Diffie-Hellman parameters for servers: the RFC 7919 named groups
 * (fixed primes, nothing to generate) and freshly generated safe-prime
 * groups with generator 2, both as PKCS#3 PEM ("BEGIN DH PARAMETERS").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "sslm.h"

static const struct {
	const char	*name;
	int		 bits;
} groups[] = {
	{ "ffdhe2048", 2048 },
	{ "ffdhe3072", 3072 },
	{ "ffdhe4096", 4096 },
	{ "ffdhe6144", 6144 },
	{ "ffdhe8192", 8192 },
};

int
sslm_dh_group_bits(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcasecmp(name, groups[i].name) == 0)
			return groups[i].bits;
	return 0;
}

/* What EVP_PKEY_CTX_set_cb calls: the caller's tick, going on. */
struct tick {
	void	(*fn)(void *);
	void	 *arg;
};

static int
on_gen(EVP_PKEY_CTX *ctx)
{
	struct tick *t = EVP_PKEY_CTX_get_app_data(ctx);

	if (t != NULL && t->fn != NULL)
		t->fn(t->arg);
	return 1;
}

/*
 * Parameter generation for "DH" keys with the given parameters set on the
 * context first; t (may be NULL) is ticked while it works.  NULL (warned
 * as what: reason) on failure.
 */
static EVP_PKEY *
paramgen(const char *what, const OSSL_PARAM *params, struct tick *t)
{
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) != NULL &&
	    t != NULL) {
		EVP_PKEY_CTX_set_app_data(ctx, t);
		EVP_PKEY_CTX_set_cb(ctx, on_gen);
	}
	if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
	    EVP_PKEY_paramgen(ctx, &pk) <= 0) {
		sslm_warnx("%s: %s", what, sslm_ossl_reason());
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

EVP_PKEY *
sslm_dh_named(const char *name)
{
	OSSL_PARAM	 params[2];
	char		 lower[16];
	size_t		 i;

	if (sslm_dh_group_bits(name) == 0) {
		sslm_warnx("%s: not an RFC 7919 group", name);
		return NULL;
	}
	for (i = 0; name[i] != '\0' && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, lower, 0);
	params[1] = OSSL_PARAM_construct_end();
	return paramgen(lower, params, NULL);
}

EVP_PKEY *
sslm_dh_generate(int bits)
{
	return sslm_dh_generate_tick(bits, NULL, NULL);
}

EVP_PKEY *
sslm_dh_generate_tick(int bits, void (*fn)(void *), void *arg)
{
	struct tick	 t = { fn, arg };
	OSSL_PARAM	 params[4];
	char		 type[] = "generator", what[32];
	int		 gen = 2;
	size_t		 pbits = (size_t)bits;

	snprintf(what, sizeof(what), "dh %d bits", bits);
	if (bits < 512 || bits > 16384) {
		sslm_warnx("%s: size out of range", what);
		return NULL;
	}
	/* PKCS#3 style: a safe prime p = 2q + 1 and the generator 2. */
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_FFC_TYPE, type, 0);
	params[1] = OSSL_PARAM_construct_size_t(
	    OSSL_PKEY_PARAM_FFC_PBITS, &pbits);
	params[2] = OSSL_PARAM_construct_int(
	    OSSL_PKEY_PARAM_DH_GENERATOR, &gen);
	params[3] = OSSL_PARAM_construct_end();
	return paramgen(what, params, fn != NULL ? &t : NULL);
}

char *
sslm_dh_pem(EVP_PKEY *pk, size_t *lenp)
{
	BIO	*bio = NULL;
	BUF_MEM	*mem = NULL;
	char	*s = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_Parameters(bio, pk)) {
		sslm_warnx("dh parameters: %s", sslm_ossl_reason());
		goto out;
	}
	BIO_get_mem_ptr(bio, &mem);
	if ((s = malloc(mem->length + 1)) == NULL) {
		sslm_warn("dh parameters");
		goto out;
	}
	memcpy(s, mem->data, mem->length);
	s[mem->length] = '\0';
	*lenp = mem->length;
out:
	BIO_free(bio);
	return s;
}
