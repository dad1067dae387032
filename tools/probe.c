/* SPDX-License-Identifier: MIT */
/*
 * sslm-probe: what does a TLS server present, at every address of its
 * name, and is it valid: PKIX for the name, DANE against the TLSA
 * records a validating resolver gives, the expected certificate?  A
 * predicate: exit 0 yes at every address, 1 no at one (a reason line on
 * stderr per address), 3 when one could not be probed.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sslm.h"

#define ADDR_MAX	16		/* addresses of a name probed */
#define TIMEOUT_DEF	10		/* seconds, -t */
#define TIMEOUT_MAX	3600
#define DNS_TIMEOUT_MS	5000		/* the resolver's answers */

struct opts {
	const char	*cafile;
	const char	*resolver;
	const char	*connect_to;
	const char	*expect;
	int		 proto;		/* -1: by port */
	int		 json;
	int		 timeout_ms;
};

/* What the whole run knows before the first connection. */
struct ctx {
	const struct opts	*o;
	char			 host[256];
	int			 port;
	int			 smtp;		/* RFC 7672 rules: port 25 */
	int			 proto;
	SSL_CTX			*sctx;
	X509_STORE		*store;
	X509			*want;		/* --expect */
	struct sslm_dns_srv	 res;		/* -r */
	int			 asked;		/* TLSA looked up (-r) */
	int			 addr_dnssec;	/* SMTP: -1 not asked, 0 the
						 * addresses are insecure (no
						 * DANE), 1 secure */
	char			 base[256];	/* "" or the TLSA base domain,
						 * when not host (a CNAME) */
	int			 unusable;	/* secure, none usable */
	struct sslm_probe_tlsa	 t;
	struct sslm_tlsa_rr	*use;		/* the usable records */
	size_t			 nuse;
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-probe [-j] [-C cafile] [-r resolver[@port]] "
	    "[-c addr[:port]]\n"
	    "                  [-s smtp|imap|pop3|none] [-e cert.pem] "
	    "[-t seconds] host:port\n");
	exit(status);
}

/* "name:port", "v4:port" or "[v6]:port" into c->host and c->port. */
static int
parse_target(const char *arg, struct ctx *c)
{
	if (sslm_hostport(arg, strlen(arg), c->host, sizeof(c->host),
	    &c->port) == -1) {
		sslm_warnx("%s: not host:port (an IPv6 address as "
		    "[addr]:port)", arg);
		return -1;
	}
	return 0;
}

/* "usage selector mtype hex" of a record, new string. */
static char *
rr_text(const struct sslm_tlsa_rr *r)
{
	char	*h, *s = NULL;

	if ((h = sslm_hex(r->data, r->len)) == NULL)
		return NULL;
	if (asprintf(&s, "%d %d %d %s", r->usage, r->selector, r->mtype,
	    h) == -1)
		s = NULL;
	free(h);
	return s;
}

static const char *
tlsa_state(const struct ctx *c)
{
	static const char *const names[] = { "none", "insecure", "secure",
	    "bogus" };

	if (!c->asked)
		return "unchecked";
	if (c->unusable)
		return "unusable";
	return names[c->t.state];
}

/* The TLSA RRset of _port._tcp.name into c->t; -1 (warned) when no
 * answer came. */
static int
tlsa_lookup(struct ctx *c, const char *name)
{
	if (sslm_probe_tlsa(&c->res, name, c->port, DNS_TIMEOUT_MS,
	    &c->t) == -1) {
		sslm_warnx("%s:%d: TLSA lookup at %s: %s", c->host, c->port,
		    c->res.addr, c->t.err);
		return -1;
	}
	return 0;
}

/*
 * RFC 7672 2.2.2, before the TLSA records of an SMTP host: its address
 * records must be DNSSEC-secure (or start with a signed CNAME), else
 * DANE does not apply; at the end of a chain signed throughout, the
 * TLSA records of the expanded name come first, and when there are none
 * (or they are insecure) those of the host's own name.  1 when that
 * decided c->t (no DANE, bogus, or the expanded name's records), 0 to
 * look at the host's name, -1 on a failure (warned).
 */
