/* SPDX-License-Identifier: MIT */
/*
 * info.c: facts about PEM objects (certificates, CSRs, keys, DH
 * parameters) as JSON, and the ssl-mgr style summary text made from those
 * facts.  Private keys only ever yield their public half: no function here
 * reads or prints a private component.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

#define RULE	"-----------------------------------------------------------" \
		"-----------"

/* Add a new reference v under key k; 0 or -1 (v is consumed). */
static int
put(json_t *o, const char *k, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, k, v) == 0 ? 0 : -1;
}

/* A string, or null when s is NULL; s is freed. */
static json_t *
take_str(char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	free(s);
	return j;
}

char *
sslm_info_name(const X509_NAME *n)
{
	BIO	*bio;
	BUF_MEM	*bm;
	char	*s = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	/*
	 * XN_FLAG_RFC2253 escapes control characters and every byte above
	 * 0x7f, so the result is printable ASCII and valid JSON text.
	 */
	if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253) >= 0) {
		BIO_get_mem_ptr(bio, &bm);
		if ((s = malloc(bm->length + 1)) != NULL) {
			memcpy(s, bm->data, bm->length);
			s[bm->length] = '\0';
		}
	}
	BIO_free(bio);
	return s;
}

/* Printable ASCII copy of n bytes: other bytes become "\XX" (RFC 4514). */
static char *
escape(const unsigned char *p, size_t n)
{
	static const char	 hx[] = "0123456789ABCDEF";
	char			*s, *q;
	size_t			 i;

	if ((s = malloc(3 * n + 1)) == NULL)
		return NULL;
	for (q = s, i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			*q++ = (char)p[i];
		else {
			*q++ = '\\';
			*q++ = hx[p[i] >> 4];
			*q++ = hx[p[i] & 0xf];
		}
	}
	*q = '\0';
	return s;
}

/* {"dns": [...], "ip": [...]} of a GeneralNames (NULL: both empty). */
static json_t *
sans_json(const GENERAL_NAMES *gn)
{
	json_t			*o, *dns, *ip;
	const GENERAL_NAME	*g;
	const ASN1_STRING	*a;
	char			 buf[INET6_ADDRSTRLEN];
	int			 i, af;

	o = json_object();
	dns = json_array();
	ip = json_array();
	if (o == NULL || dns == NULL || ip == NULL)
		goto fail;
	for (i = 0; i < sk_GENERAL_NAME_num(gn); i++) {
		g = sk_GENERAL_NAME_value(gn, i);
		if (g->type == GEN_DNS) {
			a = g->d.dNSName;
			if (json_array_append_new(dns, take_str(escape(
			    ASN1_STRING_get0_data(a),
			    (size_t)ASN1_STRING_length(a)))) == -1)
				goto fail;
		} else if (g->type == GEN_IPADD) {
			a = g->d.iPAddress;
			af = ASN1_STRING_length(a) == 4 ? AF_INET :
			    ASN1_STRING_length(a) == 16 ? AF_INET6 : 0;
			if (af == 0 || inet_ntop(af, ASN1_STRING_get0_data(a),
			    buf, sizeof(buf)) == NULL)
				snprintf(buf, sizeof(buf), "invalid");
			if (json_array_append_new(ip, json_string(buf)) == -1)
				goto fail;
		}
	}
	if (json_object_set_new(o, "dns", dns) == -1) {
		dns = NULL;
		goto fail;
	}
	dns = NULL;
	if (json_object_set_new(o, "ip", ip) == -1) {
		ip = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(dns);
	json_decref(ip);
	json_decref(o);
	return NULL;
}

/* Our name of a key type: "ec", "rsa", "ed25519", ... */
static void
key_type(const EVP_PKEY *k, char *buf, size_t len)
{
	const char	*t = NULL;
	size_t		 i;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_EC:
		t = "ec";
		break;
	case EVP_PKEY_RSA:
		t = "rsa";
		break;
	case EVP_PKEY_RSA_PSS:
		t = "rsa-pss";
		break;
	case EVP_PKEY_DSA:
		t = "dsa";
		break;
	default:
		t = EVP_PKEY_get0_type_name(k);
		break;
	}
	snprintf(buf, len, "%s", t != NULL ? t : "unknown");
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

json_t *
sslm_info_keydesc(const EVP_PKEY *k)
{
	json_t		*o;
	const char	*nist;
	char		 t[64], g[80];
	size_t		 gl = 0;
	int		 nid;

	key_type(k, t, sizeof(t));
	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "type", json_string(t)) == -1 ||
	    put(o, "bits", json_integer(EVP_PKEY_get_bits(k))) == -1)
		goto fail;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		if (!EVP_PKEY_get_group_name(k, g, sizeof(g), &gl)) {
			/* Explicit curve parameters: no name. */
			ERR_clear_error();
			if (put(o, "curve", json_null()) == -1)
				goto fail;
			return o;
		}
		nid = OBJ_sn2nid(g);
		if (nid == NID_undef)
			nid = OBJ_ln2nid(g);
		nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
		if (put(o, "curve", json_string(nist != NULL ? nist : g)) ==
		    -1)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* SHA-256 of DER (freed here) as a JSON string; NULL when der is. */
