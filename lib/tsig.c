/* SPDX-License-Identifier: MIT */
/*
 * tsig.c: RFC 8945 transaction signatures for the RFC 2136 updates of
 * sslm-dnsupdate: TSIG key files (refused unless private to the caller),
 * signing a message and verifying the signed answer.
 *
 * Every buffer that held the secret is wiped; it never appears in a
 * message.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sslm.h"

#define DNS_MSG_MAX	65535	/* a DNS message */
#define TSIG_FILE_MAX	4096	/* a TSIG key file */
#define TSIG_FUDGE	300	/* seconds of clock skew allowed */
#define TSIG_TYPE	250
#define CLASS_ANY	255

/* The uncompressed, lower-case wire form of name (no final dot needed)
 * into out (at least 256 bytes); its length, or 0 when invalid. */
static size_t
name_wire(const char *name, unsigned char *out)
{
	const char	*p = name, *dot;
	size_t		 n, o = 0, i;

	if (*p == '\0' || strcmp(p, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63 || o + n + 2 > 255)
			return 0;
		out[o++] = (unsigned char)n;
		for (i = 0; i < n; i++)
			out[o++] = (unsigned char)tolower((unsigned char)p[i]);
		p += n;
		if (*p == '.')
			p++;
	}
	out[o++] = 0;
	return o;
}

static const char *
tsig_digest(const char *alg)
{
	if (strcmp(alg, "hmac-sha256") == 0)
		return "SHA256";
	if (strcmp(alg, "hmac-sha512") == 0)
		return "SHA512";
	return NULL;
}

/* Split buf into tokens at blanks and at { } ; " : (# comments skipped;
 * not //, a base64 secret may start with it); at most max tokens.
 * Returns the count, or -1: too many. */
static int
tsig_tokens(char *buf, char **tok, int max)
{
	char	*p = buf;
	int	 n = 0;

	while (*p != '\0') {
		if (*p == '#') {
			while (*p != '\0' && *p != '\n')
				*p++ = ' ';
			continue;
		}
		if (strchr(" \t\r\n{};\":", *p) != NULL) {
			*p++ = '\0';
			continue;
		}
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p != '\0' && strchr(" \t\r\n{};\":#", *p) == NULL)
			p++;
	}
	return n;
}

/* base64 secret into t->secret.  0 or -1. */
static int
tsig_b64(const char *b, struct sslm_tsig *t)
{
	unsigned char	 tmp[SSLM_TSIG_KEY_MAX + 3];
	size_t		 n = strlen(b), pad = 0;
	int		 r, rc = -1;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(tmp))
		goto out;
	if (b[n - 1] == '=')
		pad++;
	if (b[n - 2] == '=')
		pad++;
	if ((r = EVP_DecodeBlock(tmp, (const unsigned char *)b, (int)n)) < 0 ||
	    (size_t)r < pad || (size_t)r - pad == 0 ||
	    (size_t)r - pad > SSLM_TSIG_KEY_MAX)
		goto out;
	t->secretlen = (size_t)r - pad;
	memcpy(t->secret, tmp, t->secretlen);
	rc = 0;
out:
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

void
sslm_tsig_clear(struct sslm_tsig *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
}