static int
smtp_base(struct ctx *c)
{
	struct sslm_probe_addr	 st;

	if (sslm_probe_addr_dnssec(&c->res, c->host, DNS_TIMEOUT_MS,
	    &st) == -1) {
		sslm_warnx("%s:%d: address lookup at %s: %s", c->host,
		    c->port, c->res.addr, st.err);
		return -1;
	}
	if (st.bogus) {
		c->t.state = SSLM_TLSA_BOGUS;
		snprintf(c->t.err, sizeof(c->t.err), "not used: the address "
		    "records of %.250s: %.80s (bogus or unreachable)", c->host,
		    st.err);
		return 1;
	}
	c->addr_dnssec = st.first_secure;
	if (!st.first_secure) {
		c->t.state = SSLM_TLSA_INSECURE;
		return 1;
	}
	if (!st.secure || st.expanded[0] == '\0')
		return 0;
	if (tlsa_lookup(c, st.expanded) == -1)
		return -1;
	if (c->t.state == SSLM_TLSA_SECURE || c->t.state == SSLM_TLSA_BOGUS) {
		snprintf(c->base, sizeof(c->base), "%s", st.expanded);
		return 1;
	}
	sslm_probe_tlsa_free(&c->t);
	memset(&c->t, 0, sizeof(c->t));
	return 0;
}

/* The TLSA records (-r), and which of them may be used. */
static int
tlsa_setup(struct ctx *c)
{
	size_t	 i;

	if (c->o->resolver == NULL || sslm_ip_literal(c->host) != 0)
		return 0;
	if (c->smtp) {
		switch (smtp_base(c)) {
		case -1:
			return -1;
		case 1:
			goto have;	/* decided: c->t is the answer */
		}
	}
	if (tlsa_lookup(c, c->host) == -1)
		return -1;
have:
	c->asked = 1;
	if (c->t.state != SSLM_TLSA_SECURE)
		return 0;
	if ((c->use = calloc(c->t.n, sizeof(*c->use))) == NULL) {
		sslm_warnx("out of memory");
		return -1;
	}
	for (i = 0; i < c->t.n; i++)
		if (sslm_tlsa_usable(c->t.rr[i].usage, c->t.rr[i].selector,
		    c->t.rr[i].mtype, c->smtp))
			c->use[c->nuse++] = c->t.rr[i];
	c->unusable = c->nuse == 0;
	return 0;
}

/* -r resolver[@port] into c->res: an IPv6 resolver needs no brackets. */
static int
resolver(struct ctx *c)
{
	char		 err[128], spec[300];
	const char	*r = c->o->resolver, *at;

	if (r == NULL)
		return 0;
	if ((at = strchr(r, '@')) != NULL)
		snprintf(spec, sizeof(spec), "[%.*s]:%s", (int)(at - r), r,
		    at + 1);
	else
		snprintf(spec, sizeof(spec), "%s", r);
	if (sslm_dns_server(spec, 53, &c->res, err, sizeof(err)) == -1) {
		sslm_warnx("-r %s: %s", r, err);
		return -1;
	}
	return 0;
}

/* The addresses to probe: --connect-to, the literal, or the name's. */
static int
addresses(struct ctx *c, struct sslm_dns_srv *a, size_t *n)
{
	char	 err[128], spec[300];

	*n = 0;
	if (c->o->connect_to != NULL) {
		if (sslm_dns_server(c->o->connect_to, c->port, &a[0], err,
		    sizeof(err)) == -1) {
			sslm_warnx("--connect-to %s: %s", c->o->connect_to,
			    err);
			return -1;
		}
		*n = 1;
		return 0;
	}
	if (sslm_ip_literal(c->host) != 0) {
		snprintf(spec, sizeof(spec), "[%s]", c->host);
		if (sslm_dns_server(spec, c->port, &a[0], err,
		    sizeof(err)) == -1)
			return -1;
		*n = 1;
		return 0;
	}
	if (c->o->resolver == NULL)
		return sslm_dns_sysresolve(c->host, c->port, 0, a, ADDR_MAX, n);
	if (sslm_probe_resolve(&c->res, c->host, c->port, DNS_TIMEOUT_MS, a,
	    ADDR_MAX, n, err, sizeof(err)) == -1) {
		sslm_warnx("%s:%d: %s", c->host, c->port, err);
		return -1;
	}
	return 0;
}

/*
 * The verdict of one address (sslm-probe(1), VERDICT): the exit code and
 * the reason of a no or an error into why.
 */
