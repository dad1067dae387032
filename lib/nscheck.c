/* SPDX-License-Identifier: MIT */
/*
 * nscheck.c: the documents of sslm-nscheck (what a zone's servers must
 * and must not serve), the servers to ask, one round of questions and
 * its verdict per server, and the JSON report of a zone.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "sslm.h"

#define MAX_DOCS	64		/* documents in one input */
#define MAX_RECS	256		/* present + absent of a document */
#define MAX_VALS	64		/* values of one record entry */
#define MAX_VALLEN	8192		/* bytes of one value */
#define MAX_XTRA	16		/* xtra_ns entries of a document */
#define MAX_ADDRS	16		/* addresses of one NS name */

/* One entry of "present" or "absent". */
struct sslm_nscheck_want {
	char		 name[256];
	int		 type;		/* LDNS_RR_TYPE_TXT or _TLSA */
	int		 absent;
	int		 exact;
	char		**vals;		/* TXT as is; TLSA "u s m hex" */
	size_t		 nval;
};

/* One query of a round and what it is for. */
struct qref {
	struct sslm_nscheck_zone *z;
	struct sslm_nscheck_srv	*s;
	int			 want;		/* -1: the SOA */
};

/* ---- input ---------------------------------------------------------- */

static int
bad(const char *file, const char *path, const char *why)
{
	sslm_warnx("%s: %s: %s", file, path, why);
	return -1;
}

static int
only_keys(const json_t *o, const char *const *keys, const char *file,
    const char *path)
{
	const char	*k;
	json_t		*v;
	char		 p[512];
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			snprintf(p, sizeof(p), "%s%s%.64s", path,
			    *path != '\0' ? "." : "", k);
			return bad(file, p, "unknown key");
		}
	}
	return 0;
}

/* One entry of "present" or "absent". */
static int
parse_want(const json_t *o, const char *apex, int absent,
    struct sslm_nscheck_want *w, const char *file, const char *path)
{
	static const char *const keys[] = { "name", "type", "values",
	    "exact", NULL };
	const json_t	*v, *vals, *ex;
	const char	*s;
	char		 p[512];
	size_t		 i, len;

