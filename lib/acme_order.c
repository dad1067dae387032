/* SPDX-License-Identifier: MIT */
/*
 * acme_order.c: what an ACME order names: the identifiers of a CSR
 * (RFC 8555 7.1.3, RFC 8738 for IP addresses), whether a server's
 * identifiers are those, the first certificate of a PEM file and the
 * RFC 9773 certificate identifier of a certificate.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* ---- orders: identifiers, the certificate identifier ---------------- */

/* Append {type, value} unless already there. */
static int
ident_push(json_t *arr, const char *type, const char *value)
{
	size_t	 i;
	json_t	*o;

	for (i = 0; i < json_array_size(arr); i++) {
		o = json_array_get(arr, i);
		if (strcmp(json_string_value(json_object_get(o, "type")),
		    type) == 0 && strcmp(json_string_value(json_object_get(o,
		    "value")), value) == 0)
			return 0;
	}
	return json_array_append_new(arr, json_pack("{s:s, s:s}", "type",
	    type, "value", value));
}

/* An identifier of a name given as text (DNS name, wildcard, IP). */
static int
ident_text(json_t *arr, const char *s, const char *what)
{
	char	 low[256];
	size_t	 i;

	if (strlen(s) >= sizeof(low)) {
		sslm_warnx("%s: name too long", what);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	if (sslm_ip_literal(low) != 0)
		return ident_push(arr, "ip", low);
	if (!sslm_valid_hostname(low, 1)) {
		sslm_warnx("%s: %.100s: not a DNS name or IP address", what, s);
		return -1;
	}
	return ident_push(arr, "dns", low);
}

json_t *
sslm_acme_csr_idents(X509_REQ *req, const char *what)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES	*gens = NULL;
	GENERAL_NAME	*g;
	X509_NAME_ENTRY	*ne;
	ASN1_STRING	*cn;
	json_t		*arr;
	char		 buf[256], ip[64];
	int		 i, n, idx;

	if ((arr = json_array()) == NULL)
		return NULL;
	exts = X509_REQ_get_extensions(req);
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			cn = g->d.dNSName;
			if (ASN1_STRING_length(cn) >= (int)sizeof(buf) ||
			    memchr(ASN1_STRING_get0_data(cn), '\0',
			    (size_t)ASN1_STRING_length(cn)) != NULL) {
				sslm_warnx("%s: bad dNSName", what);
				goto fail;
			}
			memcpy(buf, ASN1_STRING_get0_data(cn),
			    (size_t)ASN1_STRING_length(cn));
			buf[ASN1_STRING_length(cn)] = '\0';
			if (ident_text(arr, buf, what) == -1)
				goto fail;
		} else if (g->type == GEN_IPADD) {
			cn = g->d.iPAddress;
			if (ASN1_STRING_length(cn) != 4 &&
			    ASN1_STRING_length(cn) != 16) {
				sslm_warnx("%s: bad iPAddress", what);
				goto fail;
			}
			/* RFC 8738: the textual form (RFC 5952 for v6) */
			if (inet_ntop(ASN1_STRING_length(cn) == 4 ? AF_INET :
			    AF_INET6, ASN1_STRING_get0_data(cn), ip,
			    sizeof(ip)) == NULL ||
			    ident_push(arr, "ip", ip) == -1)
				goto fail;
		} else {
			sslm_warnx("%s: only DNS and IP subject alternative "
			    "names can be ordered", what);
			goto fail;
		}
	}
	/* a common name is an identifier too (RFC 8555 7.4) */
	idx = X509_NAME_get_index_by_NID(X509_REQ_get_subject_name(req),
	    NID_commonName, -1);
	if (idx >= 0) {
		ne = X509_NAME_get_entry(X509_REQ_get_subject_name(req), idx);
		cn = X509_NAME_ENTRY_get_data(ne);
		if (ASN1_STRING_length(cn) > 0 &&
		    ASN1_STRING_length(cn) < (int)sizeof(buf)) {
			memcpy(buf, ASN1_STRING_get0_data(cn),
			    (size_t)ASN1_STRING_length(cn));
			buf[ASN1_STRING_length(cn)] = '\0';
			if (memchr(buf, '\0', (size_t)ASN1_STRING_length(cn)) ==
			    NULL && ident_text(arr, buf, what) == -1)
				goto fail;
		}
	}
	if (json_array_size(arr) == 0) {
		sslm_warnx("%s: no DNS name or IP address to order", what);
		goto fail;
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return arr;
fail:
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	json_decref(arr);
	return NULL;
}