static json_t *
der_sha256(unsigned char *der, size_t len)
{
	char	*h;

	if (der == NULL)
		return NULL;
	h = sslm_digest_hex("SHA256", der, len);
	OPENSSL_free(der);
	return h != NULL ? take_str(h) : NULL;
}

/* SHA-256 of the DER SubjectPublicKeyInfo of k, as a JSON string. */
static json_t *
spki_sha256(EVP_PKEY *k)
{
	unsigned char	*der = NULL;
	size_t		 len = 0;

	if (sslm_spki_der(k, &der, &len) == -1)
		return NULL;
	return der_sha256(der, len);
}

/*
 * The same of the SubjectPublicKeyInfo x carries, serialized from its
 * parsed fields: no key encoder (OpenSSL 3 looks one up for every key,
 * the dearest step of reading a certificate), the same DER.
 */
static json_t *
cert_spki_sha256(X509 *x)
{
	unsigned char	*der = NULL;
	size_t		 len = 0;

	if (sslm_cert_spki_der(x, &der, &len) == -1)
		return NULL;
	return der_sha256(der, len);
}

json_t *
sslm_info_key(EVP_PKEY *k, int private)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "type", json_string(private ? "private_key" :
	    "public_key")) == -1 ||
	    put(o, "key", sslm_info_keydesc(k)) == -1 ||
	    put(o, "spki_sha256", spki_sha256(k)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Lower-case hex of an ASN1_INTEGER, no leading zeros, "0" for zero. */
static char *
serial_hex(const ASN1_INTEGER *ai)
{
	BIGNUM	*bn;
	char	*h, *s = NULL, *p;
	int	 neg;

	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL)
		return NULL;
	if ((h = BN_bn2hex(bn)) == NULL)
		goto out;
	neg = h[0] == '-';
	for (p = h + neg; p[0] == '0' && p[1] != '\0'; p++)
		;
	if ((s = malloc(strlen(p) + 2)) == NULL)
		goto out;
	snprintf(s, strlen(p) + 2, "%s%s", neg ? "-" : "", p);
	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
out:
	OPENSSL_free(h);
	BN_free(bn);
	return s;
}

/* A key identifier as hex, or null. */
static json_t *
keyid(const ASN1_OCTET_STRING *id)
{
	if (id == NULL)
		return json_null();
	return take_str(sslm_hex(ASN1_STRING_get0_data(id),
	    (size_t)ASN1_STRING_length(id)));
}

/* Short names of the extended key usages ([] without the extension). */
static json_t *
eku_json(X509 *x)
{
	EXTENDED_KEY_USAGE	*eku;
	const ASN1_OBJECT	*obj;
	json_t			*a;
	char			 buf[128];
	int			 i, nid;

	if ((a = json_array()) == NULL)
		return NULL;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		obj = sk_ASN1_OBJECT_value(eku, i);
		if ((nid = OBJ_obj2nid(obj)) != NID_undef)
			snprintf(buf, sizeof(buf), "%s", OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(buf, sizeof(buf), obj, 1) <= 0)
			snprintf(buf, sizeof(buf), "unknown");
		if (json_array_append_new(a, json_string(buf)) == -1) {
			json_decref(a);
			a = NULL;
			break;
		}
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return a;
}

