/* SPDX-License-Identifier: MIT */
/*
 * sslm-tlsagen: the DANE TLSA records (RFC 6698, RFC 7671) of a
 * certificate or a key, for the items of a service's dane_tls list or of
 * the command line, with ssl-mgr's owner names: _port._proto.<apex>. and
 * the same under each MX host or each SAN.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

#define STAMP_MAX	64

/* A list of names, lower case, without trailing dot, no duplicates. */
struct names {
	char	**v;
	size_t	  n;
};

struct rec {
	char		*owner;
	size_t		 item;		/* index into items and data */
};

struct opts {
	const char		*cert, *key, *service, *apex, *stamp;
	struct sslm_tlsa_item	*items;
	size_t			 nitems;
	int			 items_cli;	/* items came from -r */
	struct names		 mx, sans;
	long			 ttl;
	int			 ttl_set, json, oneline;
	char			 apexbuf[256];
};

static void usage(int) __attribute__((__noreturn__));

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-tlsagen [-1j] -a apex [-c cert | -k key] "
	    "[-s service]\n"
	    "           [-r port/proto/usage/selector/match[/subtype]] "
	    "[-m mx] [-n san]\n"
	    "           [-S stamp] [-t ttl]\n");
	exit(status);
}

static int
names_has(const struct names *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* Append a copy of s[0..len) in lower case unless present.  0 or -1. */
static int
names_add(struct names *l, const char *s, size_t len)
{
	char	**nv, *c;
	size_t	  i;

	if ((c = strndup(s, len)) == NULL) {
		sslm_warn("names");
		return -1;
	}
	for (i = 0; c[i] != '\0'; i++)
		if (c[i] >= 'A' && c[i] <= 'Z')
			c[i] = (char)(c[i] - 'A' + 'a');
	if (names_has(l, c)) {
		free(c);
		return 0;
	}
	if ((nv = reallocarray(l->v, l->n + 1, sizeof(*nv))) == NULL) {
		sslm_warn("names");
		free(c);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = c;
	return 0;
}

static void
names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * Add a SAN as an owner name.  IP addresses have no TLSA owner and are
 * left out quietly; a wildcard would give the owner "_443._tcp.*.apex.",
 * which is not a DNS wildcard (the '*' is not the leftmost label) and
 * matches no host, so it is left out with a note.  Returns 0, or -1 for
 * a name that is not a DNS name (warned as from: name: why).
 */
static int
add_san(struct names *l, const char *from, const char *s, size_t len)
{
	char	buf[256];

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL) {
		sslm_warnx("%s: san: not a dns name", from);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sslm_ip_literal(buf))
		return 0;
	if (!sslm_valid_hostname(buf, 1) || !sslm_no_ctrl(buf, len)) {
		sslm_warnx("%s: san %s: not a dns name", from, buf);
		return -1;
	}
	if (buf[0] == '*') {
		sslm_warnx("%s: wildcard san %s: no tlsa owner for it, "
		    "skipped", from, buf);
		return 0;
	}
	return names_add(l, buf, len);
}

/* The dNSName SANs of a certificate as owner names.  0 or -1. */
static int
cert_sans(X509 *x, const char *from, struct names *l)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	int			 i, rc = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && rc == 0; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		rc = add_san(l, from, (const char *)ASN1_STRING_get0_data(
		    g->d.dNSName), (size_t)ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

/* Does any item use the SANs?  (Notes about SANs are noise otherwise.) */
static int
need_sans(const struct opts *o)
{
	size_t i;

	for (i = 0; i < o->nitems; i++)
		if (!sslm_tlsa_use_mx(&o->items[i]))
			return 1;
	return 0;
}

/*
 * Drop the names that are not the apex or below it, with a note: their
 * records belong in another zone, and a zone file with out-of-zone data
 * is refused by name servers.
 */
static void
prune(struct names *l, const char *apex, const char *what)
{
	size_t	i, j, n, al = strlen(apex);

	for (i = j = 0; i < l->n; i++) {
		n = strlen(l->v[i]);
		if (strcmp(l->v[i], apex) == 0 || (n > al + 1 &&
		    l->v[i][n - al - 1] == '.' &&
		    strcmp(l->v[i] + n - al, apex) == 0)) {
			l->v[j++] = l->v[i];
			continue;
		}
		sslm_warnx("%s %s: not in the zone %s, skipped (its records "
		    "belong in its own zone)", what, l->v[i], apex);
		free(l->v[i]);
	}
	l->n = j;
}

/* A string member of o, or "" when missing. */
static const char *
jstr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/*
 * Read one service object of sslm-conf: its dane_tls items (unless -r
 * gave some), dane_tls_ttl (unless -t), its SANs (CN first when it is
 * not among them, as in the CSR; unless -n) and its name.
 */
static int
load_service(struct opts *o, json_t **svcp)
{
	json_t		*svc = NULL, *dane, *sans, *v;
	json_error_t	 jerr;
	char		*buf = NULL, err[128];
	const char	*cn;
	size_t		 len, i;
	int		 rc = -1;

	if ((buf = sslm_readfile(o->service, SSLM_PEM_MAX, &len)) == NULL)
		goto out;
	if ((svc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		sslm_warnx("%s:%d: %s", o->service, jerr.line, jerr.text);
		goto out;
	}
	dane = json_object_get(svc, "dane_tls");
	if (!json_is_object(svc) || !json_is_array(dane)) {
		sslm_warnx("%s: not a service object of sslm-conf (no "
		    "dane_tls array)", o->service);
		goto out;
	}
	if (o->nitems == 0 && json_array_size(dane) > 0) {
		o->items = calloc(json_array_size(dane), sizeof(*o->items));
		if (o->items == NULL) {
			sslm_warn("%s", o->service);
			goto out;
		}
		json_array_foreach(dane, i, v) {
			if (sslm_tlsa_from_json(v, &o->items[i], err,
			    sizeof(err)) == -1) {
				sslm_warnx("%s: dane_tls[%zu]: %s",
				    o->service, i, err);
				goto out;
			}
			o->nitems++;
		}
	}
	v = json_object_get(svc, "dane_tls_ttl");
	if (!o->ttl_set && json_is_integer(v))
		o->ttl = (long)json_integer_value(v);
	sans = json_object_get(json_object_get(svc, "x509"), "sans");
	if (o->sans.n == 0 && json_is_array(sans) && need_sans(o)) {
		cn = jstr(json_object_get(svc, "x509"), "CN");
		if (*cn != '\0' && add_san(&o->sans, o->service, cn,
		    strlen(cn)) == -1)
			goto out;
		json_array_foreach(sans, i, v) {
			if (!json_is_string(v) || add_san(&o->sans, o->service,
			    json_string_value(v), json_string_length(v)) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	if (rc == -1) {
		json_decref(svc);
		svc = NULL;
	}
	*svcp = svc;
	return rc;
}

/* The first certificate of the input.  NULL (warned). */
static STACK_OF(X509) *
load_cert(const char *path)
{
	STACK_OF(X509)	*sk;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	sk = sslm_read_certs(buf, len, path);
	free(buf);
	if (sk != NULL && sk_X509_num(sk) == 0) {
		sslm_warnx("%s: no certificate", path);
		sk_X509_free(sk);
		sk = NULL;
	}
	return sk;
}

/* The first private or public key of the input.  NULL (warned). */
static EVP_PKEY *
load_key(const char *path)
{
	struct sslm_pem	*b = NULL;
	EVP_PKEY	*k = NULL;
	char		*buf;
	size_t		 len = 0, n = 0, i;
	int		 kind;

	if ((buf = sslm_readsecret(path, SSLM_KEY_MAX, &len)) == NULL)
		return NULL;
	if (sslm_pem_split(buf, len, path, &b, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		kind = sslm_pem_kind(b[i].label);
		if (kind == SSLM_PEM_ENCKEY) {
			sslm_warnx("%s:%d: encrypted private keys are not "
			    "supported", path, b[i].line);
			goto out;
		}
		if (kind != SSLM_PEM_PRIVKEY && kind != SSLM_PEM_PUBKEY)
			continue;
		k = kind == SSLM_PEM_PRIVKEY ? sslm_pem_privkey(&b[i]) :
		    sslm_pem_pubkey(&b[i]);
		if (k == NULL)
			sslm_warnx("%s:%d: bad %s key: %s", path, b[i].line,
			    kind == SSLM_PEM_PRIVKEY ? "private" : "public",
			    sslm_ossl_reason());
		goto out;
	}
	sslm_warnx("%s: no private or public key", path);
out:
	free(b);
	sslm_freesecret(buf, len + 1);
	return k;
}

static int
rec_dup(const struct rec *r, size_t n, const char *owner, size_t item,
    const struct opts *o, char **data)
{
	const struct sslm_tlsa_item *a, *b = &o->items[item];
	size_t i;

	for (i = 0; i < n; i++) {
		a = &o->items[r[i].item];
		if (strcmp(r[i].owner, owner) == 0 && a->usage == b->usage &&
		    a->selector == b->selector && a->match == b->match &&
		    strcmp(data[r[i].item], data[item]) == 0)
			return 1;
	}
	return 0;
}

/* Add the record of item at _port._proto.name. unless it is there. */
static int
add_rec(struct rec **rp, size_t *np, const struct opts *o, size_t item,
    const char *name, char **data)
{
	const struct sslm_tlsa_item	*it = &o->items[item];
	struct rec			*nr;
	char				*owner;

	if (asprintf(&owner, "_%d._%s.%s.", it->port, it->proto, name) ==
	    -1) {
		sslm_warn("owner");
		return -1;
	}
	/* 253 characters plus the root's dot: 255 octets on the wire. */
	if (strlen(owner) > 254) {
		sslm_warnx("%s: owner name too long", owner);
		free(owner);
		return -1;
	}
	if (rec_dup(*rp, *np, owner, item, o, data)) {
		free(owner);
		return 0;
	}
	if ((nr = reallocarray(*rp, *np + 1, sizeof(*nr))) == NULL) {
		sslm_warn("records");
		free(owner);
		return -1;
	}
	*rp = nr;
	nr[*np].owner = owner;
	nr[*np].item = item;
	(*np)++;
	return 0;
}

static int
print_text(const struct opts *o, const char *svcname, const struct rec *r,
    size_t n, char **data)
{
	char	*rr;
	size_t	 i;
	int	 rc = 0;

	printf(";;\n;; tlsa %s%s%s%s%s\n;;\n", o->apex,
	    *svcname != '\0' ? " " : "", svcname,
	    o->stamp != NULL ? " " : "", o->stamp != NULL ? o->stamp : "");
	for (i = 0; i < n && rc == 0; i++) {
		rr = sslm_tlsa_rr(r[i].owner, o->ttl, &o->items[r[i].item],
		    data[r[i].item], o->oneline);
		if (rr == NULL || fputs(rr, stdout) == EOF)
			rc = -1;
		free(rr);
	}
	return rc;
}

static int
print_json(const struct opts *o, const struct rec *r, size_t n, char **data)
{
	const struct sslm_tlsa_item	*it;
	json_t				*a, *e;
	size_t				 i;
	int				 rc = -1;

	if ((a = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		it = &o->items[r[i].item];
		e = json_pack("{s:s, s:I, s:i, s:i, s:i, s:s}",
		    "owner", r[i].owner, "ttl", (json_int_t)(o->ttl > 0 ?
		    o->ttl : 0), "usage", it->usage, "selector", it->selector,
		    "match_type", it->match, "data", data[r[i].item]);
		if (e == NULL || json_array_append_new(a, e) == -1)
			goto out;
	}
	rc = sslm_json_print(stdout, a, 1);
out:
	if (a == NULL || rc == -1)
		sslm_warnx("json output failed");
	json_decref(a);
	return rc;
}

/* Returns an exit code. */
static int
run(struct opts *o)
{
	STACK_OF(X509)	*certs = NULL;
	X509		*x = NULL;
	EVP_PKEY	*key = NULL;
	json_t		*svc = NULL;
	struct rec	*recs = NULL;
	char		**data = NULL;
	const struct names *extra;
	size_t		 nrecs = 0, i, j;
	int		 rc = SSLM_EXIT_FAIL;

	if (o->service != NULL && load_service(o, &svc) == -1)
		goto out;
	for (i = 0; i < o->nitems; i++) {
		if (o->key != NULL && o->items[i].selector == 0) {
			sslm_warnx("%d/%s: selector 0 (Cert) needs the "
			    "certificate, a key has only the public key "
			    "(selector 1)", o->items[i].port,
			    o->items[i].proto);
			if (o->items_cli)
				rc = SSLM_EXIT_USAGE;
			goto out;
		}
	}
	if (o->key != NULL) {
		if ((key = load_key(o->key)) == NULL)
			goto out;
	} else {
		if ((certs = load_cert(o->cert)) == NULL)
			goto out;
		x = sk_X509_value(certs, 0);
		if (o->service == NULL && o->sans.n == 0 && need_sans(o) &&
		    cert_sans(x, o->cert, &o->sans) == -1)
			goto out;
	}
	for (i = 0; i < o->nitems; i++)
		if (sslm_tlsa_use_mx(&o->items[i]))
			break;
	if (i < o->nitems)
		prune(&o->mx, o->apex, "mx host");
	if (need_sans(o))
		prune(&o->sans, o->apex, "san");
	if ((data = calloc(o->nitems + 1, sizeof(*data))) == NULL) {
		sslm_warn("data");
		goto out;
	}
	for (i = 0; i < o->nitems; i++) {
		if ((data[i] = sslm_tlsa_data(x, key, o->items[i].selector,
		    o->items[i].match)) == NULL)
			goto out;
		extra = sslm_tlsa_use_mx(&o->items[i]) ? &o->mx : &o->sans;
		if (extra == &o->mx && o->mx.n == 0)
			sslm_warnx("%d/%s: uses the mx hosts, none given "
			    "(-m): apex only", o->items[i].port,
			    o->items[i].proto);
		if (add_rec(&recs, &nrecs, o, i, o->apex, data) == -1)
			goto out;
		for (j = 0; j < extra->n; j++)
			if (add_rec(&recs, &nrecs, o, i, extra->v[j],
			    data) == -1)
				goto out;
	}
	if (o->json) {
		if (print_json(o, recs, nrecs, data) == -1)
			goto out;
	} else if (o->nitems > 0 && print_text(o, svc != NULL ?
	    jstr(svc, "service") : "", recs, nrecs, data) == -1)
		goto out;
	rc = SSLM_EXIT_OK;
out:
	for (i = 0; i < nrecs; i++)
		free(recs[i].owner);
	free(recs);
	for (i = 0; data != NULL && i < o->nitems; i++)
		free(data[i]);
	free(data);
	sk_X509_pop_free(certs, X509_free);
	EVP_PKEY_free(key);
	json_decref(svc);
	return rc;
}

/* -a: a DNS name, one trailing dot allowed; stored lower case. */
static int
set_apex(struct opts *o, const char *s)
{
	size_t i, len = strlen(s);

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(o->apexbuf))
		return -1;
	for (i = 0; i < len; i++)
		o->apexbuf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
		    s[i] - 'A' + 'a' : s[i]);
	o->apexbuf[len] = '\0';
	o->apex = o->apexbuf;
	return sslm_valid_hostname(o->apexbuf, 0) ? 0 : -1;
}

/* -m: a host name, one trailing dot allowed; "." (RFC 7505 null MX) is
 * no host. */
static int
add_mx(struct opts *o, const char *s)
{
	char	buf[256];
	size_t	len = strlen(s);

	if (strcmp(s, ".") == 0)
		return 0;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!sslm_valid_hostname(buf, 0))
		return -1;
	return names_add(&o->mx, buf, len);
}

static int
add_item(struct opts *o, const char *s)
{
	struct sslm_tlsa_item	*ni;
	char			 err[128];

	if ((ni = reallocarray(o->items, o->nitems + 1, sizeof(*ni))) ==
	    NULL) {
		sslm_warn("items");
		return -1;
	}
	o->items = ni;
	if (sslm_tlsa_parse(s, &o->items[o->nitems], err, sizeof(err)) ==
	    -1) {
		sslm_warnx("-r %s: %s", s, err);
		return -1;
	}
	o->nitems++;
	o->items_cli = 1;
	return 0;
}

static int
set_ttl(struct opts *o, const char *s)
{
	long long v;

	if (sslm_strtonum(s, -2147483647LL, 2147483647LL, &v) == -1)
		return -1;
	o->ttl = v;
	o->ttl_set = 1;
	return 0;
}

/* The options into o, checked.  Exits on a usage error. */
static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "one-line",	no_argument,		NULL,	'1' },
		{ "apex",	required_argument,	NULL,	'a' },
		{ "cert",	required_argument,	NULL,	'c' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "key",	required_argument,	NULL,	'k' },
		{ "mx",		required_argument,	NULL,	'm' },
		{ "san",	required_argument,	NULL,	'n' },
		{ "record",	required_argument,	NULL,	'r' },
		{ "stamp",	required_argument,	NULL,	'S' },
		{ "service",	required_argument,	NULL,	's' },
		{ "ttl",	required_argument,	NULL,	't' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	int		ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "1a:c:hjk:m:n:r:S:s:t:V",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case '1':
			o->oneline = 1;
			break;
		case 'a':
			if (set_apex(o, optarg) == -1) {
				sslm_warnx("-a %s: not a domain name", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'm':
			if (add_mx(o, optarg) == -1) {
				sslm_warnx("-m %s: not a host name", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'n':
			if (add_san(&o->sans, "-n", optarg, strlen(optarg)) ==
			    -1)
				usage(SSLM_EXIT_USAGE);
			break;
		case 'r':
			if (add_item(o, optarg) == -1)
				usage(SSLM_EXIT_USAGE);
			break;
		case 'S':
			if (strlen(optarg) > STAMP_MAX ||
			    strpbrk(optarg, " \t") != NULL ||
			    !sslm_no_ctrl(optarg, strlen(optarg))) {
				sslm_warnx("-S: a stamp is at most %d "
				    "characters without blanks", STAMP_MAX);
				usage(SSLM_EXIT_USAGE);
			}
			o->stamp = optarg;
			break;
		case 's':
			o->service = optarg;
			break;
		case 't':
			if (set_ttl(o, optarg) == -1) {
				sslm_warnx("-t %s: not a ttl", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'V':
			exit(sslm_version());
		case 'h':
			usage(SSLM_EXIT_OK);
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (argc != optind || o->apex == NULL || (o->cert && o->key) ||
	    (o->service == NULL && o->nitems == 0)) {
		if (o->apex == NULL && argc == optind)
			sslm_warnx("-a apex is required");
		usage(SSLM_EXIT_USAGE);
	}
	if (o->cert == NULL && o->key == NULL)
		o->cert = "-";
	if (o->service != NULL && strcmp(o->service, "-") == 0 &&
	    strcmp(o->cert != NULL ? o->cert : o->key, "-") == 0) {
		sslm_warnx("the service and the %s cannot both be stdin",
		    o->cert != NULL ? "certificate" : "key");
		usage(SSLM_EXIT_USAGE);
	}
}

int
main(int argc, char *argv[])
{
	struct opts	o;
	int		rc;

	sslm_setprogname(argv[0]);
	parse_opts(argc, argv, &o);
	rc = run(&o);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	free(o.items);
	names_free(&o.mx);
	names_free(&o.sans);
	return rc;
}
