/* SPDX-License-Identifier: MIT */
/*
 * tlsa.c: DANE TLSA records (RFC 6698, RFC 7671): the items of a
 * service's dane_tls list, the certificate association data of a
 * certificate or a key, and the presentation form of one record.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sslm.h"

/* Hex longer than this is written in the parenthesised multi-line form. */
#define TLSA_CHUNK	72
#define TLSA_INDENT	20

/* RFC 7218 acronyms, index = the number. */
static const char *const usages[] = { "PKIX-TA", "PKIX-EE", "DANE-TA",
	"DANE-EE" };
static const char *const selectors[] = { "Cert", "SPKI" };
static const char *const matches[] = { "Full", "SHA2-256", "SHA2-512" };

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A number 0..max or one of the n acronyms; -1 when neither. */
static int
field(const char *s, size_t len, long max, const char *const *names,
    size_t n)
{
	char	 buf[16], *end;
	long	 v;
	size_t	 i;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (isdigit((unsigned char)buf[0])) {
		errno = 0;
		v = strtol(buf, &end, 10);
		if (*end != '\0' || errno != 0 || v > max)
			return -1;
		return (int)v;
	}
	for (i = 0; i < n; i++)
		if (strcasecmp(buf, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Range checks shared by both parsers; 0 or -1 with err set. */
static int
check_item(const struct sslm_tlsa_item *it, char *err, size_t errlen)
{
	if (it->port < 1 || it->port > 65535) {
		seterr(err, errlen, "port must be 1 to 65535");
		return -1;
	}
	if (strcmp(it->proto, "tcp") != 0 && strcmp(it->proto, "udp") != 0 &&
	    strcmp(it->proto, "sctp") != 0) {
		seterr(err, errlen, "protocol must be tcp, udp or sctp");
		return -1;
	}
	if (it->usage != 2 && it->usage != 3) {
		seterr(err, errlen, "usage must be 2 (DANE-TA) or 3 (DANE-EE)");
		return -1;
	}
	if (it->selector != 0 && it->selector != 1) {
		seterr(err, errlen, "selector must be 0 (Cert) or 1 (SPKI)");
		return -1;
	}
	if (it->match < 0 || it->match > 2) {
		seterr(err, errlen, "matching type must be 0 (Full), "
		    "1 (SHA2-256) or 2 (SHA2-512)");
		return -1;
	}
	return 0;
}

static int
subtype(const char *s, size_t len)
{
	if (len == 0)
		return SSLM_TLSA_AUTO;
	if (len == 2 && strncasecmp(s, "MX", 2) == 0)
		return SSLM_TLSA_MX;
	if (len == 4 && strncasecmp(s, "SANS", 4) == 0)
		return SSLM_TLSA_SANS;
	return -1;
}

int
sslm_tlsa_parse(const char *s, struct sslm_tlsa_item *it, char *err,
    size_t errlen)
{
	const char	*f[7];
	size_t		 fl[7], nf = 0;
	const char	*p = s, *slash;
	long		 max[] = { 65535, 0, 3, 1, 2 };
	int		 v[5];
	size_t		 i;

	memset(it, 0, sizeof(*it));
	for (;;) {
		if (nf == 7)
			break;
		slash = strchr(p, '/');
		f[nf] = p;
		fl[nf] = slash != NULL ? (size_t)(slash - p) : strlen(p);
		nf++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (nf < 5 || nf > 6) {
		seterr(err, errlen, "want PORT/PROTO/USAGE/SELECTOR/MATCH"
		    "[/SUBTYPE]");
		return -1;
	}
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		v[i] = field(f[i], fl[i], max[i],
		    i == 2 ? usages : i == 3 ? selectors : matches,
		    i == 0 ? 0 : i == 2 ? 4 : i == 3 ? 2 : 3);
		if (v[i] == -1) {
			seterr(err, errlen, "bad %s '%.*s'",
			    i == 0 ? "port" : i == 2 ? "usage" :
			    i == 3 ? "selector" : "matching type",
			    (int)(fl[i] > 16 ? 16 : fl[i]), f[i]);
			return -1;
		}
	}
	if (fl[1] == 0 || fl[1] >= sizeof(it->proto)) {
		seterr(err, errlen, "protocol must be tcp, udp or sctp");
		return -1;
	}
	for (i = 0; i < fl[1]; i++)
		it->proto[i] = (char)tolower((unsigned char)f[1][i]);
	it->port = v[0];
	it->usage = v[2];
	it->selector = v[3];
	it->match = v[4];
	it->subtype = nf == 6 && fl[5] > 0 ? subtype(f[5], fl[5]) :
	    nf == 6 ? -1 : SSLM_TLSA_AUTO;
	if (it->subtype == -1) {
		seterr(err, errlen, "subtype must be MX or SANS");
		return -1;
	}
	return check_item(it, err, errlen);
}

/* An integer member of o; -1 when missing or not an integer in range. */
static int
json_int(const json_t *o, const char *key, long long max)
{
	json_t		*v = json_object_get(o, key);
	long long	 n;

	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	return n < 0 || n > max ? -1 : (int)n;
}

int
sslm_tlsa_from_json(const json_t *o, struct sslm_tlsa_item *it, char *err,
    size_t errlen)
{
	const char	*proto, *sub;
	json_t		*v;

	memset(it, 0, sizeof(*it));
	if (!json_is_object(o)) {
		seterr(err, errlen, "dane_tls item is not an object");
		return -1;
	}
	it->port = json_int(o, "port", 65535);
	it->usage = json_int(o, "usage", 3);
	it->selector = json_int(o, "selector", 1);
	it->match = json_int(o, "match_type", 2);
	v = json_object_get(o, "proto");
	proto = json_is_string(v) ? json_string_value(v) : "";
	if (strlen(proto) < sizeof(it->proto))
		snprintf(it->proto, sizeof(it->proto), "%s", proto);
	if ((v = json_object_get(o, "subtype")) == NULL)
		sub = "";
	else if (json_is_string(v))
		sub = json_string_value(v);
	else
		sub = "?";
	if ((it->subtype = subtype(sub, strlen(sub))) == -1) {
		seterr(err, errlen, "subtype must be MX or SANS");
		return -1;
	}
	return check_item(it, err, errlen);
}

int
sslm_tlsa_use_mx(const struct sslm_tlsa_item *it)
{
	if (it->subtype == SSLM_TLSA_AUTO)
		return it->port == 25;
	return it->subtype == SSLM_TLSA_MX;
}

char *
sslm_tlsa_data(X509 *cert, EVP_PKEY *key, int selector, int match)
{
	unsigned char	*der = NULL;
	size_t		 len = 0;
	char		*hex = NULL;
	EVP_PKEY	*pk;

	if (selector == 0) {
		if (cert == NULL) {
			sslm_warnx("selector 0 needs a certificate, not a "
			    "key");
			return NULL;
		}
		if (sslm_cert_der(cert, &der, &len) == -1)
			return NULL;
	} else if (key == NULL && cert != NULL) {
		/* The certificate's own bytes, not a re-encoding of its key. */
		if (sslm_cert_spki_der(cert, &der, &len) == -1)
			return NULL;
	} else {
		if ((pk = key) == NULL) {
			sslm_warnx("certificate: no usable public key");
			return NULL;
		}
		if (sslm_spki_der(pk, &der, &len) == -1)
			return NULL;
	}
	switch (match) {
	case 0:
		if ((hex = sslm_hex(der, len)) == NULL)
			sslm_warnx("tlsa data: out of memory");
		break;
	case 1:
		hex = sslm_digest_hex("SHA256", der, len);
		break;
	case 2:
		hex = sslm_digest_hex("SHA512", der, len);
		break;
	default:
		sslm_warnx("matching type %d: not supported", match);
		break;
	}
	OPENSSL_free(der);
	return hex;
}

char *
sslm_tlsa_rr(const char *owner, long ttl, const struct sslm_tlsa_item *it,
    const char *hex, int oneline)
{
	char	 ttlbuf[24], *s, *p;
	size_t	 hl = strlen(hex), nchunks, cap, i, n;

	if (ttl > 0)
		snprintf(ttlbuf, sizeof(ttlbuf), " %ld", ttl);
	else
		ttlbuf[0] = '\0';
	nchunks = (hl + TLSA_CHUNK - 1) / TLSA_CHUNK;
	cap = strlen(owner) + strlen(ttlbuf) + 64 + hl +
	    nchunks * (TLSA_INDENT + 4);
	if ((s = malloc(cap)) == NULL) {
		sslm_warn("tlsa record");
		return NULL;
	}
	if (oneline || hl < TLSA_CHUNK) {
		snprintf(s, cap, "%s%s IN TLSA %d %d %d %s\n", owner, ttlbuf,
		    it->usage, it->selector, it->match, hex);
		return s;
	}
	/*
	 * ssl-mgr's multi-line form: the parenthesis opens before the
	 * numbers and closes after the last chunk, so every continuation
	 * line is inside it.
	 */
	p = s + snprintf(s, cap, "%s%s IN TLSA ( %d %d %d\n", owner, ttlbuf,
	    it->usage, it->selector, it->match);
	for (i = 0; i < hl; i += TLSA_CHUNK) {
		n = hl - i < TLSA_CHUNK ? hl - i : TLSA_CHUNK;
		memset(p, ' ', TLSA_INDENT);
		p += TLSA_INDENT;
		memcpy(p, hex + i, n);
		p += n;
		if (i + n == hl) {
			memcpy(p, " )", 2);
			p += 2;
		}
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}
