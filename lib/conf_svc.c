/* SPDX-License-Identifier: MIT */
/*
 * conf_svc.c: ca-info.conf (the CAs) and the service files of a group
 * (key, X509, DANE and signer options), resolved with ssl-mgr's defaults;
 * and the readers of the service objects sslm-conf prints, for the tools
 * that take one.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "conf_priv.h"

/* ---- ca-info.conf ------------------------------------------------------- */

static int
valid_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 && s[8] != '\0' &&
	    strpbrk(s, " \"<>\\^`{|}") == NULL;
}

static json_t *
load_ca(struct ctx *c, const struct sslm_toml *t)
{
	static const char *const keys[] = { "ca_desc", "ca_type",
	    "ca_validation", "ca_preferred_chain", "ca_preferred_acme_profile",
	    "acme_directory", "acme_staging_directory", "acme_ca_file",
	    "acme_eab_kid", "acme_eab_hmac_key", "ca_test", NULL };
	const char	*desc, *type, *val, *chain, *prof, *dir, *sdir, *cafile,
			*kid, *hmac, *kind, *v;
	const struct sslm_toml *n;
	char		 pre[128], *cafabs = NULL;
	json_t		*j;

	snprintf(pre, sizeof(pre), "%s.", t->key);
	if (!sslm_valid_filename(t->key))
		return bad(c, t, t->key, "a CA name must be a safe file name"),
		    NULL;
	if (t->type != SSLM_TOML_TABLE)
		return bad(c, t, t->key, "expected a table, not %s",
		    sslm_toml_typename(t->type)), NULL;
	warn_unknown(c, t, pre, keys);
	if (get_str(c, t, "ca_desc", "ca_desc", "", &desc) == -1 ||
	    get_str(c, t, "ca_type", "ca_type", "", &type) == -1 ||
	    get_str(c, t, "ca_validation", "ca_validation", "", &val) == -1 ||
	    get_str(c, t, "ca_preferred_chain", "ca_preferred_chain", "",
	    &chain) == -1 ||
	    get_str(c, t, "ca_preferred_acme_profile",
	    "ca_preferred_acme_profile", *c->profile ? c->profile :
	    "tlsserver", &prof) == -1 ||
	    get_str(c, t, "acme_directory", "acme_directory", "", &dir) == -1 ||
	    get_str(c, t, "acme_staging_directory", "acme_staging_directory",
	    "", &sdir) == -1 ||
	    get_str(c, t, "acme_ca_file", "acme_ca_file", "", &cafile) == -1 ||
	    get_str(c, t, "acme_eab_kid", "acme_eab_kid", "", &kid) == -1 ||
	    get_str(c, t, "acme_eab_hmac_key", "acme_eab_hmac_key", "",
	    &hmac) == -1)
		return NULL;
	if (strcasecmp(type, "self") == 0 || strcasecmp(type, "local") == 0)
		kind = "local";
	else if (strcasecmp(type, "certbot") == 0 ||
	    strcasecmp(type, "letsencrypt") == 0 ||
	    strcasecmp(type, "acme") == 0)
		kind = "acme";
	else {
		n = child(t, "ca_type");
		return bad(c, n ? n : t, "ca_type", "\"%s\" is not self, "
		    "local, certbot, letsencrypt or acme", type), NULL;
	}
	v = "";
	if (strncasecmp(val, "http", 4) == 0)
		v = "http-01";
	else if (strncasecmp(val, "dns", 3) == 0)
		v = "dns-01";
	else if (strcmp(kind, "acme") == 0) {
		n = child(t, "ca_validation");
		return bad(c, n ? n : t, "ca_validation", "\"%s\" is not "
		    "http-01 or dns-01", val), NULL;
	}
	if (*prof != '\0' && !sslm_valid_filename(prof))
		return bad(c, child(t, "ca_preferred_acme_profile"),
		    "ca_preferred_acme_profile", "\"%s\" is not a profile "
		    "name", prof), NULL;
	if (*dir != '\0' && !valid_url(dir))
		return bad(c, child(t, "acme_directory"), "acme_directory",
		    "\"%s\" is not an https:// URL", dir), NULL;
	if (*sdir != '\0' && !valid_url(sdir))
		return bad(c, child(t, "acme_staging_directory"),
		    "acme_staging_directory", "\"%s\" is not an https:// URL",
		    sdir), NULL;
	if (*hmac != '\0' && (strspn(hmac, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_=") != strlen(hmac)))
		return bad(c, child(t, "acme_eab_hmac_key"),
		    "acme_eab_hmac_key", "must be base64url"), NULL;
	if ((*hmac != '\0') != (*kid != '\0'))
		return bad(c, t, t->key, "acme_eab_kid and acme_eab_hmac_key "
		    "go together"), NULL;
	if (strcmp(kind, "local") == 0)
		dir = prof = "";	/* ACME keys mean nothing for a local CA */
	else if (*dir == '\0')
		dir = LE_PROD;
	if (*cafile != '\0' && (cafabs = top_path(c, cafile)) == NULL)
		return NULL;
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}",
	    "desc", desc, "ca_type", type, "type", kind, "validation", v,
	    "preferred_chain", chain, "profile", prof, "acme_directory", dir,
	    "acme_staging_directory", sdir, "acme_ca_file",
	    cafabs ? cafabs : "", "acme_eab_kid", kid, "acme_eab",
	    *hmac != '\0');
	free(cafabs);
	return j;
}

int
load_cas(struct ctx *c)
{
	size_t	 i;
	json_t	*ca;

	c->cas = json_object();
	c->file = c->capath;
	for (i = 0; c->cainfo != NULL && i < c->cainfo->nkids; i++) {
		if ((ca = load_ca(c, c->cainfo->kids[i])) == NULL)
			return -1;
		json_object_set_new(c->cas, c->cainfo->kids[i]->key, ca);
	}
	return 0;
}

/* ---- service files ------------------------------------------------------ */

static const char *
canon_curve(const char *s)
{
	if (strcasecmp(s, "secp256r1") == 0 ||
	    strcasecmp(s, "prime256v1") == 0 || strcasecmp(s, "P-256") == 0)
		return "secp256r1";
	if (strcasecmp(s, "secp384r1") == 0 || strcasecmp(s, "P-384") == 0)
		return "secp384r1";
	if (strcasecmp(s, "secp521r1") == 0 || strcasecmp(s, "P-521") == 0)
		return "secp521r1";
	return NULL;
}

static const char *
canon_digest(const char *s)
{
	static const char *const ok[] = { "sha256", "sha384", "sha512",
	    "sha3_256", "sha3_384", "sha3_512", NULL };
	char	buf[16];
	size_t	i;

	if (*s == '\0')
		return "sha384";
	if (strlen(s) >= sizeof(buf))
		return NULL;
	for (i = 0; s[i] != '\0'; i++)
		buf[i] = s[i] == '-' ? '_' : (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	for (i = 0; ok[i] != NULL; i++)
		if (strcmp(buf, ok[i]) == 0)
			return ok[i];
	return NULL;
}

static json_t *
svc_key(struct ctx *c, const struct sslm_toml *t, int isca)
{
	static const char *const keys[] = { "ktype", "ec_algo", "rsa_bits",
	    "bits", NULL };
	const char	*kt, *algo, *curve;
	long long	 bits;
	const struct sslm_toml *n;

	warn_unknown(c, t, "KeyOpts.", keys);
	if ((n = child(t, "bits")) != NULL)
		warn_at(c, n, "KeyOpts.bits", "ignored, the key is rsa_bits");
	if (get_str(c, t, "ktype", "KeyOpts.ktype", "ec", &kt) == -1 ||
	    get_str(c, t, "ec_algo", "KeyOpts.ec_algo", "secp384r1",
	    &algo) == -1 ||
	    get_int(c, t, "rsa_bits", "KeyOpts.rsa_bits", 4096, 2048, 8192,
	    &bits) == -1)
		return NULL;
	n = child(t, "ktype");
	if (strcasecmp(kt, "ec") == 0)
		kt = "ec";
	else if (strcasecmp(kt, "rsa") == 0)
		kt = "rsa";
	else if (strcasecmp(kt, "ed25519") == 0 && isca)
		kt = "ed25519";
	else if (strcasecmp(kt, "ed25519") == 0)
		return bad(c, n, "KeyOpts.ktype", "ed25519 is for the private "
		    "CA only (group ca)"), NULL;
	else
		return bad(c, n ? n : t, "KeyOpts.ktype", "\"%s\" is not ec "
		    "or rsa", kt), NULL;
	if ((curve = canon_curve(algo)) == NULL) {
		n = child(t, "ec_algo");
		return bad(c, n ? n : t, "KeyOpts.ec_algo", "unsupported curve "
		    "\"%s\" (use secp256r1, secp384r1 or secp521r1)", algo),
		    NULL;
	}
	return json_pack("{s:s,s:s,s:I}", "ktype", kt, "ec_algo", curve,
	    "rsa_bits", (json_int_t)bits);
}

static int
valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && strchr(at + 1, '@') == NULL &&
	    strpbrk(s, " <>()[],;:\\\"") == NULL &&
	    sslm_valid_hostname(at + 1, 0);
}

/*
 * X509.key_usage (eku 0) or X509.eku: a list that narrows the usages of
 * the service's certificates (for key type kt), resolved as the list of
 * names it keeps, in sslm_usage_names order; all of them when absent.
 */
static json_t *
svc_usages(struct ctx *c, const struct sslm_toml *t, int eku, int isca,
    const char *kt)
{
	const char	*shown = eku ? "X509.eku" : "X509.key_usage";
	const char	*names[SSLM_USAGE_MAX + 1], *near;
	const struct sslm_toml *n, *e;
	unsigned	 all, bits, b;
	char		 list[128];
	size_t		 i, k, len = 0;
	json_t		*a;

	all = eku ? SSLM_EKU_ALL : sslm_ku_default(isca, kt);
	sslm_usage_names(eku, all, names);
	for (k = 0; names[k] != NULL && len < sizeof(list); k++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s%s", k > 0 ? ", " : "", names[k]);
	bits = all;
	if ((n = child(t, eku ? "eku" : "key_usage")) != NULL) {
		if (n->type != SSLM_TOML_ARRAY || n->nkids == 0)
			return bad(c, n, shown, "expected a list of one or "
			    "more of %s", list), NULL;
		bits = 0;
		for (i = 0; i < n->nkids; i++) {
			e = n->kids[i];
			if (want_string(c, e, shown) == -1)
				return NULL;
			if ((b = sslm_usage_bit(eku, e->s) & all) == 0) {
				near = resembles(e->s, names);
				return bad(c, e, shown, "\"%s\" is not one of "
				    "%s%s%s%s", e->s, list,
				    near ? " (did you mean " : "",
				    near ? near : "", near ? "?)" : ""), NULL;
			}
			bits |= b;
		}
		if (!eku && isca && !(bits & KU_KEY_CERT_SIGN))
			return bad(c, n, shown, "a CA needs keyCertSign"),
			    NULL;
	}
	a = json_array();
	sslm_usage_names(eku, bits, names);
	for (k = 0; names[k] != NULL; k++)
		json_array_append_new(a, json_string(names[k]));
	return a;
}

static json_t *
svc_x509(struct ctx *c, const struct sslm_toml *t, int isca, const char *kt)
{
	static const char *const keys[] = { "CN", "O", "OU", "L", "ST", "C",
	    "email", "sans", "key_usage", "eku", NULL };
	const char	*cn, *o, *ou, *l, *st, *cc, *email;
	const struct sslm_toml *n, *e;
	json_t		*sans, *ku, *eku;
	size_t		 i;

	if (t == NULL)
		return bad(c, NULL, "X509", "missing table [X509]"), NULL;
	warn_unknown(c, t, "X509.", keys);
	if (get_str(c, t, "CN", "X509.CN", "", &cn) == -1 ||
	    get_str(c, t, "O", "X509.O", "", &o) == -1 ||
	    get_str(c, t, "OU", "X509.OU", "", &ou) == -1 ||
	    get_str(c, t, "L", "X509.L", "", &l) == -1 ||
	    get_str(c, t, "ST", "X509.ST", "", &st) == -1 ||
	    get_str(c, t, "C", "X509.C", "", &cc) == -1 ||
	    get_str(c, t, "email", "X509.email", "", &email) == -1)
		return NULL;
	if (*cn == '\0')
		return bad(c, child(t, "CN") ? child(t, "CN") : t, "X509.CN",
		    "required"), NULL;
	if (*o == '\0')
		return bad(c, child(t, "O") ? child(t, "O") : t, "X509.O",
		    "required"), NULL;
	if (strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) ||
	    !isalpha((unsigned char)cc[1]) || !isascii((unsigned char)cc[0]) ||
	    !isascii((unsigned char)cc[1]))
		return bad(c, child(t, "C") ? child(t, "C") : t, "X509.C",
		    "must be a two-letter country code"), NULL;
	if (*email != '\0' && !valid_email(email))
		return bad(c, child(t, "email"), "X509.email", "\"%s\" is not "
		    "an e-mail address", email), NULL;
	sans = json_array();
	if (!isca) {
		if (!sslm_valid_hostname(cn, 1) && !sslm_ip_literal(cn)) {
			json_decref(sans);
			return bad(c, child(t, "CN"), "X509.CN", "\"%s\" is not "
			    "a host name, wildcard or IP address", cn), NULL;
		}
		json_array_append_new(sans, json_string(cn));
	}
	if ((n = child(t, "sans")) != NULL) {
		if (n->type != SSLM_TOML_ARRAY) {
			json_decref(sans);
			return bad(c, n, "X509.sans", "expected a list of "
			    "names"), NULL;
		}
		for (i = 0; i < n->nkids; i++) {
			e = n->kids[i];
			if (want_string(c, e, "X509.sans") == -1) {
				json_decref(sans);
				return NULL;
			}
			if (!sslm_valid_hostname(e->s, 1) &&
			    !sslm_ip_literal(e->s)) {
				json_decref(sans);
				return bad(c, e, "X509.sans", "\"%s\" is not a "
				    "host name, wildcard or IP address", e->s),
				    NULL;
			}
			if (!in_list(sans, e->s, 1))
				json_array_append_new(sans, json_string(e->s));
		}
	}
	if ((ku = svc_usages(c, t, 0, isca, kt)) == NULL ||
	    (eku = svc_usages(c, t, 1, isca, kt)) == NULL) {
		json_decref(ku);
		json_decref(sans);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "CN", cn,
	    "O", o, "OU", ou, "L", l, "ST", st, "C", cc, "email", email,
	    "sans", sans, "key_usage", ku, "eku", eku);
}

static json_t *
svc_dane(struct ctx *c, const struct sslm_toml *n)
{
	const struct sslm_toml	*e, *x;
	long long		 v[5];
	const char		*proto, *sub;
	size_t			 i, k;
	json_t			*a;
	static const long long lo[5] = { 1, 0, 2, 0, 0 },
	    hi[5] = { 65535, 0, 3, 1, 2 };
	static const char *const what[5] = { "port", "proto", "usage",
	    "selector", "match_type" };

	a = json_array();
	if (n == NULL)
		return a;
	if (n->type != SSLM_TOML_ARRAY) {
		bad(c, n, "dane_tls", "expected a list of [port, proto, usage, "
		    "selector, match_type(, subtype)]");
		goto fail;
	}
	for (i = 0; i < n->nkids; i++) {
		e = n->kids[i];
		if (e->type != SSLM_TOML_ARRAY || e->nkids < 5 ||
		    e->nkids > 6) {
			bad(c, e, "dane_tls", "item %zu needs 5 or 6 elements",
			    i + 1);
			goto fail;
		}
		for (k = 0; k < 5; k++) {
			x = e->kids[k];
			if (k == 1)
				continue;
			if (node_int(x, &v[k]) == -1 || v[k] < lo[k] ||
			    v[k] > hi[k]) {
				bad(c, x, "dane_tls", "item %zu: bad %s "
				    "(%s %lld..%lld)", i + 1, what[k],
				    k == 2 ? "supported:" : "expected",
				    lo[k], hi[k]);
				goto fail;
			}
		}
		x = e->kids[1];
		if (!is_clean_string(x) || (strcasecmp(x->s, "tcp") != 0 &&
		    strcasecmp(x->s, "udp") != 0 &&
		    strcasecmp(x->s, "sctp") != 0)) {
			bad(c, x, "dane_tls", "item %zu: proto must be tcp, "
			    "udp or sctp", i + 1);
			goto fail;
		}
		proto = strcasecmp(x->s, "tcp") == 0 ? "tcp" :
		    strcasecmp(x->s, "udp") == 0 ? "udp" : "sctp";
		sub = "";
		if (e->nkids == 6) {
			x = e->kids[5];
			if (!is_clean_string(x) || (x->slen != 0 &&
			    strcasecmp(x->s, "MX") != 0 &&
			    strcasecmp(x->s, "SANS") != 0)) {
				bad(c, x, "dane_tls", "item %zu: subtype must "
				    "be MX or SANS", i + 1);
				goto fail;
			}
			sub = x->slen == 0 ? "" :
			    strcasecmp(x->s, "MX") == 0 ? "MX" : "SANS";
		}
		json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:I,s:I,s:s}",
		    "port", (json_int_t)v[0], "proto", proto, "usage",
		    (json_int_t)v[2], "selector", (json_int_t)v[3],
		    "match_type", (json_int_t)v[4], "subtype", sub));
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