int
sslm_tsig_load(const char *path, struct sslm_tsig *t)
{
	struct stat	 st;
	char		 buf[TSIG_FILE_MAX + 1];
	char		*tok[16], *name = NULL, *alg = NULL, *sec = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, n, i, rc = -1;

	memset(t, 0, sizeof(*t));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP)
			sslm_warnx("%s: a symbolic link, not a regular file",
			    path);
		else
			sslm_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		sslm_warn("%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		sslm_warnx("%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		sslm_warnx("%s: mode %03o: group or others may access it "
		    "(chmod 600)", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		sslm_warnx("%s: owned by uid %u, not by the caller", path,
		    (unsigned)st.st_uid);
		goto out;
	}
	for (;;) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			sslm_warn("%s", path);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1) {
			sslm_warnx("%s: larger than %d bytes", path,
			    TSIG_FILE_MAX - 1);
			goto out;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL ||
	    (n = tsig_tokens(buf, tok, 16)) == -1) {
		sslm_warnx("%s: not a TSIG key file", path);
		goto out;
	}
	if (n == 3) {
		/* name algorithm secret */
		name = tok[0];
		alg = tok[1];
		sec = tok[2];
	} else if (n > 0 && strcmp(tok[0], "key") == 0) {
		/* BIND: key "name" { algorithm A; secret "S"; };
		 * Knot: key: - id: name algorithm: A secret: S */
		for (i = 1; i < n; i++) {
			if (strcmp(tok[i], "-") == 0)
				continue;
			if (strcmp(tok[i], "key") == 0)
				break;
			if (i + 1 < n && strcmp(tok[i], "algorithm") == 0)
				alg = tok[++i];
			else if (i + 1 < n && strcmp(tok[i], "secret") == 0)
				sec = tok[++i];
			else if (i + 1 < n && strcmp(tok[i], "id") == 0 &&
			    name == NULL)
				name = tok[++i];
			else if (name == NULL && i == 1)
				name = tok[i];
			else
				break;
		}
		if (i < n) {
			sslm_warnx("%s: one key expected, in the form "
			    "\"name algorithm secret\" or BIND or Knot syntax",
			    path);
			goto out;
		}
	}
	if (name == NULL || alg == NULL || sec == NULL) {
		sslm_warnx("%s: no key name, algorithm and secret found", path);
		goto out;
	}
	if (sslm_dns_name_norm(t->name, sizeof(t->name), name) == -1 ||
	    !sslm_dns_valid_owner(t->name)) {
		sslm_warnx("%s: not a valid key name", path);
		goto out;
	}
	if (sslm_dns_name_norm(t->alg, sizeof(t->alg), alg) == -1 ||
	    tsig_digest(t->alg) == NULL) {
		sslm_warnx("%s: algorithm not hmac-sha256 or hmac-sha512",
		    path);
		goto out;
	}
	if (tsig_b64(sec, t) == -1) {
		sslm_warnx("%s: secret is not base64 of 1 to %d bytes", path,
		    SSLM_TSIG_KEY_MAX);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	if (rc == -1)
		sslm_tsig_clear(t);
	return rc;
}

/* The HMAC of the parts (pointer, length; NULL ends) with t's secret. */
static int
tsig_hmac(const struct sslm_tsig *t, unsigned char *mac, size_t *maclen,
    ...)
{
	EVP_MAC		*m = NULL;
	EVP_MAC_CTX	*c = NULL;
	OSSL_PARAM	 par[2];
	va_list		 ap;
	const unsigned char *p;
	size_t		 n;
	int		 rc = -1;

	par[0] = OSSL_PARAM_construct_utf8_string("digest",
	    (char *)tsig_digest(t->alg), 0);
	par[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (c = EVP_MAC_CTX_new(m)) == NULL ||
	    !EVP_MAC_init(c, t->secret, t->secretlen, par))
		goto out;
	va_start(ap, maclen);
	while ((p = va_arg(ap, const unsigned char *)) != NULL) {
		n = va_arg(ap, size_t);
		if (!EVP_MAC_update(c, p, n)) {
			va_end(ap);
			goto out;
		}
	}
	va_end(ap);
	if (!EVP_MAC_final(c, mac, maclen, SSLM_TSIG_MAC_MAX))
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	return rc;
}

/* TSIG variables after the names: time signed, fudge, error, other. */
static size_t
tsig_timers(unsigned char *p, uint64_t now, unsigned fudge, unsigned error,
    const unsigned char *other, size_t otherlen)
{
	size_t	 o = 0;

	p[o++] = (unsigned char)(now >> 40);
	p[o++] = (unsigned char)(now >> 32);
	p[o++] = (unsigned char)(now >> 24);
	p[o++] = (unsigned char)(now >> 16);
	p[o++] = (unsigned char)(now >> 8);
	p[o++] = (unsigned char)now;
	p[o++] = (unsigned char)(fudge >> 8);
	p[o++] = (unsigned char)fudge;
	p[o++] = (unsigned char)(error >> 8);
	p[o++] = (unsigned char)error;
	p[o++] = (unsigned char)(otherlen >> 8);
	p[o++] = (unsigned char)otherlen;
	if (otherlen > 0)
		memcpy(p + o, other, otherlen);
	return o + otherlen;
}