static int
judge(const struct ctx *c, const struct sslm_probe_res *r, int probed,
    int *expect_match, char *why, size_t len)
{
	unsigned char	*a = NULL, *b = NULL;
	size_t		 al, bl;

	*expect_match = -1;
	if (!probed) {
		snprintf(why, len, "%s", r->err);
		return SSLM_EXIT_FAIL;
	}
	if (c->want != NULL) {
		if (sslm_cert_der(r->leaf, &a, &al) == -1 ||
		    sslm_cert_der(c->want, &b, &bl) == -1) {
			OPENSSL_free(a);
			snprintf(why, len, "%s", "cannot encode a certificate");
			return SSLM_EXIT_FAIL;
		}
		*expect_match = al == bl && memcmp(a, b, al) == 0;
		OPENSSL_free(a);
		OPENSSL_free(b);
	}
	if (*expect_match == 0) {
		snprintf(why, len, "serves another certificate than %s",
		    c->o->expect);
		return SSLM_EXIT_NO;
	}
	if (c->asked && c->t.state == SSLM_TLSA_BOGUS) {
		snprintf(why, len, "TLSA %s", c->t.err);
		return SSLM_EXIT_NO;
	}
	if (c->asked && c->t.state == SSLM_TLSA_SECURE) {
		if (c->unusable || r->dane_usable == 0) {
			snprintf(why, len, "DANE: no usable TLSA record%s",
			    c->smtp ? " (SMTP: usages 0 and 1 are not)" : "");
			return SSLM_EXIT_NO;
		}
		if (!r->dane_ok) {
			snprintf(why, len, "DANE: %s", r->dane_err);
			return SSLM_EXIT_NO;
		}
		return SSLM_EXIT_OK;
	}
	if (!r->pkix_ok) {
		snprintf(why, len, "PKIX: %s%s", r->pkix_err,
		    c->addr_dnssec == 0 ? " (the address records are not "
		    "signed: no DANE, RFC 7672 2.2.2)" :
		    c->asked && c->t.state == SSLM_TLSA_INSECURE ?
		    " (the TLSA records are not signed: no DANE)" : "");
		return SSLM_EXIT_NO;
	}
	return SSLM_EXIT_OK;
}

static json_t *
leaf_json(X509 *x)
{
	json_t		*f, *o;
	const char	*const keep[] = { "subject", "issuer", "not_before",
	    "not_after", "sans", "key", "sha256", "spki_sha256", NULL };
	size_t		 i;

	if ((f = sslm_info_cert(x, time(NULL))) == NULL)
		return NULL;
	if ((o = json_object()) != NULL)
		for (i = 0; keep[i] != NULL; i++)
			json_object_set(o, keep[i], json_object_get(f, keep[i]));
	json_decref(f);
	return o;
}

/* The JSON object of one address. */
static json_t *
addr_json(const struct ctx *c, const struct sslm_dns_srv *a,
    const struct sslm_probe_res *r, int probed, int rc, int em,
    const char *why)
{
	json_t	*dv, *m = json_null(), *j;
	char	*mt = NULL;

	if (!probed || !c->asked || c->t.state == SSLM_TLSA_NONE)
		dv = json_null();
	else
		dv = json_boolean(c->t.state == SSLM_TLSA_SECURE &&
		    !c->unusable && r->dane_ok);
	if (probed && r->dane_ok && r->dane_match >= 0 &&
	    (mt = rr_text(&c->use[r->dane_match])) != NULL)
		m = json_string(mt);
	free(mt);
	j = json_pack("{s:s, s:b, s:s?, s:s?, s:s?, s:o?, s:i, "
	    "s:{s:o, s:s?}, s:{s:s, s:o, s:o, s:s?}, s:{s:s?, s:o}}",
	    "address", a->addr, "valid", rc == SSLM_EXIT_OK,
	    "reason", rc == SSLM_EXIT_NO ? why : NULL,
	    "error", rc == SSLM_EXIT_FAIL ? why : NULL,
	    "tls_version", probed ? r->version : NULL,
	    "leaf", probed ? leaf_json(r->leaf) : json_null(),
	    "chain_length", probed && r->chain != NULL ?
	    sk_X509_num(r->chain) : 0,
	    "pkix", "valid", probed ? json_boolean(r->pkix_ok) : json_null(),
	    "error", probed && !r->pkix_ok ? r->pkix_err : NULL,
	    "dane", "state", tlsa_state(c), "valid", dv, "matched", m,
	    "error", probed && c->nuse > 0 && !r->dane_ok ? r->dane_err :
	    NULL,
	    "expect", "file", c->o->expect,
	    "match", em == -1 ? json_null() : json_boolean(em));
	return j;
}