/* The signer of a service, from signing_ca and the CAs. */
/* Is DNS name n the apex or a name below it (case-insensitive)? */
static int
under_apex(const char *n, const char *apex)
{
	size_t ln, la = strlen(apex);

	if (strncmp(n, "*.", 2) == 0)
		n += 2;
	ln = strlen(n);
	if (strcasecmp(n, apex) == 0)
		return 1;
	return ln > la + 1 && n[ln - la - 1] == '.' &&
	    strcasecmp(n + ln - la, apex) == 0;
}

static json_t *
svc_signer(struct ctx *c, const struct sslm_toml *svc, const char *name,
    json_t *x509, const char *grp)
{
	const struct sslm_toml	*n = child(svc, "signing_ca");
	json_t			*ca, *v;
	const char		*type, *val, *dir, *sdir, *san;
	char			 path[PATH_MAX];
	struct stat		 st;
	size_t			 i;

	/*
	 * '' is ssl-mgr's root: fine for the private CA, but a leaf that
	 * forgot its signing_ca would be self-signed for a day and go to
	 * production.  A self-signed leaf must say 'self'.
	 */
	if (*name == '\0' && strcmp(grp, "ca") != 0)
		return bad(c, n != NULL ? n : child(svc, "service"),
		    "signing_ca", "%s: a service outside group ca needs "
		    "the CA that signs it (a name from %s, or 'self' for a "
		    "self-signed certificate)", n != NULL ? "empty" : "missing",
		    c->capath), NULL;
	if (*name == '\0' || strcasecmp(name, "self") == 0)
		return json_pack("{s:s}", "type", "self");
	if ((ca = json_object_get(c->cas, name)) == NULL)
		return bad(c, n, "signing_ca", "unknown CA \"%s\" (not in %s)",
		    name, c->capath), NULL;
	type = json_string_value(json_object_get(ca, "type"));
	if (strcmp(type, "local") == 0) {
		snprintf(path, sizeof(path), "%s/ca/%s", c->confabs, name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			return bad(c, n, "signing_ca", "local CA \"%s\" has no "
			    "service file %s/ca/%s", name, c->confdir, name),
			    NULL;
		return json_pack("{s:s,s:s}", "type", "local", "ca", name);
	}
	val = json_string_value(json_object_get(ca, "validation"));
	json_array_foreach(json_object_get(x509, "sans"), i, v) {
		san = json_string_value(v);
		if (strcmp(val, "http-01") == 0 && san[0] == '*')
			return bad(c, n, "signing_ca", "%s needs dns-01 but CA "
			    "\"%s\" uses http-01", san, name), NULL;
		if (strcmp(val, "dns-01") == 0 && sslm_ip_literal(san))
			return bad(c, n, "signing_ca", "IP address %s needs "
			    "http-01 but CA \"%s\" uses dns-01", san, name),
			    NULL;
		/* dns-01 records go into the zone of the group's apex. */
		if (strcmp(val, "dns-01") == 0 && !under_apex(san, grp))
			return bad(c, n, "signing_ca", "%s is not in %s: "
			    "dns-01 answers are published in the group's "
			    "zone", san, grp), NULL;
	}
	dir = json_string_value(json_object_get(ca, "acme_directory"));
	sdir = json_string_value(json_object_get(ca,
	    "acme_staging_directory"));
	if (c->o->test) {
		if (*sdir != '\0')
			dir = sdir;
		else if (strcmp(dir, LE_PROD) == 0)
			dir = LE_STAGING;
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:O}",
	    "type", "acme", "ca", name, "validation", val, "directory", dir,
	    "ca_file", json_object_get(ca, "acme_ca_file"),
	    "preferred_chain", json_object_get(ca, "preferred_chain"),
	    "profile", json_object_get(ca, "profile"),
	    "eab_kid", json_object_get(ca, "acme_eab_kid"),
	    "eab", json_object_get(ca, "acme_eab"));
}