int
sslm_tsig_sign(const struct sslm_tsig *t, unsigned char **wire, size_t *len,
    time_t now, unsigned char *mac, size_t *maclen)
{
	unsigned char	 kn[256], an[256], var[32], *w = NULL;
	size_t		 knl, anl, varl, o, rdl;
	unsigned	 ar;
	int		 rc = -1;

	if ((knl = name_wire(t->name, kn)) == 0 ||
	    (anl = name_wire(t->alg, an)) == 0 || *len < 12)
		goto out;
	varl = tsig_timers(var, (uint64_t)now, TSIG_FUDGE, 0, NULL, 0);
	/* class ANY, TTL 0 between the key name and the algorithm */
	if (tsig_hmac(t, mac, maclen, *wire, *len, kn, knl,
	    (const unsigned char *)"\0\377\0\0\0\0", (size_t)6, an, anl,
	    var, varl, NULL) == -1)
		goto out;
	rdl = anl + 10 + *maclen + 6;
	if (*len + knl + 10 + rdl > DNS_MSG_MAX ||
	    (w = realloc(*wire, *len + knl + 10 + rdl)) == NULL)
		goto out;
	*wire = w;
	o = *len;
	memcpy(w + o, kn, knl);
	o += knl;
	w[o++] = TSIG_TYPE >> 8;
	w[o++] = TSIG_TYPE & 0xff;
	w[o++] = 0;
	w[o++] = CLASS_ANY;
	memset(w + o, 0, 4);
	o += 4;
	w[o++] = (unsigned char)(rdl >> 8);
	w[o++] = (unsigned char)rdl;
	memcpy(w + o, an, anl);
	o += anl;
	memcpy(w + o, var, 8);		/* time signed, fudge */
	o += 8;
	w[o++] = (unsigned char)(*maclen >> 8);
	w[o++] = (unsigned char)*maclen;
	memcpy(w + o, mac, *maclen);
	o += *maclen;
	w[o++] = w[0];			/* original id */
	w[o++] = w[1];
	memset(w + o, 0, 4);		/* error, other length */
	o += 4;
	ar = (unsigned)w[10] << 8 | w[11];
	ar++;
	w[10] = (unsigned char)(ar >> 8);
	w[11] = (unsigned char)ar;
	*len = o;
	rc = 0;
out:
	if (rc == -1)
		sslm_warnx("tsig: cannot sign the message");
	return rc;
}

/* Skip a (possibly compressed) name at *o in m.  0 or -1. */
static int
skip_name(const unsigned char *m, size_t len, size_t *o)
{
	size_t	 n;

	for (;;) {
		if (*o >= len)
			return -1;
		n = m[*o];
		if ((n & 0xc0) == 0xc0) {
			*o += 2;
			return *o <= len ? 0 : -1;
		}
		if (n & 0xc0)
			return -1;
		*o += n + 1;
		if (n == 0)
			return 0;
	}
}

/* Offset of the last RR of m (where a TSIG must be), or 0. */
static size_t
last_rr(const unsigned char *m, size_t len)
{
	size_t	 o = 12, last = 0, i, n, rdl;

	if (len < 12)
		return 0;
	n = (size_t)(m[4] << 8 | m[5]);
	for (i = 0; i < n; i++)
		if (skip_name(m, len, &o) == -1 || (o += 4) > len)
			return 0;
	n = (size_t)(m[6] << 8 | m[7]) + (size_t)(m[8] << 8 | m[9]) +
	    (size_t)(m[10] << 8 | m[11]);
	for (i = 0; i < n; i++) {
		last = o;
		if (skip_name(m, len, &o) == -1 || o + 10 > len)
			return 0;
		rdl = (size_t)(m[o + 8] << 8 | m[o + 9]);
		o += 10 + rdl;
		if (o > len)
			return 0;
	}
	return o == len ? last : 0;
}

const char *
sslm_tsig_error_name(int e, char *buf, size_t len)
{
	static const char *const names[] = { "BADSIG", "BADKEY", "BADTIME",
	    "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE" };

	if (e >= 16 && e <= 23)
		snprintf(buf, len, "%s", names[e - 16]);
	else
		snprintf(buf, len, "%d", e);
	return buf;
}

