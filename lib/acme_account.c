/* SPDX-License-Identifier: MIT */
/*
 * acme_account.c: the account directory of the ACME client:
 * dir/account.key (written once O_EXCL 0600, only ever used to sign,
 * never printed) and dir/account.json, and the login of a client with
 * them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "sslm.h"

/* ---- the account directory ------------------------------------------ */

/* dir/name into buf; -1 (warned) if too long. */
static int
acct_path(char *buf, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len) {
		sslm_warnx("%s: path too long", dir);
		return -1;
	}
	return 0;
}

EVP_PKEY *
sslm_acme_key_load(const char *dir, const char *name, int quiet_enoent)
{
	char		 path[4096];
	struct stat	 st;
	EVP_PKEY	*k;

	if (acct_path(path, sizeof(path), dir, name) == -1)
		return NULL;
	if (quiet_enoent && lstat(path, &st) == -1 && errno == ENOENT)
		return NULL;
	if ((k = sslm_key_load(path, NULL, NULL)) == NULL)
		return NULL;
	if (sslm_acme_alg(k) == NULL) {
		sslm_warnx("%s: only RSA (2048 bits or more) and EC "
		    "P-256/384/521 keys can be account keys", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *
sslm_acme_key_create(const char *dir, const char *name, int rsa)
{
	char		 path[4096], *pem = NULL;
	size_t		 len = 0;
	EVP_PKEY	*k;

	if (acct_path(path, sizeof(path), dir, name) == -1)
		return NULL;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		sslm_warn("%s", dir);
		return NULL;
	}
	k = rsa ? sslm_key_generate("rsa", NULL, 2048) :
	    sslm_key_generate("ec", "P-256", 0);
	if (k == NULL)
		return NULL;
	if (sslm_key_pem(k, &pem, &len) == -1 ||
	    sslm_create_excl(path, pem, len) == -1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	sslm_freesecret(pem, len + 1);
	return k;
}

json_t *
sslm_acme_acct_read(const char *dir, int quiet_enoent)
{
	char		 path[4096], *buf;
	size_t		 len;
	json_t		*j;
	json_error_t	 jerr;
	struct stat	 st;

	if (acct_path(path, sizeof(path), dir, "account.json") == -1)
		return NULL;
	if (quiet_enoent && stat(path, &st) == -1 && errno == ENOENT)
		return NULL;
	if ((buf = sslm_readfile(path, SSLM_ACME_BODY_MAX, &len)) == NULL)
		return NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (j == NULL || !json_is_object(j) ||
	    !json_is_string(json_object_get(j, "url")) ||
	    !json_is_string(json_object_get(j, "directory"))) {
		sslm_warnx("%s: not an account file%s%s", path,
		    j == NULL ? ": " : "", j == NULL ? jerr.text : "");
		json_decref(j);
		return NULL;
	}
	return j;
}

int
sslm_acme_acct_write(const char *dir, const json_t *acct)
{
	char	 path[4096], *s, *t;
	int	 rc;

	if (acct_path(path, sizeof(path), dir, "account.json") == -1)
		return -1;
	if ((s = json_dumps(acct, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		sslm_warnx("%s: out of memory", path);
		return -1;
	}
	if ((t = realloc(s, strlen(s) + 2)) == NULL) {
		free(s);
		sslm_warnx("%s: out of memory", path);
		return -1;
	}
	s = t;
	strcat(s, "\n");
	rc = sslm_write_file(path, s, strlen(s), 0644);
	free(s);
	return rc;
}

int
sslm_acme_login(struct sslm_acme *a, const char *dir, EVP_PKEY **key)
{
	json_t		*acct = NULL;
	const char	*d;
	int		 rc = -1;

	*key = NULL;
	if ((*key = sslm_acme_key_load(dir, "account.key", 0)) == NULL ||
	    (acct = sslm_acme_acct_read(dir, 0)) == NULL)
		goto out;
	d = json_string_value(json_object_get(acct, "directory"));
	if (strcmp(d, sslm_acme_dirurl(a)) != 0) {
		sslm_warnx("%s: the account belongs to %.200s", dir, d);
		goto out;
	}
	sslm_acme_set_key(a, *key);
	if (sslm_acme_set_kid(a, json_string_value(json_object_get(acct,
	    "url"))) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	json_decref(acct);
	return rc;
}