/* An ASN1_TIME as "YYYY-MM-DDTHH:MM:SSZ"; -1 when it does not parse. */
static json_t *
time_json(const ASN1_TIME *t, time_t *out)
{
	char buf[32];

	if (sslm_asn1_time(t, out) == -1)
		return NULL;
	sslm_fmt_time(*out, buf, sizeof(buf));
	return json_string(buf);
}

/* The signature algorithm's long name. */
static json_t *
sigalg_json(int nid)
{
	const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;

	return json_string(ln != NULL ? ln : "unknown");
}

/* lifetime_days: an integer when whole, else a real. */
static json_t *
days_json(long long secs)
{
	if (secs % 86400 == 0)
		return json_integer(secs / 86400);
	return json_real((double)secs / 86400.0);
}

json_t *
sslm_info_cert(X509 *x, time_t now)
{
	json_t		*o;
	GENERAL_NAMES	*gn;
	EVP_PKEY	*pk;
	unsigned char	*der = NULL;
	size_t		 len;
	time_t		 nb = 0, na = 0;
	int		 rc = -1;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "type", json_string("certificate")) == -1 ||
	    put(o, "subject", take_str(sslm_info_name(
	    X509_get_subject_name(x)))) == -1 ||
	    put(o, "issuer", take_str(sslm_info_name(
	    X509_get_issuer_name(x)))) == -1 ||
	    put(o, "serial", take_str(serial_hex(
	    X509_get0_serialNumber(x)))) == -1)
		goto out;
	if (put(o, "not_before", time_json(X509_get0_notBefore(x), &nb)) ==
	    -1 ||
	    put(o, "not_after", time_json(X509_get0_notAfter(x), &na)) == -1) {
		sslm_warnx("certificate: validity dates do not parse");
		goto out;
	}
	if (put(o, "lifetime_days", days_json((long long)na - nb)) == -1 ||
	    put(o, "seconds_left", json_integer((json_int_t)(na - now))) ==
	    -1)
		goto out;
	gn = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	rc = put(o, "sans", sans_json(gn));
	GENERAL_NAMES_free(gn);
	if (rc == -1)
		goto out;
	rc = -1;
	if ((pk = X509_get0_pubkey(x)) == NULL) {
		sslm_warnx("certificate: public key: %s", sslm_ossl_reason());
		goto out;
	}
	if (put(o, "key", sslm_info_keydesc(pk)) == -1 ||
	    put(o, "sig_alg", sigalg_json(X509_get_signature_nid(x))) == -1)
		goto out;
	if (sslm_cert_der(x, &der, &len) == -1 ||
	    put(o, "sha256", take_str(sslm_digest_hex("SHA256", der,
	    len))) == -1 ||
	    put(o, "spki_sha256", cert_spki_sha256(x)) == -1)
		goto out;
	if (put(o, "ski", keyid(X509_get0_subject_key_id(x))) == -1 ||
	    put(o, "aki", keyid(X509_get0_authority_key_id(x))) == -1 ||
	    put(o, "eku", eku_json(x)) == -1 ||
	    put(o, "is_ca", json_boolean((X509_get_extension_flags(x) &
	    EXFLAG_CA) != 0)) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_free(der);
	if (rc == -1) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *
sslm_info_csr(X509_REQ *r)
{
	json_t				*o;
	STACK_OF(X509_EXTENSION)	*exts;
	GENERAL_NAMES			*gn = NULL;
	EVP_PKEY			*pk;
	int				 i, rc = -1, ok;

	if ((o = json_object()) == NULL)
		return NULL;
	exts = X509_REQ_get_extensions(r);
	for (i = 0; gn == NULL && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) ==
		    NID_subject_alt_name)
			gn = X509V3_EXT_d2i(e);
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if ((pk = X509_REQ_get0_pubkey(r)) == NULL) {
		sslm_warnx("certificate request: public key: %s",
		    sslm_ossl_reason());
		goto out;
	}
	ok = X509_REQ_verify(r, pk) == 1;
	ERR_clear_error();
	if (put(o, "type", json_string("csr")) == -1 ||
	    put(o, "subject", take_str(sslm_info_name(
	    X509_REQ_get_subject_name(r)))) == -1 ||
	    put(o, "sans", sans_json(gn)) == -1 ||
	    put(o, "key", sslm_info_keydesc(pk)) == -1 ||
	    put(o, "sig_alg", sigalg_json(X509_REQ_get_signature_nid(r))) ==
	    -1 ||
	    put(o, "spki_sha256", spki_sha256(pk)) == -1 ||
	    put(o, "signature_ok", json_boolean(ok)) == -1)
		goto out;
	rc = 0;
out:
	GENERAL_NAMES_free(gn);
	if (rc == -1) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Key parameters (DH) from a block; NULL on failure. */
static EVP_PKEY *
pem_params(const struct sslm_pem *b)
{
	BIO		*bio;
	EVP_PKEY	*k;

	if ((bio = BIO_new_mem_buf(b->begin, (int)b->len)) == NULL)
		return NULL;
	k = PEM_read_bio_Parameters(bio, NULL);
	BIO_free(bio);
	return k;
}

static json_t *
dh_json(EVP_PKEY *k)
{
	json_t	*o;
	char	 g[80];
	size_t	 gl = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "type", json_string("dh_parameters")) == -1 ||
	    put(o, "bits", json_integer(EVP_PKEY_get_bits(k))) == -1)
		goto fail;
	/* A named group (RFC 7919 ffdhe*) when the prime is one. */
	if (EVP_PKEY_get_group_name(k, g, sizeof(g), &gl) && gl > 0) {
		if (put(o, "group", json_string(g)) == -1)
			goto fail;
	} else if (put(o, "group", json_null()) == -1)
		goto fail;
	ERR_clear_error();
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
other_json(const char *label)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "type", json_string("other")) == -1 ||
	    put(o, "label", take_str(escape((const unsigned char *)label,
	    strlen(label)))) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* What a block of this kind is called in messages. */