int
sslm_tsig_verify(const struct sslm_tsig *t, const unsigned char *reqmac,
    size_t reqmaclen, const unsigned char *m, size_t len, time_t now,
    int *tsigerr, char *err, size_t errlen)
{
	ldns_pkt	*p = NULL;
	ldns_rr		*rr;
	ldns_rdf	*kn_rdf = NULL, *d;
	unsigned char	 kn[256], an[256], *copy = NULL, var[32 + 512];
	unsigned char	 pre[2], mymac[SSLM_TSIG_MAC_MAX];
	char		 alg[32];
	size_t		 knl, anl, at, varl, mymaclen = 0, maclen;
	uint64_t	 signed_at = 0;
	unsigned	 fudge, error, ar;
	int		 i, rc = 0;

	*tsigerr = 0;
	if (ldns_wire2pkt(&p, m, len) != LDNS_STATUS_OK) {
		p = NULL;
		snprintf(err, errlen, "malformed answer");
		goto out;
	}
	if ((rr = ldns_pkt_tsig(p)) == NULL || (at = last_rr(m, len)) == 0) {
		snprintf(err, errlen, "answer not signed");
		goto out;
	}
	if (ldns_rr_rd_count(rr) != 7 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 1)) != 6 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 3)) < 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 5)) != 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 6)) < 2 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 6)) > 2 + 512) {
		snprintf(err, errlen, "malformed tsig in the answer");
		goto out;
	}
	error = ldns_rdf2native_int16(ldns_rr_rdf(rr, 5));
	if (error != 0) {
		*tsigerr = (int)error;
		snprintf(err, errlen, "tsig error %s",
		    sslm_tsig_error_name((int)error, alg, sizeof(alg)));
		goto out;
	}
	knl = name_wire(t->name, kn);
	anl = name_wire(t->alg, an);
	if ((kn_rdf = ldns_dname_new_frm_data((uint16_t)knl, kn)) == NULL ||
	    ldns_dname_compare(ldns_rr_owner(rr), kn_rdf) != 0) {
		snprintf(err, errlen, "answer signed with another key");
		goto out;
	}
	ldns_rdf_deep_free(kn_rdf);
	kn_rdf = NULL;
	if ((kn_rdf = ldns_dname_new_frm_data((uint16_t)anl, an)) == NULL ||
	    ldns_dname_compare(ldns_rr_rdf(rr, 0), kn_rdf) != 0) {
		snprintf(err, errlen, "answer signed with another algorithm");
		goto out;
	}
	d = ldns_rr_rdf(rr, 1);
	for (i = 0; i < 6; i++)
		signed_at = signed_at << 8 | ldns_rdf_data(d)[i];
	fudge = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
	d = ldns_rr_rdf(rr, 3);
	maclen = ldns_rdf_size(d) - 2;
	d = ldns_rr_rdf(rr, 6);
	varl = tsig_timers(var, signed_at, fudge, 0, ldns_rdf_data(d) + 2,
	    ldns_rdf_size(d) - 2);
	/* The answer without its TSIG, ARCOUNT one less, original id. */
	if ((copy = malloc(at)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	memcpy(copy, m, at);
	ar = (unsigned)copy[10] << 8 | copy[11];
	ar--;
	copy[10] = (unsigned char)(ar >> 8);
	copy[11] = (unsigned char)ar;
	d = ldns_rr_rdf(rr, 4);
	memcpy(copy, ldns_rdf_data(d), 2);
	pre[0] = (unsigned char)(reqmaclen >> 8);
	pre[1] = (unsigned char)reqmaclen;
	if (tsig_hmac(t, mymac, &mymaclen, pre, (size_t)2, reqmac, reqmaclen,
	    copy, at, kn, knl, (const unsigned char *)"\0\377\0\0\0\0",
	    (size_t)6, an, anl, var, varl, NULL) == -1) {
		snprintf(err, errlen, "hmac failed");
		rc = -1;
		goto out;
	}
	if (maclen != mymaclen || CRYPTO_memcmp(mymac,
	    ldns_rdf_data(ldns_rr_rdf(rr, 3)) + 2, maclen) != 0) {
		snprintf(err, errlen, "tsig of the answer does not verify");
		goto out;
	}
	if ((uint64_t)now + fudge < signed_at ||
	    signed_at + fudge < (uint64_t)now) {
		snprintf(err, errlen, "tsig time of the answer out of range");
		goto out;
	}
	rc = 1;
out:
	OPENSSL_cleanse(mymac, sizeof(mymac));
	ldns_rdf_deep_free(kn_rdf);
	free(copy);
	ldns_pkt_free(p);
	return rc;
}