	if (!json_is_object(o))
		return bad(file, path, "not an object");
	if (only_keys(o, keys, file, path) == -1)
		return -1;
	w->absent = absent;
	snprintf(p, sizeof(p), "%.200s.name", path);
	if ((s = json_string_value(json_object_get(o, "name"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (sslm_dns_name_norm(w->name, sizeof(w->name), s) == -1 ||
	    !sslm_dns_valid_owner(w->name))
		return bad(file, p, "not a valid DNS name");
	if (!sslm_dns_in_zone(w->name, apex))
		return bad(file, p, "not in the apex's zone");
	snprintf(p, sizeof(p), "%.200s.type", path);
	if ((s = json_string_value(json_object_get(o, "type"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (strcasecmp(s, "TXT") == 0)
		w->type = LDNS_RR_TYPE_TXT;
	else if (strcasecmp(s, "TLSA") == 0)
		w->type = LDNS_RR_TYPE_TLSA;
	else
		return bad(file, p, "not TXT or TLSA");
	snprintf(p, sizeof(p), "%.200s.exact", path);
	if ((ex = json_object_get(o, "exact")) != NULL) {
		if (!json_is_boolean(ex))
			return bad(file, p, "not a boolean");
		if (absent)
			return bad(file, p, "only for present records");
		w->exact = json_is_true(ex);
	}
	snprintf(p, sizeof(p), "%.200s.values", path);
	vals = json_object_get(o, "values");
	if (vals == NULL && absent)
		return 0;
	if (!json_is_array(vals))
		return bad(file, p, "missing or not an array");
	if (json_array_size(vals) > MAX_VALS)
		return bad(file, p, "too many values");
	if (json_array_size(vals) == 0 && !absent)
		return bad(file, p, "empty for a present record");
	if ((w->vals = calloc(json_array_size(vals) + 1,
	    sizeof(*w->vals))) == NULL)
		return bad(file, p, "out of memory");
	json_array_foreach(vals, i, v) {
		snprintf(p, sizeof(p), "%.200s.values[%zu]", path, i);
		if ((s = json_string_value(v)) == NULL)
			return bad(file, p, "not a string");
		len = json_string_length(v);
		if (len != strlen(s) || len > MAX_VALLEN)
			return bad(file, p, "holds NUL or is too long");
		if (w->type == LDNS_RR_TYPE_TLSA)
			w->vals[i] = sslm_dns_tlsa_norm(s);
		else
			w->vals[i] = strdup(s);
		if (w->vals[i] == NULL)
			return bad(file, p, w->type == LDNS_RR_TYPE_TLSA ?
			    "not \"usage selector mtype hex\"" :
			    "out of memory");
		w->nval++;
	}
	return 0;
}

static int
parse_list(const json_t *doc, const char *key, int absent,
    struct sslm_nscheck_zone *z, const char *file, const char *path)
{
	const json_t		 *l, *e;
	struct sslm_nscheck_want *nw;
	char			  p[512];
	size_t			  i;

	snprintf(p, sizeof(p), "%s%s%s", path, *path != '\0' ? "." : "", key);
	if ((l = json_object_get(doc, key)) == NULL)
		return 0;
	if (!json_is_array(l))
		return bad(file, p, "not an array");
	if (z->nw + json_array_size(l) > MAX_RECS)
		return bad(file, p, "too many records");
	if ((nw = reallocarray(z->w, z->nw + json_array_size(l) + 1,
	    sizeof(*nw))) == NULL)
		return bad(file, p, "out of memory");
	z->w = nw;
	json_array_foreach(l, i, e) {
		memset(&z->w[z->nw], 0, sizeof(z->w[z->nw]));
		z->nw++;
		snprintf(p, sizeof(p), "%s%s%s[%zu]", path,
		    *path != '\0' ? "." : "", key, i);
		if (parse_want(e, z->apex, absent, &z->w[z->nw - 1], file,
		    p) == -1)
			return -1;
	}
	return 0;
}

static int
add_srv(struct sslm_nscheck_zone *z, const char *name,
    const struct sslm_dns_srv *a, int xtra)
{
	struct sslm_nscheck_srv	*ns;
	size_t			 i;

	for (i = 0; i < z->ns; i++)
		if (z->s[i].xtra == xtra && z->s[i].a.port == a->port &&
		    strcmp(z->s[i].a.addr, a->addr) == 0)
			return 0;
	if ((ns = reallocarray(z->s, z->ns + 1, sizeof(*ns))) == NULL) {
		sslm_warn("%s", z->apex);
		return -1;
	}
	z->s = ns;
	ns = &z->s[z->ns];
	memset(ns, 0, sizeof(*ns));
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->a = *a;
	ns->xtra = xtra;
	ns->conv_ms = -1;
	ns->missing = json_array();
	ns->unexpected = json_array();
	z->ns++;
	if (ns->missing == NULL || ns->unexpected == NULL) {
		sslm_warnx("%s: out of memory", z->apex);
		return -1;
	}
	return 0;
}

static int
parse_doc(const json_t *doc, struct sslm_nscheck_zone *z,
    const struct sslm_dns_nsopts *o, const char *file, const char *path)
{
	static const char *const keys[] = { "apex", "primary", "present",
	    "absent", "xtra_ns", NULL };
	static const char *const pkeys[] = { "server", "port", NULL };
	const json_t	*pr, *v, *x;
	const char	*s;
	struct sslm_dns_srv addrs[MAX_ADDRS];
	char		 p[512], fq[300], err[128];
	long long	 port = 53;
	size_t		 i, j, n;

	if (!json_is_object(doc))
		return bad(file, *path ? path : "(top)", "not an object");
	if (only_keys(doc, keys, file, path) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s%sapex", path, *path ? "." : "");
	if ((s = json_string_value(json_object_get(doc, "apex"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (sslm_dns_name_norm(z->apex, sizeof(z->apex), s) == -1 ||
	    !sslm_valid_hostname(z->apex, 0))
		return bad(file, p, "not a valid DNS name");
	snprintf(fq, sizeof(fq), "%s.", z->apex);
	if ((z->apex_rdf = ldns_dname_new_frm_str(fq)) == NULL)
		return bad(file, p, "not a valid DNS name");

	snprintf(p, sizeof(p), "%s%sprimary", path, *path ? "." : "");
	pr = json_object_get(doc, "primary");
	if (!json_is_object(pr))
		return bad(file, p, "missing or not an object");
	if (only_keys(pr, pkeys, file, p) == -1)
		return -1;
	if ((v = json_object_get(pr, "port")) != NULL &&
	    (!json_is_integer(v) || (port = json_integer_value(v)) < 1 ||
	    port > 65535)) {
		return bad(file, strncat(p, ".port", sizeof(p) - strlen(p) - 1),
		    "not a port number");
	}
	strncat(p, ".server", sizeof(p) - strlen(p) - 1);
	if ((s = json_string_value(json_object_get(pr, "server"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (sslm_ip_literal(s) != 0) {
		if (sslm_dns_server(s, (int)port, &z->primary, err,
		    sizeof(err)) == -1)
			return bad(file, p, err);
	} else if (!sslm_valid_hostname(s, 0))
		return bad(file, p, "not an address or a host name");
	else if (!o->sysres)
		return bad(file, p, "a host name needs --system-resolver");
	else if (sslm_dns_sysresolve(s, (int)port, o->family, &z->primary, 1,
	    &n) == -1)
		return -1;

	if (parse_list(doc, "present", 0, z, file, path) == -1 ||
	    parse_list(doc, "absent", 1, z, file, path) == -1)
		return -1;

	snprintf(p, sizeof(p), "%s%sxtra_ns", path, *path ? "." : "");
	if ((x = json_object_get(doc, "xtra_ns")) == NULL)
		return 0;
	if (!json_is_array(x))
		return bad(file, p, "not an array");
	if (json_array_size(x) > MAX_XTRA)
		return bad(file, p, "too many entries");
	json_array_foreach(x, i, v) {
		snprintf(p, sizeof(p), "%s%sxtra_ns[%zu]", path,
		    *path ? "." : "", i);
		if ((s = json_string_value(v)) == NULL)
			return bad(file, p, "not a string");
		if (sslm_dns_server(s, 53, &addrs[0], err,
		    sizeof(err)) == 0)
			n = 1;
		else if (!sslm_valid_hostname(s, 0))
			return bad(file, p, err);
		else if (!o->sysres)
			return bad(file, p,
			    "a host name needs --system-resolver");
		else if (sslm_dns_sysresolve(s, 53, o->family, addrs, MAX_ADDRS,
		    &n) == -1)
			return -1;
		for (j = 0; j < n; j++)
			if (add_srv(z, s, &addrs[j], 1) == -1)
				return -1;
	}
	return 0;
}

/*
 * The documents of in (one object or an array of them) into *nz zones;
 * file names the input in messages.  NULL (warned) when one is wrong.
 */
struct sslm_nscheck_zone *
sslm_nscheck_load(const json_t *in, const char *file,
    const struct sslm_dns_nsopts *o, size_t *nz)
{
	struct sslm_nscheck_zone *zs;
	const json_t	*d;
	char		 path[32];
	size_t		 n, i;

	*nz = 0;
	n = json_is_array(in) ? json_array_size(in) : 1;
	if (n == 0 || n > MAX_DOCS) {
		sslm_warnx("%s: between 1 and %d documents expected", file,
		    MAX_DOCS);
		return NULL;
	}
	if ((zs = calloc(n, sizeof(*zs))) == NULL) {
		sslm_warn("%s", file);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		zs[i].elapsed = -1;
		d = json_is_array(in) ? json_array_get(in, i) : in;
		if (json_is_array(in))
			snprintf(path, sizeof(path), "[%zu]", i);
		else
			path[0] = '\0';
		if (parse_doc(d, &zs[i], o, file, path) == -1) {
			sslm_nscheck_free(zs, n);
			return NULL;
		}
	}
	*nz = n;
	return zs;
}

/* ---- discovery: serial, NS names, addresses ------------------------- */

/*
 * The primary's serial, the NS names of the apex and every address of
 * each: --ns-addr overrides, else glue and A/AAAA answers from the
 * primary, else (with -S only) the system resolver.
 */
int
sslm_nscheck_discover(struct sslm_nscheck_zone *z,
    const struct sslm_dns_nsopts *o)
{
	struct sslm_dns_ns	*ns = NULL;
	size_t			 i, n = 0;
	int			 rc = -1;

	if (sslm_dns_zone_servers(&z->primary, z->apex, z->apex_rdf, o,
	    &z->serial, &ns, &n) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (add_srv(z, ns[i].name, &ns[i].a, 0) == -1)
			goto out;
	rc = 0;
out:
	free(ns);
	return rc;
}

/* ---- one round ------------------------------------------------------ */

static const char *
type_str(int type)
{
	return type == LDNS_RR_TYPE_TLSA ? "TLSA" : "TXT";
}

static void
note(json_t *list, const struct sslm_nscheck_want *w, const char *v,
    size_t len)
{
	char	*s;

	if ((s = sslm_dns_printable(v, len)) == NULL)
		return;
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name",
	    w->name, "type", type_str(w->type), "value", s));
	free(s);
}

static int
has_val(char *const *vals, size_t n, const char *v, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(vals[i]) == len && memcmp(vals[i], v, len) == 0)
			return 1;
	return 0;
}

/* Compare what s serves for w (answer p) with what w expects. */
static void
check_want(struct sslm_nscheck_srv *s, const struct sslm_nscheck_want *w,
    const ldns_pkt *p)
{
	ldns_rdf	*name;
	ldns_rr		*rr;
	char		*got[MAX_VALS * 4], fq[300];
	size_t		 glen[MAX_VALS * 4], ng = 0, i, j;

	snprintf(fq, sizeof(fq), "%s.", w->name);
	if ((name = ldns_dname_new_frm_str(fq)) == NULL)
		return;
	i = 0;
	while (ng < MAX_VALS * 4 &&
	    (rr = sslm_dns_next(ldns_pkt_answer(p), name, w->type, &i)) !=
	    NULL)
		if ((got[ng] = sslm_dns_rr_value(rr, &glen[ng])) != NULL)
			ng++;
	ldns_rdf_deep_free(name);
	if (!w->absent)
		for (j = 0; j < w->nval; j++)
			if (!has_val(got, ng, w->vals[j], strlen(w->vals[j])))
				note(s->missing, w, w->vals[j],
				    strlen(w->vals[j]));
	for (i = 0; i < ng; i++) {
		if (w->absent ? w->nval == 0 || has_val(w->vals, w->nval,
		    got[i], glen[i]) : w->exact && !has_val(w->vals,
		    w->nval, got[i], glen[i]))
			note(s->unexpected, w, got[i], glen[i]);
		free(got[i]);
	}
}

static void
set_err(struct sslm_nscheck_srv *s, const struct sslm_nscheck_zone *z,
    int want, const char *why)
{
	s->records_ok = 0;
	if (s->err[0] != '\0')
		return;
	if (want == -1)
		snprintf(s->err, sizeof(s->err), "%s", why);
	else
		snprintf(s->err, sizeof(s->err), "%s %.253s: %.96s",
		    type_str(z->w[want].type), z->w[want].name, why);
}

/* Take the answer of one query of a round. */
static void
take_answer(const struct qref *r, const struct sslm_dnsq *q)
{
	struct sslm_nscheck_srv	*s = r->s;
	const struct sslm_nscheck_zone *z = r->z;

	if (q->ans == NULL) {
		set_err(s, z, r->want, q->err);
		return;
	}
	if (!s->xtra && !ldns_pkt_aa(q->ans)) {
		set_err(s, z, r->want, "not authoritative");
		return;
	}
	if (r->want != -1) {
		check_want(s, &z->w[r->want], q->ans);
		return;
	}
	if (sslm_dns_soa_serial(q->ans, z->apex_rdf, &s->serial) == 0)
		s->has_serial = 1;
	else if (!s->xtra)
		set_err(s, z, -1, "no SOA record for the apex");
}

/* FNV-1a over len bytes of p, continuing from h. */
static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* Add the JSON of a (compact, sorted keys) to h; out of memory adds "". */
static uint64_t
fnv_json(uint64_t h, const json_t *a)
{
	char	*t;

	if ((t = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return fnv(h, "", 1);
	h = fnv(h, t, strlen(t) + 1);
	free(t);
	return h;
}

/*
 * What s answered in the round just taken, as one number: its serial
 * (or none), failure and the records it lacks or should not serve.  Two
 * rounds with the same number saw the same answers.
 */
static uint64_t
answer_print(const struct sslm_nscheck_srv *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	unsigned char	b[5];

	b[0] = (unsigned char)s->has_serial;
	b[1] = (unsigned char)(s->serial >> 24);
	b[2] = (unsigned char)(s->serial >> 16);
	b[3] = (unsigned char)(s->serial >> 8);
	b[4] = (unsigned char)s->serial;
	h = fnv(h, b, s->has_serial ? 5 : 1);
	h = fnv(h, s->err, strlen(s->err) + 1);
	h = fnv_json(h, s->missing);
	return fnv_json(h, s->unexpected);
}

long
sslm_nscheck_round(struct sslm_nscheck_zone *zs, size_t nz, int timeout_ms,
    long long t0, int *changed)
{
	uint64_t		  print;
	struct sslm_dnsq	 *q = NULL;
	struct qref		 *r = NULL;
	struct sslm_nscheck_zone *z;
	struct sslm_nscheck_srv	 *s;
	size_t			  i, j, k, n = 0;
	long			  pending = -1;
	long long		  now;

	for (i = 0; i < nz; i++)
		for (j = 0; j < zs[i].ns; j++)
			if (!zs[i].s[j].done)
				n += 1 + zs[i].nw;
	if ((q = calloc(n + 1, sizeof(*q))) == NULL ||
	    (r = calloc(n + 1, sizeof(*r))) == NULL) {
		sslm_warn("round");
		goto out;
	}
	n = 0;
	for (i = 0; i < nz; i++) {
		z = &zs[i];
		for (j = 0; j < z->ns; j++) {
			if ((s = &z->s[j])->done)
				continue;
			for (k = 0; k <= z->nw; k++, n++) {
				r[n].z = z;
				r[n].s = s;
				r[n].want = (int)k - 1;
				q[n].srv = &s->a;
				q[n].qname = k == 0 ? z->apex :
				    z->w[k - 1].name;
				q[n].qtype = k == 0 ? LDNS_RR_TYPE_SOA :
				    z->w[k - 1].type;
				q[n].rd = s->xtra;
			}
			s->err[0] = '\0';
			s->has_serial = 0;
			s->records_ok = 1;
			json_array_clear(s->missing);
			json_array_clear(s->unexpected);
		}
	}
	if (sslm_dns_run(q, n, timeout_ms) == -1)
		goto out;
	for (i = 0; i < n; i++)
		take_answer(&r[i], &q[i]);
	now = sslm_now_ms();
	pending = 0;
	*changed = 0;
	for (i = 0; i < nz; i++) {
		z = &zs[i];
		for (j = 0; j < z->ns; j++) {
			if ((s = &z->s[j])->done)
				continue;
			if ((print = answer_print(s)) != s->print) {
				s->print = print;
				*changed = 1;
			}
			if (json_array_size(s->missing) != 0 ||
			    json_array_size(s->unexpected) != 0)
				s->records_ok = 0;
			if (s->err[0] == '\0' && s->records_ok &&
			    (s->xtra || (s->has_serial &&
			    sslm_dns_serial_ge(s->serial, z->serial)))) {
				s->done = 1;
				s->conv_ms = now - t0;
			} else
				pending++;
		}
		if (z->elapsed == -1) {
			for (j = 0; j < z->ns && z->s[j].done; j++)
				;
			if (j == z->ns)
				z->elapsed = now - t0;
		}
	}
out:
	for (i = 0; q != NULL && i < n; i++)
		ldns_pkt_free(q[i].ans);
	free(q);
	free(r);
	return pending;
}

/* ---- the report ----------------------------------------------------- */

static json_t *
srv_json(const struct sslm_nscheck_srv *s)
{
	return json_pack("{s:s, s:s, s:i, s:o, s:b, s:O, s:O, s:o, s:o}",
	    "name", s->name,
	    "address", s->a.addr,
	    "port", s->a.port,
	    "serial", s->has_serial ? json_integer(s->serial) : json_null(),
	    "records_ok", s->records_ok,
	    "missing", s->missing,
	    "unexpected", s->unexpected,
	    "converged_ms", s->done ? json_integer(s->conv_ms) : json_null(),
	    "error", s->err[0] != '\0' ? json_string(s->err) : json_null());
}

json_t *
sslm_nscheck_json(const struct sslm_nscheck_zone *z, long long now)
{
	json_t	*o, *sv, *xv;
	size_t	 i;

	sv = json_array();
	xv = json_array();
	for (i = 0; i < z->ns; i++)
		json_array_append_new(z->s[i].xtra ? xv : sv,
		    srv_json(&z->s[i]));
	o = json_pack("{s:s, s:b, s:I, s:I, s:{s:s, s:i}, s:o, s:o}",
	    "apex", z->apex,
	    "converged", z->elapsed != -1,
	    "elapsed_ms", (json_int_t)(z->elapsed != -1 ? z->elapsed : now),
	    "serial", (json_int_t)z->serial,
	    "primary", "address", z->primary.addr, "port", z->primary.port,
	    "servers", sv,
	    "xtra", xv);
	return o;
}

void
sslm_nscheck_free(struct sslm_nscheck_zone *zs, size_t nz)
{
	struct sslm_nscheck_zone *z;
	size_t			  i, j, k;

	for (k = 0; zs != NULL && k < nz; k++) {
		z = &zs[k];
		for (i = 0; i < z->nw; i++) {
			for (j = 0; j < z->w[i].nval; j++)
				free(z->w[i].vals[j]);
			free(z->w[i].vals);
		}
		free(z->w);
		for (i = 0; i < z->ns; i++) {
			json_decref(z->s[i].missing);
			json_decref(z->s[i].unexpected);
		}
		free(z->s);
		ldns_rdf_deep_free(z->apex_rdf);
	}
	free(zs);
}