/* The text of one address on stdout. */
static int
addr_text(const json_t *a, const char *label)
{
	const json_t	*l = json_object_get(a, "leaf");
	const json_t	*d = json_object_get(a, "dane");
	const json_t	*dn, *v;
	const char	*s;
	size_t		 i;

	if (printf("%s: %s\n", label, json_is_true(json_object_get(a,
	    "valid")) ? "valid" : json_is_string(json_object_get(a, "error")) ?
	    "error" : "not valid") < 0)
		return -1;
	if (json_is_null(l))
		return 0;
	printf("\tsubject: %s\n\tnot_after: %s\n\tspki_sha256: %s\n\tsans:",
	    json_string_value(json_object_get(l, "subject")),
	    json_string_value(json_object_get(l, "not_after")),
	    json_string_value(json_object_get(l, "spki_sha256")));
	dn = json_object_get(json_object_get(l, "sans"), "dns");
	json_array_foreach(dn, i, v)
		printf(" %s", json_string_value(v));
	dn = json_object_get(json_object_get(l, "sans"), "ip");
	json_array_foreach(dn, i, v)
		printf(" %s", json_string_value(v));
	s = json_string_value(json_object_get(json_object_get(a, "pkix"),
	    "error"));
	printf("\n\tpkix: %s%s\n\tdane: %s", s != NULL ? "not valid: " :
	    "valid", s != NULL ? s : "",
	    json_string_value(json_object_get(d, "state")));
	if ((s = json_string_value(json_object_get(d, "matched"))) != NULL)
		printf(", matched %s", s);
	else if ((s = json_string_value(json_object_get(d, "error"))) != NULL)
		printf(", not matched: %s", s);
	v = json_object_get(json_object_get(a, "expect"), "match");
	return printf("%s%s\n", json_is_null(v) ? "" : "\n\texpect: ",
	    json_is_null(v) ? "" : json_is_true(v) ? "match" : "differs") <
	    0 ? -1 : 0;
}

/* Probe every address; print; the worst verdict. */
static int
probe_all(struct ctx *c, const struct sslm_dns_srv *a, size_t n)
{
	struct sslm_probe_req	 q;
	struct sslm_probe_res	 r;
	json_t			*top = NULL, *arr, *rec, *one;
	char			 why[600], label[400], tname[300], *t;
	size_t			 i;
	int			 rc = SSLM_EXIT_OK, arc, probed, em;

	memset(&q, 0, sizeof(q));
	q.host = c->host;
	q.proto = c->proto;
	q.timeout_ms = c->o->timeout_ms;
	q.store = c->store;
	q.base = c->base[0] != '\0' ? c->base : NULL;
	q.tlsa = c->use;
	q.ntlsa = c->nuse;
	arr = json_array();
	rec = json_array();
	for (i = 0; c->asked && i < c->t.n; i++)
		if ((t = rr_text(&c->t.rr[i])) != NULL) {
			json_array_append_new(rec, json_string(t));
			free(t);
		}
	for (i = 0; i < n; i++) {
		q.addr = &a[i];
		probed = sslm_probe_run(c->sctx, &q, &r) == 0;
		arc = judge(c, &r, probed, &em, why, sizeof(why));
		snprintf(label, sizeof(label), "%s[%s]:%d", c->host, a[i].addr,
		    a[i].port);
		if (arc != SSLM_EXIT_OK)
			sslm_warnx("%s: %s", label, why);
		if (arc > rc)
			rc = arc;
		one = addr_json(c, &a[i], &r, probed, arc, em, why);
		sslm_probe_res_free(&r);
		if (one == NULL || (!c->o->json && addr_text(one, label) == -1)) {
			json_decref(one);
			rc = SSLM_EXIT_FAIL;
			continue;
		}
		json_array_append_new(arr, one);
	}
	if (!c->o->json)
		goto out;
	if (c->asked && c->addr_dnssec != 0 && c->t.state != SSLM_TLSA_BOGUS)
		snprintf(tname, sizeof(tname), "_%d._tcp.%s", c->port,
		    c->base[0] != '\0' ? c->base : c->host);
	else
		tname[0] = '\0';
	top = json_pack("{s:s, s:i, s:s, s:b, s:{s:s, s:s?, s:o, s:o, s:i}}",
	    "host", c->host, "port", c->port, "starttls",
	    sslm_starttls_name(c->proto), "valid", rc == SSLM_EXIT_OK,
	    "tlsa", "state", tlsa_state(c), "name", tname[0] != '\0' ?
	    tname : NULL, "address_dnssec", c->addr_dnssec == -1 ?
	    json_null() : json_boolean(c->addr_dnssec), "records", rec,
	    "usable", (int)c->nuse);
	rec = NULL;
	/* One address: its fields on top as well (address, leaf, ...). */
	if (top != NULL && json_array_size(arr) == 1)
		json_object_update_missing(top, json_array_get(arr, 0));
	if (top == NULL || json_object_set(top, "addresses", arr) == -1 ||
	    sslm_json_print(stdout, top, 1) == -1)
		rc = SSLM_EXIT_FAIL;
out:
	json_decref(rec);
	json_decref(arr);
	json_decref(top);
	return rc;
}