/* Resolve the service file of grp/svc; NULL after an error (reported). */
json_t *
load_service(struct ctx *c, const char *grp, const char *svc)
{
	static const char *const keys[] = { "name", "group", "service",
	    "signing_ca", "dane_tls", "dane_tls_ttl", "renew_expire_days",
	    "KeyOpts", "X509", "CA", NULL };
	static const char *const tables[] = { "KeyOpts", "X509", "CA", NULL };
	static const char *const cakeys[] = { "sign_end_days", "digest", NULL };
	static const char *const ukeys[] = { "X509.key_usage", "X509.eku",
	    NULL };
	struct sslm_toml	*doc = NULL;
	const struct sslm_toml	*n, *ko, *xt, *cat;
	char			 shown[PATH_MAX], abs[PATH_MAX], err[PATH_MAX + 256];
	const char		*name, *g, *s, *sca, *dg, *near;
	json_t			*key = NULL, *x509 = NULL, *dane = NULL,
				*signer = NULL, *out = NULL;
	long long		 ttl, days;
	int			 isca = strcmp(grp, "ca") == 0;
	size_t			 i;

	snprintf(shown, sizeof(shown), "%s/%s/%s", c->confdir, grp, svc);
	snprintf(abs, sizeof(abs), "%s/%s/%s", c->confabs, grp, svc);
	c->file = shown;
	if ((doc = sslm_toml_load(abs, err, sizeof(err))) == NULL) {
		/* Show the path the way the operator sees it. */
		const char *p = strncmp(err, abs, strlen(abs)) == 0 ?
		    err + strlen(abs) : NULL;

		if (p != NULL)
			snprintf(c->msg, sizeof(c->msg), "%s%s", shown, p);
		else
			snprintf(c->msg, sizeof(c->msg), "%s", err);
		sslm_warnx("%s", c->msg);
		goto out;
	}
	for (i = 0; i < doc->nkids; i++) {
		n = doc->kids[i];
		if (n->type == SSLM_TOML_TABLE && strcmp(n->key, "KeyOpts") &&
		    strcmp(n->key, "X509") && strcmp(n->key, "CA")) {
			near = resembles(n->key, tables);
			bad(c, n, n->key, "unknown table (a service has "
			    "[KeyOpts], [X509] and [CA]%s%s%s)",
			    near ? "; did you mean " : "", near ? near : "",
			    near ? "?" : "");
			goto out;
		}
	}
	warn_unknown(c, doc, "", keys);
	ko = child(doc, "KeyOpts");
	xt = child(doc, "X509");
	cat = child(doc, "CA");
	if (need_table(c, ko, "KeyOpts") == -1 ||
	    need_table(c, xt, "X509") == -1 || need_table(c, cat, "CA") == -1)
		goto out;
	warn_unknown(c, cat, "CA.", cakeys);
	if (get_str(c, doc, "name", "name", "", &name) == -1 ||
	    get_str(c, doc, "group", "group", "", &g) == -1 ||
	    get_str(c, doc, "service", "service", "", &s) == -1 ||
	    get_str(c, doc, "signing_ca", "signing_ca", "", &sca) == -1 ||
	    get_int(c, doc, "dane_tls_ttl", "dane_tls_ttl", 1800, LLONG_MIN,
	    INT32_MAX, &ttl) == -1 ||
	    get_int(c, cat, "sign_end_days", "CA.sign_end_days", -1,
	    LLONG_MIN, 36500, &days) == -1 ||
	    get_str(c, cat, "digest", "CA.digest", "", &dg) == -1)
		goto out;
	if (*name == '\0') {
		bad(c, NULL, "name", "required");
		goto out;
	}
	if (strcmp(g, grp) != 0) {
		bad(c, child(doc, "group"), "group", "\"%s\", expected \"%s\" "
		    "(the directory)", g, grp);
		goto out;
	}
	if (strcmp(s, svc) != 0) {
		bad(c, child(doc, "service"), "service", "\"%s\", expected "
		    "\"%s\" (the file name)", s, svc);
		goto out;
	}
	if ((dg = canon_digest(dg)) == NULL) {
		bad(c, child(cat, "digest"), "CA.digest", "unsupported digest "
		    "(use sha256, sha384, sha512, sha3_256, sha3_384 or "
		    "sha3_512)");
		goto out;
	}
	if ((key = svc_key(c, ko, isca)) == NULL ||
	    (x509 = svc_x509(c, xt, isca, json_string_value(
	    json_object_get(key, "ktype")))) == NULL ||
	    (dane = svc_dane(c, child(doc, "dane_tls"))) == NULL ||
	    (signer = svc_signer(c, doc, sca, x509, grp)) == NULL)
		goto out;
	/* The CA of an ACME service decides; the keys stay harmless. */
	for (i = 0; ukeys[i] != NULL; i++)
		if ((n = child(xt, ukeys[i] + 5)) != NULL &&
		    strcmp(json_string_value(json_object_get(signer, "type")),
		    "acme") == 0)
			warn_at(c, n, ukeys[i], "no effect: an ACME CA chooses "
			    "the usages of its certificates");
	if (ttl < 0)
		ttl = 0;
	if (isca && child(cat, "sign_end_days") == NULL)
		warn_at(c, cat, "CA.sign_end_days", "not set: certificates "
		    "signed by this CA are valid for 1 day");
	if (days < 1)
		days = 1;
	out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:I,s:{s:I,s:s}}",
	    "service", svc, "name", name, "group", grp, "file", abs,
	    "signing_ca", sca, "signer", signer, "key", key, "x509", x509,
	    "dane_tls", dane, "dane_tls_ttl", (json_int_t)ttl,
	    "ca", "sign_end_days", (json_int_t)days, "digest", dg);