static const char *
kind_name(int kind)
{
	switch (kind) {
	case SSLM_PEM_CERT:
		return "certificate";
	case SSLM_PEM_CSR:
		return "certificate request";
	case SSLM_PEM_PRIVKEY:
		return "private key";
	case SSLM_PEM_PUBKEY:
		return "public key";
	case SSLM_PEM_DHPARAM:
		return "dh parameters";
	default:
		return "block";
	}
}

json_t *
sslm_info_block(const struct sslm_pem *b, const char *name, time_t now)
{
	X509		*x = NULL;
	X509_REQ	*r = NULL;
	EVP_PKEY	*k = NULL;
	json_t		*o = NULL;
	int		 kind = sslm_pem_kind(b->label), bad = 0;

	ERR_clear_error();
	switch (kind) {
	case SSLM_PEM_CERT:
		if ((x = sslm_pem_cert(b)) == NULL)
			bad = 1;
		else
			o = sslm_info_cert(x, now);
		break;
	case SSLM_PEM_CSR:
		if ((r = sslm_pem_csr(b)) == NULL)
			bad = 1;
		else
			o = sslm_info_csr(r);
		break;
	case SSLM_PEM_PRIVKEY:
	case SSLM_PEM_PUBKEY:
		k = kind == SSLM_PEM_PRIVKEY ? sslm_pem_privkey(b) :
		    sslm_pem_pubkey(b);
		if (k == NULL)
			bad = 1;
		else
			o = sslm_info_key(k, kind == SSLM_PEM_PRIVKEY);
		break;
	case SSLM_PEM_DHPARAM:
		if ((k = pem_params(b)) == NULL)
			bad = 1;
		else
			o = dh_json(k);
		break;
	default:
		o = other_json(b->label);
		break;
	}
	if (bad)
		sslm_warnx("%s:%d: bad %s: %s", name, b->line,
		    kind_name(kind), sslm_ossl_reason());
	else if (o == NULL)
		sslm_warnx("%s:%d: %s: cannot be described", name, b->line,
		    kind_name(kind));
	X509_free(x);
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return o;
}

void
sslm_info_duration(long long secs, char *buf, size_t len)
{
	long long a = secs < 0 ? -secs : secs;

	snprintf(buf, len, "%4lldd %02lld:%02lld:%02lld", a / 86400,
	    a % 86400 / 3600, a % 3600 / 60, a % 60);
}