static int
run(const struct opts *o, const char *target)
{
	struct ctx		 c;
	struct sslm_dns_srv	 a[ADDR_MAX];
	size_t			 n;
	int			 rc = SSLM_EXIT_FAIL;

	memset(&c, 0, sizeof(c));
	c.o = o;
	if (parse_target(target, &c) == -1)
		return SSLM_EXIT_USAGE;
	c.smtp = c.port == 25;
	c.addr_dnssec = -1;
	c.proto = o->proto >= 0 ? o->proto : sslm_starttls_default(c.port);
	if ((c.store = X509_STORE_new()) == NULL ||
	    (o->cafile != NULL ? !X509_STORE_load_file(c.store, o->cafile) :
	    !X509_STORE_set_default_paths(c.store))) {
		sslm_warnx("%s: %s", o->cafile != NULL ? o->cafile :
		    "the system trust store", sslm_ossl_reason());
		goto out;
	}
	if ((c.sctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_dane_enable(c.sctx) <= 0) {
		sslm_warnx("TLS: %s", sslm_ossl_reason());
		goto out;
	}
	/* The trust of PKIX and of DANE's PKIX-TA(0) and PKIX-EE(1). */
	SSL_CTX_set1_cert_store(c.sctx, c.store);
	if (o->expect != NULL && (c.want = sslm_read_first_cert(o->expect)) ==
	    NULL)
		goto out;
	if (resolver(&c) == -1 || tlsa_setup(&c) == -1 ||
	    addresses(&c, a, &n) == -1)
		goto out;
	rc = probe_all(&c, a, n);
out:
	X509_free(c.want);
	SSL_CTX_free(c.sctx);
	X509_STORE_free(c.store);
	free(c.use);
	sslm_probe_tlsa_free(&c.t);
	return rc;
}

static const char *
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "ca-file",	required_argument,	NULL,	'C' },
		{ "connect-to",	required_argument,	NULL,	'c' },
		{ "expect",	required_argument,	NULL,	'e' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "resolver",	required_argument,	NULL,	'r' },
		{ "starttls",	required_argument,	NULL,	's' },
		{ "timeout",	required_argument,	NULL,	't' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	long long	 v;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->proto = -1;
	o->timeout_ms = TIMEOUT_DEF * 1000;
	while ((ch = getopt_long(argc, argv, "C:c:e:hjr:s:t:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
			o->cafile = optarg;
			break;
		case 'c':
			o->connect_to = optarg;
			break;
		case 'e':
			o->expect = optarg;
			break;
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'r':
			o->resolver = optarg;
			break;
		case 's':
			if ((o->proto = sslm_starttls_proto(optarg)) == -1) {
				sslm_warnx("--starttls %s: not smtp, imap, "
				    "pop3 or none", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 't':
			if (sslm_strtonum(optarg, 1, TIMEOUT_MAX, &v) == -1) {
				sslm_warnx("-t %s: not 1..%d seconds", optarg,
				    TIMEOUT_MAX);
				usage(SSLM_EXIT_USAGE);
			}
			o->timeout_ms = (int)v * 1000;
			break;
		case 'V':
			exit(sslm_version());
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		usage(SSLM_EXIT_USAGE);
	return argv[optind];
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	const char	*target;
	int		 rc;

	sslm_setprogname(argv[0]);
	target = parse_opts(argc, argv, &o);
	rc = run(&o, target);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