/* Are two IP literals the same address? */
static int
same_ip(const char *x, const char *y)
{
	unsigned char	a[16], b[16];
	int		f;

	f = strchr(x, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(f, x, a) != 1 || inet_pton(f, y, b) != 1)
		return 0;
	return memcmp(a, b, f == AF_INET ? 4 : 16) == 0;
}

int
sslm_acme_ident_index(const json_t *asked, const char *type,
    const char *value, int wild)
{
	const json_t	*o;
	const char	*at, *av;
	size_t		 i;

	if (type == NULL || value == NULL)
		return -1;
	for (i = 0; i < json_array_size(asked); i++) {
		o = json_array_get(asked, i);
		at = json_string_value(json_object_get(o, "type"));
		av = json_string_value(json_object_get(o, "value"));
		if (at == NULL || av == NULL || strcmp(at, type) != 0)
			continue;
		if (strcmp(at, "ip") == 0) {
			if (wild != 1 && same_ip(av, value))
				return (int)i;
			continue;
		}
		if (wild == 1) {
			if (strncmp(av, "*.", 2) == 0 &&
			    strcasecmp(av + 2, value) == 0)
				return (int)i;
		} else if (wild == 0 && strncmp(av, "*.", 2) == 0)
			continue;
		else if (strcasecmp(av, value) == 0)
			return (int)i;
	}
	return -1;
}

int
sslm_acme_idents_same(const json_t *asked, const json_t *got,
    const char *where)
{
	const json_t	*o;
	const char	*t, *v;
	char		 tb[16], vb[80], *seen = NULL;
	size_t		 i, n;
	int		 k, rc = -1;

	n = json_array_size(asked);
	if (!json_is_array(got) || json_array_size(got) != n) {
		sslm_warnx("%s: the order names %zu identifiers, %zu were "
		    "asked for", where, json_array_size(got), n);
		return -1;
	}
	if ((seen = calloc(n + 1, 1)) == NULL) {
		sslm_warn("%s", where);
		return -1;
	}
	for (i = 0; i < n; i++) {
		o = json_array_get(got, i);
		t = json_string_value(json_object_get(o, "type"));
		v = json_string_value(json_object_get(o, "value"));
		sslm_msgstr(tb, sizeof(tb), t);
		sslm_msgstr(vb, sizeof(vb), v);
		if ((k = sslm_acme_ident_index(asked, t, v, -1)) == -1) {
			sslm_warnx("%s: the order names %s %s, which was not "
			    "asked for", where, tb, vb);
			goto out;
		}
		if (seen[k]++) {
			sslm_warnx("%s: the order names %s %s twice", where,
			    tb, vb);
			goto out;
		}
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

char *
sslm_acme_cert_id(X509 *x, const char *what)
{
	const ASN1_OCTET_STRING	*kid = NULL;
	const ASN1_INTEGER	*serial;
	unsigned char		*der = NULL;
	const unsigned char	*p;
	char			*a = NULL, *b = NULL, *out = NULL;
	long			 len;
	int			 n, tag, cls;

	/* RFC 9773 4.1: AKI keyIdentifier "." serial (DER content octets) */
	kid = X509_get0_authority_key_id(x);
	if (kid == NULL || ASN1_STRING_length(kid) <= 0) {
		sslm_warnx("%s: no authority key identifier", what);
		return NULL;
	}
	serial = X509_get0_serialNumber(x);
	if ((n = i2d_ASN1_INTEGER(serial, &der)) <= 0)
		goto out;
	p = der;
	if (ASN1_get_object(&p, &len, &tag, &cls, n) & 0x80 || len <= 0)
		goto out;
	if ((a = sslm_b64url(ASN1_STRING_get0_data(kid),
	    (size_t)ASN1_STRING_length(kid))) == NULL ||
	    (b = sslm_b64url(p, (size_t)len)) == NULL ||
	    asprintf(&out, "%s.%s", a, b) == -1)
		out = NULL;
out:
	if (out == NULL)
		sslm_warnx("%s: cannot make the certificate identifier", what);
	free(a);
	free(b);
	OPENSSL_free(der);
	return out;
}