/* "YYYY-MM-DD HH:MM:SS UTC" of a facts date string. */
static int
text_date(const char *iso, char *buf, size_t len, time_t *t)
{
	struct tm tm;

	if (iso == NULL || sslm_parse_time(iso, t) == -1)
		return -1;
	gmtime_r(t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return 0;
}

/* "pubkey-secp384r1", "prvkey-rsa-4096", "pubkey-ed25519", ... */
static void
key_text(const json_t *key, const char *prefix, char *buf, size_t len)
{
	const char	*t = json_string_value(json_object_get(key, "type"));
	const char	*c = json_string_value(json_object_get(key, "curve"));
	json_int_t	 bits = json_integer_value(json_object_get(key,
			    "bits"));

	if (t == NULL)
		snprintf(buf, len, "key type unknown");
	else if (strcmp(t, "ec") == 0 && c != NULL &&
	    strncmp(c, "P-", 2) == 0)
		/* The SEC 2 names ssl-mgr prints: P-384 is secp384r1. */
		snprintf(buf, len, "%s-secp%sr1", prefix, c + 2);
	else if (strcmp(t, "ec") == 0)
		snprintf(buf, len, "%s-%s", prefix, c != NULL ? c :
		    "ec-explicit");
	else if (strcmp(t, "rsa") == 0 || strcmp(t, "rsa-pss") == 0 ||
	    strcmp(t, "dsa") == 0)
		snprintf(buf, len, "%s-%s-%lld", prefix, t, (long long)bits);
	else
		snprintf(buf, len, "%s-%s", prefix, t);
}

/* The Sans field: DNS names, then IP addresses, wrapped past 60 columns. */
static int
sans_text(FILE *fp, const json_t *sans)
{
	const char	*kinds[] = { "dns", "ip" };
	const json_t	*v;
	size_t		 i, k, run = 0, n = 0, total;

	total = json_array_size(json_object_get(sans, "dns")) +
	    json_array_size(json_object_get(sans, "ip"));
	if (total == 0)
		return 0;
	if (fprintf(fp, "Sans     : ") < 0)
		return -1;
	for (k = 0; k < 2; k++) {
		json_array_foreach(json_object_get(sans, kinds[k]), i, v) {
			const char *s = json_string_value(v);

			n++;
			run += strlen(s);
			if (fprintf(fp, "%s%s", s, n < total ? "," : "") < 0)
				return -1;
			if (n == total)
				break;
			if (run > 60) {
				run = 0;
				if (fprintf(fp, "\n%11s", "") < 0)
					return -1;
			} else if (fputc(' ', fp) == EOF)
				return -1;
		}
	}
	return fputc('\n', fp) == EOF ? -1 : 0;
}

/* Expires and Issued lines of a certificate's facts. */
static int
dates_text(FILE *fp, const json_t *f, time_t now)
{
	char		 d[40], dur[40];
	time_t		 nb, na;
	long long	 life;

	if (text_date(json_string_value(json_object_get(f, "not_after")),
	    d, sizeof(d), &na) == -1)
		return 0;
	sslm_info_duration((long long)na - now, dur, sizeof(dur));
	if (fprintf(fp, "Expires  : %s (%s%s)\n", d, dur,
	    na < now ? " ago" : "") < 0)
		return -1;
	if (text_date(json_string_value(json_object_get(f, "not_before")),
	    d, sizeof(d), &nb) == -1)
		return 0;
	sslm_info_duration((long long)now - nb, dur, sizeof(dur));
	life = (long long)na - nb;
	life = life >= 0 ? (life + 43200) / 86400 : -((43200 - life) / 86400);
	if (fprintf(fp, "Issued   : %s (%s%s) (%lld day cert)\n", d, dur,
	    nb > now ? " from now" : " ago", life) < 0)
		return -1;
	return 0;
}

/* "Label    : value" when value is a string. */
static int
field(FILE *fp, const char *label, const json_t *v)
{
	if (!json_is_string(v))
		return 0;
	return fprintf(fp, "%-9s: %s\n", label, json_string_value(v)) < 0 ?
	    -1 : 0;
}

int
sslm_info_text(FILE *fp, const json_t *f, time_t now)
{
	const char	*t = json_string_value(json_object_get(f, "type"));
	char		 kt[128];

	if (t == NULL)
		return -1;
	if (strcmp(t, "certificate") == 0 || strcmp(t, "csr") == 0) {
		if (strcmp(t, "certificate") == 0 &&
		    (dates_text(fp, f, now) == -1 ||
		    field(fp, "Issuer", json_object_get(f, "issuer")) == -1))
			return -1;
		key_text(json_object_get(f, "key"), "pubkey", kt, sizeof(kt));
		if (field(fp, "Subject", json_object_get(f, "subject")) ==
		    -1 ||
		    sans_text(fp, json_object_get(f, "sans")) == -1 ||
		    fprintf(fp, "Pubkey   : %s\n", kt) < 0 ||
		    field(fp, "Sig algo", json_object_get(f, "sig_alg")) == -1)
			return -1;
		if (strcmp(t, "csr") == 0 && fprintf(fp, "Signature: %s\n",
		    json_is_true(json_object_get(f, "signature_ok")) ?
		    "ok" : "BAD") < 0)
			return -1;
	} else if (strcmp(t, "private_key") == 0 ||
	    strcmp(t, "public_key") == 0) {
		key_text(json_object_get(f, "key"), t[1] == 'r' ? "prvkey" :
		    "pubkey", kt, sizeof(kt));
		if (fprintf(fp, "Key algo : %s\n", kt) < 0)
			return -1;
	} else if (strcmp(t, "dh_parameters") == 0) {
		if (fprintf(fp, "DH params: %lld bits%s%s\n",
		    (long long)json_integer_value(json_object_get(f, "bits")),
		    json_is_string(json_object_get(f, "group")) ? ", " : "",
		    json_is_string(json_object_get(f, "group")) ?
		    json_string_value(json_object_get(f, "group")) : "") < 0)
			return -1;
	} else if (fprintf(fp, "type: %s (not inspected)\n",
	    json_string_value(json_object_get(f, "label"))) < 0)
		return -1;
	return 0;
}

int
sslm_info_header(FILE *fp, const char *name)
{
	return fprintf(fp, "%s\n%s\n\n", RULE, name) < 0 ? -1 : 0;
}

int
sslm_info_verbose(FILE *fp, const struct sslm_pem *b, const char *name)
{
	BIO		*bio = NULL;
	X509		*x = NULL;
	X509_REQ	*r = NULL;
	EVP_PKEY	*k = NULL;
	char		*lab = NULL;
	int		 kind = sslm_pem_kind(b->label), rc = -1, pr = 0;

	ERR_clear_error();
	if ((bio = BIO_new_fp(fp, BIO_NOCLOSE)) == NULL)
		goto out;
	switch (kind) {
	case SSLM_PEM_CERT:
		if ((x = sslm_pem_cert(b)) != NULL)
			pr = X509_print_ex(bio, x, XN_FLAG_ONELINE, 0);
		break;
	case SSLM_PEM_CSR:
		if ((r = sslm_pem_csr(b)) != NULL)
			pr = X509_REQ_print_ex(bio, r, XN_FLAG_ONELINE, 0);
		break;
	case SSLM_PEM_PRIVKEY:
	case SSLM_PEM_PUBKEY:
		/* The public half only, for private keys too. */
		k = kind == SSLM_PEM_PRIVKEY ? sslm_pem_privkey(b) :
		    sslm_pem_pubkey(b);
		if (k != NULL)
			pr = EVP_PKEY_print_public(bio, k, 0, NULL);
		break;
	case SSLM_PEM_DHPARAM:
		if ((k = pem_params(b)) != NULL)
			pr = EVP_PKEY_print_params(bio, k, 0, NULL);
		break;
	default:
		if ((lab = escape((const unsigned char *)b->label,
		    strlen(b->label))) == NULL ||
		    BIO_printf(bio, "type: %s (not inspected)\n", lab) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	if (x == NULL && r == NULL && k == NULL) {
		sslm_warnx("%s:%d: bad %s: %s", name, b->line,
		    kind_name(kind), sslm_ossl_reason());
		goto out;
	}
	if (pr <= 0) {
		sslm_warnx("%s:%d: %s: cannot print: %s", name, b->line,
		    kind_name(kind), sslm_ossl_reason());
		goto out;
	}
	rc = 0;
out:
	free(lab);
	BIO_free(bio);
	X509_free(x);
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return rc;
}