out:
	json_decref(key);
	json_decref(x509);
	json_decref(dane);
	json_decref(signer);
	sslm_toml_free(doc);
	return out;
}

/* ---- the service objects of sslm-conf, read back ------------------------ */

json_t *
sslm_read_service(const char *path)
{
	json_error_t	 e;
	json_t		*j;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	free(buf);
	if (j == NULL) {
		sslm_warnx("%s:%d: %s", path, e.line, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		sslm_warnx("%s: not a service object of sslm-conf", path);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* svc[obj][key] (svc[key] when obj is NULL), or NULL. */
static json_t *
svc_member(const json_t *svc, const char *obj, const char *key)
{
	const json_t *o = svc;

	if (obj != NULL && (o = json_object_get(svc, obj)) == NULL)
		return NULL;
	return json_object_get(o, key);
}

int
sslm_svc_str(const json_t *svc, const char *path, const char *obj,
    const char *key, const char **out)
{
	json_t *v = svc_member(svc, obj, key);

	if (v == NULL)
		return 1;
	if (!json_is_string(v)) {
		sslm_warnx("%s: %s%s%s: not a string", path,
		    obj != NULL ? obj : "", obj != NULL ? "." : "", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int
sslm_svc_int(const json_t *svc, const char *path, const char *obj,
    const char *key, long long *out)
{
	json_t *v = svc_member(svc, obj, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v)) {
		sslm_warnx("%s: %s%s%s: not an integer", path,
		    obj != NULL ? obj : "", obj != NULL ? "." : "", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/* The bits of the usage names in svc.x509[key] (all when absent). */
static int
svc_usage_list(const json_t *svc, const char *path, int eku, unsigned *out)
{
	const char	*key = eku ? "eku" : "key_usage";
	json_t		*a, *v;
	size_t		 i;
	unsigned	 b;

	*out = ~0U;
	if ((a = svc_member(svc, "x509", key)) == NULL)
		return 0;
	if (!json_is_array(a)) {
		sslm_warnx("%s: x509.%s: not an array", path, key);
		return -1;
	}
	*out = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    (b = sslm_usage_bit(eku, json_string_value(v))) == 0) {
			sslm_warnx("%s: x509.%s[%zu]: not a usage sslm-casign "
			    "grants", path, key, i);
			return -1;
		}
		*out |= b;
	}
	return 0;
}

int
sslm_svc_usages(const json_t *svc, const char *path, unsigned *ku,
    unsigned *eku)
{
	return svc_usage_list(svc, path, 0, ku) == -1 ||
	    svc_usage_list(svc, path, 1, eku) == -1 ? -1 : 0;
}
