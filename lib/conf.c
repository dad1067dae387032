/* SPDX-License-Identifier: MIT */
/*
 * conf.c: load an ssl-mgr conf.d tree (ssl-mgr.conf, ca-info.conf and the
 * service files of the selected groups), check every value that a
 * pipeline will later use in a path or a command, apply ssl-mgr's
 * defaults and build the one resolved JSON document of sslm-conf(1).
 *
 * Errors are "file:line: key: reason"; the first one ends the load (a bad
 * service file ends only that service when the caller keeps going).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "conf_priv.h"

/* ---- element checks (get_strlist) ---------------------------------------- */

static int
chk_host(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	if (!sslm_valid_host(n->s))
		return bad(c, n, shown, "\"%s\" is not a host name or an IP "
		    "address", n->s);
	return 0;
}

static int
chk_path(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	(void)c;
	(void)n;
	(void)shown;
	return 0;	/* want_string already refused control characters */
}

/*
 * A server to probe (sslm.conf(5), probe): "host:port", or
 * "host:port@addr[:port]" to reach host at that address.
 */
static int
chk_probe(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	struct sslm_dns_srv	 a;
	char			 host[256], err[128];
	const char		*at = strchr(n->s, '@');
	size_t			 len = at != NULL ? (size_t)(at - n->s) :
				    strlen(n->s);
	int			 port;

	if (sslm_hostport(n->s, len, host, sizeof(host), &port) == -1)
		return bad(c, n, shown, "\"%s\" is not host:port (an IPv6 "
		    "address as [addr]:port)", n->s);
	if (at != NULL && sslm_dns_server(at + 1, port, &a, err,
	    sizeof(err)) == -1)
		return bad(c, n, shown, "\"%s\": after @: %s", n->s, err);
	return 0;
}

static int
chk_depends(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	if (strcmp(n->s, "cert") != 0 && strcmp(n->s, "tlsa") != 0 &&
	    strcmp(n->s, "dns") != 0)
		return bad(c, n, shown, "\"%s\" is not one of cert, tlsa, dns",
		    n->s);
	return 0;
}

/* ---- ssl-mgr.conf ------------------------------------------------------- */

/* "addr" or "addr@port" (sslm-probe -r): 0, or -1. */
static int
resolver_ok(const char *r)
{
	struct sslm_dns_srv	 a;
	char			 spec[300], err[128];
	const char		*at = strchr(r, '@');

	if (at != NULL)
		snprintf(spec, sizeof(spec), "[%.*s]:%s", (int)(at - r), r,
		    at + 1);
	else
		snprintf(spec, sizeof(spec), "%s", r);
	return sslm_dns_server(spec, 53, &a, err, sizeof(err));
}

/* A [globals] key, or the same key at top level (ssl-mgr hoists them). */
static const struct sslm_toml *
gnode(struct ctx *c, const char *key)
{
	const struct sslm_toml *g = child(c->main, "globals"), *n;

	if (g != NULL && g->type == SSLM_TOML_TABLE &&
	    (n = sslm_toml_get(g, key)) != NULL)
		return n;
	return child(c->main, key);
}

/* A table holding just the key (for the typed getters). */
static const struct sslm_toml *
gtab(struct ctx *c, const char *key)
{
	const struct sslm_toml *g = child(c->main, "globals");

	if (g != NULL && g->type == SSLM_TOML_TABLE &&
	    sslm_toml_get(g, key) != NULL)
		return g;
	return c->main;
}

/*
 * Production copies create prod_cert_dir itself, never its parents: a
 * typing mistake there would otherwise grow a new tree that no server
 * reads.  0, or -1 (reported at prod_cert_dir's line).
 */
static int
prod_parent_ok(struct ctx *c, const char *abs)
{
	char		*p, *e;
	const char	*why = NULL;
	struct stat	 st;
	size_t		 n;

	if ((p = strdup(abs)) == NULL)
		return -1;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if ((e = strrchr(p, '/')) != NULL)
		*(e == p ? e + 1 : e) = '\0';
	if (stat(p, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL)
		bad(c, gnode(c, "prod_cert_dir"), "prod_cert_dir", "%s: %s "
		    "(only the last part of %s is created)", p, why, abs);
	free(p);
	return why != NULL ? -1 : 0;
}

static const char *const global_keys[] = {
	"verb", "debug", "sslm_auth_hook", "prod_cert_dir", "logdir",
	"clean_keep", "min_roll_mins", "dns_check_delay", "dns_xtra_ns",
	"post_copy_cmd", "preferred_acme_profile", "renew_expire_days",
	"renew_expire_days_spread", "acme_timeout", "acme_parallel",
	"probe_resolver", "probe_dane", NULL
};

static json_t *
load_globals(struct ctx *c)
{
	json_t		*g = NULL, *l = NULL, *pcc = NULL;
	const struct sslm_toml *n, *e, *top;
	const char	*s, *hook, *prod, *logdir, *pres;
	long long	 keep, mins, delay, acmet, acmep;
	int		 verb, debug, pdane;
	size_t		 i;
	char		*p = NULL, *prodabs = NULL, *logabs = NULL;

	top = child(c->main, "globals");
	if (need_table(c, top, "globals") == -1)
		return NULL;
	warn_unknown(c, top, "globals.", global_keys);
	if (get_bool(c, gtab(c, "verb"), "verb", "verb", 0, &verb) == -1 ||
	    get_bool(c, gtab(c, "debug"), "debug", "debug", 0, &debug) == -1 ||
	    get_str(c, gtab(c, "sslm_auth_hook"), "sslm_auth_hook",
	    "sslm_auth_hook", "/usr/lib/ssl-mgr/sslm-auth-hook", &hook) == -1 ||
	    get_str(c, gtab(c, "prod_cert_dir"), "prod_cert_dir",
	    "prod_cert_dir", "/etc/ssl-mgr/prod-certs", &prod) == -1 ||
	    get_str(c, gtab(c, "logdir"), "logdir", "logdir",
	    "/var/log/ssl-mgr", &logdir) == -1 ||
	    get_int(c, gtab(c, "clean_keep"), "clean_keep", "clean_keep", 10,
	    LLONG_MIN, 100000, &keep) == -1 ||
	    get_int(c, gtab(c, "min_roll_mins"), "min_roll_mins",
	    "min_roll_mins", 90, 0, 5256000, &mins) == -1 ||
	    get_int(c, gtab(c, "dns_check_delay"), "dns_check_delay",
	    "dns_check_delay", 0, LLONG_MIN, 86400, &delay) == -1 ||
	    get_int(c, gtab(c, "acme_timeout"), "acme_timeout",
	    "acme_timeout", SSLM_ACME_TIMEOUT, 1, 86400, &acmet) == -1 ||
	    get_int(c, gtab(c, "acme_parallel"), "acme_parallel",
	    "acme_parallel", SSLM_ACME_PARALLEL, 1, SSLM_ACME_PARALLEL_MAX,
	    &acmep) == -1 ||
	    get_str(c, gtab(c, "preferred_acme_profile"),
	    "preferred_acme_profile", "preferred_acme_profile", "",
	    &c->profile) == -1 ||
	    get_str(c, gtab(c, "probe_resolver"), "probe_resolver",
	    "probe_resolver", "", &pres) == -1 ||
	    get_bool(c, gtab(c, "probe_dane"), "probe_dane", "probe_dane", 1,
	    &pdane) == -1)
		return NULL;
	if (*pres != '\0' && resolver_ok(pres) == -1)
		return bad(c, gnode(c, "probe_resolver"), "probe_resolver",
		    "\"%s\" is not an IP address with an optional @port",
		    pres), NULL;
	if (*prod == '\0')
		return bad(c, gnode(c, "prod_cert_dir"), "prod_cert_dir",
		    "must not be empty"), NULL;
	if (*logdir == '\0')
		return bad(c, gnode(c, "logdir"), "logdir",
		    "must not be empty"), NULL;
	if (*c->profile != '\0' && !sslm_valid_filename(c->profile))
		return bad(c, gnode(c, "preferred_acme_profile"),
		    "preferred_acme_profile", "\"%s\" is not a profile name",
		    c->profile), NULL;
	if (keep < 1)
		keep = 1;
	if (delay < 0)
		delay = 0;
	if ((l = get_strlist(c, gtab(c, "dns_xtra_ns"), "dns_xtra_ns",
	    "dns_xtra_ns", chk_host)) == NULL)
		goto fail;
	if (gnode(c, "dns_xtra_ns") == NULL) {
		/* ssl-mgr's default: public resolvers. */
		json_array_append_new(l, json_string("1.1.1.1"));
		json_array_append_new(l, json_string("8.8.8.8"));
		json_array_append_new(l, json_string("9.9.9.9"));
		json_array_append_new(l, json_string("208.67.222.222"));
	}
	pcc = json_array();
	if ((n = gnode(c, "post_copy_cmd")) != NULL) {
		if (n->type != SSLM_TOML_ARRAY) {
			bad(c, n, "post_copy_cmd", "must be a list of "
			    "[host, cmd] pairs");
			goto fail;
		}
		for (i = 0; i < n->nkids; i++) {
			e = n->kids[i];
			if (e->type != SSLM_TOML_ARRAY || e->nkids != 2 ||
			    !is_clean_string(e->kids[0]) ||
			    !is_clean_string(e->kids[1])) {
				bad(c, e, "post_copy_cmd", "item %zu must be "
				    "[host, cmd], two strings", i + 1);
				goto fail;
			}
			if (chk_host(c, e->kids[0], "post_copy_cmd") == -1)
				goto fail;
			if (e->kids[1]->slen == 0) {
				bad(c, e, "post_copy_cmd", "item %zu has an "
				    "empty command", i + 1);
				goto fail;
			}
			json_array_append_new(pcc, json_pack("{s:s,s:o}",
			    "host", e->kids[0]->s, "cmd",
			    split_words(e->kids[1]->s)));
		}
	}
	if (asprintf(&p, "%s%s", prod, c->o->test ? ".test" : "") == -1) {
		p = NULL;
		goto fail;
	}
	if ((prodabs = top_path(c, p)) == NULL ||
	    (logabs = top_path(c, logdir)) == NULL)
		goto fail;
	if (prod_parent_ok(c, prodabs) == -1)
		goto fail;
	s = c->profile;
	g = json_pack("{s:b,s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:s,s:I,"
	    "s:I,s:s,s:b}",
	    "verb", verb, "debug", debug, "sslm_auth_hook", hook,
	    "prod_cert_dir", prodabs, "logdir", logabs, "clean_keep",
	    (json_int_t)keep, "min_roll_mins", (json_int_t)mins,
	    "dns_check_delay", (json_int_t)delay, "dns_xtra_ns", l,
	    "post_copy_cmd", pcc, "preferred_acme_profile", s,
	    "acme_timeout", (json_int_t)acmet, "acme_parallel",
	    (json_int_t)acmep, "probe_resolver", pres,
	    "probe_dane", pdane);
	free(p);
	free(prodabs);
	free(logabs);
	return g;
fail:
	free(p);
	free(prodabs);
	free(logabs);
	json_decref(l);
	json_decref(pcc);
	return NULL;
}

/* ---- renew timing -------------------------------------------------------- */

/*
 * Set column col at lifetime n: replace a point within 0.1 days, or
 * insert one whose other column keeps the curve's value there (so the
 * interpolated curve of that column does not change).
 */
static int
set_point(struct sslm_renew_point *p, size_t *np, double n, int col,
    double v)
{
	struct sslm_renew_point	 q;
	size_t			 i, j;

	for (i = 0; i < *np; i++)
		if (fabs(p[i].lifetime - n) <= 0.1)
			break;
	if (i == *np) {
		if (*np == SSLM_RENEW_MAXPOINTS)
			return -1;
		for (i = 0; i < *np && p[i].lifetime < n; i++)
			;
		q.lifetime = n;
		q.target = sslm_renew_lookup(p, *np, n, SSLM_RENEW_TARGET);
		q.rand_adj = sslm_renew_lookup(p, *np, n, SSLM_RENEW_RAND_ADJ);
		for (j = *np; j > i; j--)
			p[j] = p[j - 1];
		p[i] = q;
		(*np)++;
	}
	if (col == SSLM_RENEW_TARGET)
		p[i].target = v;
	else
		p[i].rand_adj = v;
	return 0;
}

static json_t *
load_renew_info(struct ctx *c)
{
	struct sslm_renew_point p[SSLM_RENEW_MAXPOINTS];
	size_t		 np, i;
	const struct sslm_toml *t, *n;
	const char	*k, *num;
	char		*end;
	double		 days, v;
	int		 col;
	json_t		*a;

	np = sslm_renew_nbuiltin;
	memcpy(p, sslm_renew_builtin, np * sizeof(p[0]));
	/* Deprecated globals first; [renew_info] overrides them. */
	if ((n = gnode(c, "renew_expire_days")) != NULL) {
		if (node_num(n, &v) == -1 || v < 0)
			return bad(c, n, "renew_expire_days", "expected a "
			    "number of days"), NULL;
		warn_at(c, n, "renew_expire_days", "deprecated, read as "
		    "[renew_info] target_90");
		set_point(p, &np, 90, SSLM_RENEW_TARGET, v);
	}
	if ((n = gnode(c, "renew_expire_days_spread")) != NULL) {
		if (node_num(n, &v) == -1 || v < 0)
			return bad(c, n, "renew_expire_days_spread", "expected "
			    "a number of days"), NULL;
		warn_at(c, n, "renew_expire_days_spread", "deprecated, read "
		    "as [renew_info] rand_adj_90");
		set_point(p, &np, 90, SSLM_RENEW_RAND_ADJ, v);
	}
	t = child(c->main, "renew_info");
	if (need_table(c, t, "renew_info") == -1)
		return NULL;
	for (i = 0; t != NULL && i < t->nkids; i++) {
		n = t->kids[i];
		k = n->key;
		if (strncmp(k, "renew_", 6) == 0)
			k += 6;
		if (strncmp(k, "target_", 7) == 0) {
			col = SSLM_RENEW_TARGET;
			num = k + 7;
		} else if (strncmp(k, "rand_adj_", 9) == 0) {
			col = SSLM_RENEW_RAND_ADJ;
			num = k + 9;
		} else {
			warn_at(c, n, n->key, "unknown key, ignored (use "
			    "target_N or rand_adj_N)");
			continue;
		}
		errno = 0;
		days = strtod(num, &end);
		if (*num == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(days) || days < 0 || days > 100000)
			return bad(c, n, n->key, "N must be a lifetime in "
			    "days"), NULL;
		if (node_num(n, &v) == -1 || v < 0 || v > 100000)
			return bad(c, n, n->key, "expected a number of days"),
			    NULL;
		/* ssl-mgr: a zero value does not override. */
		if (v == 0 && col == SSLM_RENEW_TARGET)
			continue;
		if (set_point(p, &np, days, col, v) == -1)
			return bad(c, n, n->key, "too many points"), NULL;
	}
	a = json_array();
	for (i = 0; i < np; i++)
		json_array_append_new(a, json_pack("{s:f,s:f,s:f}",
		    "lifetime", p[i].lifetime, "target", p[i].target, "rand_adj",
		    p[i].rand_adj));
	return a;
}

/* ---- [[dns_primary]], [dns], server classes ------------------------------ */

static json_t *
load_dns_primary(struct ctx *c)
{
	const struct sslm_toml	*t = child(c->main, "dns_primary"), *e, *n;
	const char		*dom, *srv;
	long long		 port;
	json_t			*a;
	size_t			 i;
	static const char *const keys[] = { "domain", "server", "port", NULL };

	a = json_array();
	if (t == NULL)
		return a;
	if (t->type != SSLM_TOML_ARRAY) {
		bad(c, t, "dns_primary", "must be an array of tables "
		    "([[dns_primary]])");
		goto fail;
	}
	for (i = 0; i < t->nkids; i++) {
		e = t->kids[i];
		if (e->type != SSLM_TOML_TABLE) {
			bad(c, e, "dns_primary", "must be an array of tables");
			goto fail;
		}
		warn_unknown(c, e, "dns_primary.", keys);
		if (get_str(c, e, "domain", "dns_primary.domain", "", &dom) ==
		    -1 || get_str(c, e, "server", "dns_primary.server", "",
		    &srv) == -1 || get_int(c, e, "port", "dns_primary.port",
		    53, 1, 65535, &port) == -1)
			goto fail;
		if (strcmp(dom, "default") != 0 && strcmp(dom, "*") != 0 &&
		    !sslm_valid_hostname(dom, 0)) {
			n = child(e, "domain");
			bad(c, n ? n : e, "dns_primary.domain", "\"%s\" is not "
			    "a domain, default or *", dom);
			goto fail;
		}
		if ((n = child(e, "server")) == NULL) {
			bad(c, e, "dns_primary.server", "missing");
			goto fail;
		}
		if (chk_host(c, n, "dns_primary.server") == -1)
			goto fail;
		json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "domain",
		    dom, "server", srv, "port", (json_int_t)port));
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
load_dns(struct ctx *c)
{
	static const char *const keys[] = { "restart_cmd", "acme_dir",
	    "tlsa_dirs", "depends", "skip_prod_copy", "servers",
	    "update_server", "update_port", "update_key_file", NULL };
	const struct sslm_toml	*t = child(c->main, "dns"), *n;
	json_t			*r, *a, *l, *d, *out = NULL;
	const char		*us, *uk;
	char			*ukabs = NULL;
	long long		 up;
	int			 skip;

	if (need_table(c, t, "dns") == -1)
		return NULL;
	warn_unknown(c, t, "dns.", keys);
	r = get_cmds(c, t, "restart_cmd", "dns.restart_cmd", 0);
	a = get_strlist(c, t, "acme_dir", "dns.acme_dir", chk_path);
	l = get_strlist(c, t, "tlsa_dirs", "dns.tlsa_dirs", chk_path);
	d = get_strlist(c, t, "depends", "dns.depends", chk_depends);
	if (r == NULL || a == NULL || l == NULL || d == NULL ||
	    top_paths(c, a) == -1 || top_paths(c, l) == -1 ||
	    get_bool(c, t, "skip_prod_copy", "dns.skip_prod_copy", 0,
	    &skip) == -1 ||
	    get_str(c, t, "update_server", "dns.update_server", "", &us) == -1 ||
	    get_int(c, t, "update_port", "dns.update_port", 53, 1, 65535,
	    &up) == -1 ||
	    get_str(c, t, "update_key_file", "dns.update_key_file", "",
	    &uk) == -1)
		goto out;
	/* RFC 2136: the primary that takes dynamic updates, and its key. */
	if (*us != '\0' && (n = child(t, "update_server")) != NULL &&
	    chk_host(c, n, "dns.update_server") == -1)
		goto out;
	if (*uk != '\0' && *us == '\0') {
		bad(c, child(t, "update_key_file"), "dns.update_key_file",
		    "needs dns.update_server");
		goto out;
	}
	if (*uk != '\0' && (ukabs = top_path(c, uk)) == NULL)
		goto out;
	out = json_pack("{s:O,s:O,s:O,s:O,s:b,s:s,s:I,s:s}", "restart_cmd", r,
	    "acme_dir", a, "tlsa_dirs", l, "depends", d, "skip_prod_copy",
	    skip, "update_server", us, "update_port", (json_int_t)up,
	    "update_key_file", ukabs != NULL ? ukabs : "");
out:
	free(ukabs);
	json_decref(r);
	json_decref(a);
	json_decref(l);
	json_decref(d);
	return out;
}

static json_t *
load_svc_depends(struct ctx *c, const struct sslm_toml *t, const char *shown)
{
	const struct sslm_toml	*n = child(t, "svc_depends"), *e, *s;
	json_t			*a, *svcs;
	size_t			 i, k;

	a = json_array();
	if (n == NULL)
		return a;
	if (n->type != SSLM_TOML_ARRAY) {
		bad(c, n, shown, "must be a list of [domain, [services]]");
		goto fail;
	}
	for (i = 0; i < n->nkids; i++) {
		e = n->kids[i];
		if (e->type != SSLM_TOML_ARRAY || e->nkids != 2 ||
		    !is_clean_string(e->kids[0])) {
			bad(c, e, shown, "item %zu must be [domain, "
			    "[services]]", i + 1);
			goto fail;
		}
		if (strcmp(e->kids[0]->s, "any") != 0 &&
		    strcmp(e->kids[0]->s, "all") != 0 &&
		    strcmp(e->kids[0]->s, "*") != 0 &&
		    !valid_group(e->kids[0]->s)) {
			bad(c, e, shown, "item %zu: \"%s\" is not a domain, "
			    "any, all or *", i + 1, e->kids[0]->s);
			goto fail;
		}
		s = e->kids[1];
		svcs = json_array();
		if (s->type == SSLM_TOML_STRING)
			k = 0;
		for (k = 0; k < (s->type == SSLM_TOML_STRING ? 1 : s->nkids);
		    k++) {
			const struct sslm_toml *v = s->type ==
			    SSLM_TOML_STRING ? s : s->kids[k];

			if ((s->type != SSLM_TOML_STRING &&
			    s->type != SSLM_TOML_ARRAY) ||
			    !is_clean_string(v) ||
			    !sslm_valid_filename(v->s)) {
				json_decref(svcs);
				bad(c, e, shown, "item %zu: services must be "
				    "service names", i + 1);
				goto fail;
			}
			json_array_append_new(svcs, json_string(v->s));
		}
		json_array_append_new(a, json_pack("{s:s,s:o}", "domain",
		    e->kids[0]->s, "services", svcs));
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
load_class(struct ctx *c, const char *name)
{
	static const char *const keys[] = { "servers", "restart_cmd",
	    "depends", "svc_depends", "server_dir", "skip_prod_copy", "probe",
	    NULL };
	const struct sslm_toml	*t = child(c->main, name);
	json_t			*srv = NULL, *r = NULL, *d = NULL, *sd = NULL;
	json_t			*pr = NULL;
	const char		*dir;
	char			 k[7][64], pre[32];
	int			 skip;

	snprintf(pre, sizeof(pre), "%s.", name);
	snprintf(k[0], sizeof(k[0]), "%s.servers", name);
	snprintf(k[1], sizeof(k[1]), "%s.restart_cmd", name);
	snprintf(k[2], sizeof(k[2]), "%s.depends", name);
	snprintf(k[3], sizeof(k[3]), "%s.svc_depends", name);
	snprintf(k[4], sizeof(k[4]), "%s.server_dir", name);
	snprintf(k[5], sizeof(k[5]), "%s.skip_prod_copy", name);
	snprintf(k[6], sizeof(k[6]), "%s.probe", name);
	if (need_table(c, t, name) == -1)
		return NULL;
	warn_unknown(c, t, pre, keys);
	if ((srv = get_strlist(c, t, "servers", k[0], chk_host)) == NULL ||
	    (r = get_cmds(c, t, "restart_cmd", k[1], 1)) == NULL ||
	    (d = get_strlist(c, t, "depends", k[2], chk_depends)) == NULL ||
	    (sd = load_svc_depends(c, t, k[3])) == NULL ||
	    get_str(c, t, "server_dir", k[4], "", &dir) == -1 ||
	    get_bool(c, t, "skip_prod_copy", k[5], 0, &skip) == -1 ||
	    (pr = get_strlist(c, t, "probe", k[6], chk_probe)) == NULL) {
		json_decref(srv);
		json_decref(r);
		json_decref(d);
		json_decref(sd);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:s,s:b,s:o}", "servers", srv,
	    "restart_cmd", r, "depends", d, "svc_depends", sd, "server_dir",
	    dir, "skip_prod_copy", skip, "probe", pr);
}


/* ---- conf.d and the whole load ------------------------------------------- */

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
find_confdir(struct ctx *c)
{
	const char	*top = getenv("SSL_MGR_TOPDIR");
	char		 buf[PATH_MAX], *p;
	size_t		 n;

	if (c->o->confdir != NULL) {
		c->confdir = strdup(c->o->confdir);
		if (c->confdir == NULL)
			return -1;
		n = strlen(c->confdir);
		while (n > 1 && c->confdir[n - 1] == '/')
			c->confdir[--n] = '\0';
	} else {
		c->confdir = NULL;
		if (top != NULL && *top != '\0') {
			snprintf(buf, sizeof(buf), "%s/conf.d", top);
			if (is_dir(buf))
				c->confdir = strdup(buf);
		}
		if (c->confdir == NULL && is_dir("conf.d"))
			c->confdir = strdup("conf.d");
		if (c->confdir == NULL)
			c->confdir = strdup("/etc/ssl-mgr/conf.d");
		if (c->confdir == NULL)
			return -1;
	}
	if (!is_dir(c->confdir)) {
		sslm_warnx("%s: no such directory (looked for conf.d in "
		    "$SSL_MGR_TOPDIR, . and /etc/ssl-mgr)", c->confdir);
		return -1;
	}
	if ((c->confabs = realpath(c->confdir, NULL)) == NULL) {
		sslm_warn("%s", c->confdir);
		return -1;
	}
	if ((c->topabs = strdup(c->confabs)) == NULL)
		return -1;
	if ((p = strrchr(c->topabs, '/')) != NULL)
		*(p == c->topabs ? p + 1 : p) = '\0';
	return 0;
}

static struct sslm_toml *
load_file(struct ctx *c, const char *name, char **shown, int optional)
{
	char		 abs[PATH_MAX], err[PATH_MAX + 256];
	struct stat	 st;
	struct sslm_toml *t;
	const char	*p;

	if (asprintf(shown, "%s/%s", c->confdir, name) == -1) {
		*shown = NULL;
		return NULL;
	}
	snprintf(abs, sizeof(abs), "%s/%s", c->confabs, name);
	if (optional && stat(abs, &st) == -1 && errno == ENOENT)
		return NULL;
	if ((t = sslm_toml_load(abs, err, sizeof(err))) == NULL) {
		p = strncmp(err, abs, strlen(abs)) == 0 ? err + strlen(abs) :
		    NULL;
		if (p != NULL)
			sslm_warnx("%s%s", *shown, p);
		else
			sslm_warnx("%s", err);
	}
	return t;
}

static int
check_main_tables(struct ctx *c)
{
	static const char *const known[] = { "globals", "renew_info", "groups",
	    "dns_primary", "dns", "smtp", "imap", "web", "other", NULL };
	size_t	i, k;
	const struct sslm_toml *n;

	c->file = c->mainpath;
	for (i = 0; i < c->main->nkids; i++) {
		n = c->main->kids[i];
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(n->key, known[k]) == 0)
				break;
		if (known[k] != NULL)
			continue;
		if (n->type == SSLM_TOML_TABLE)
			warn_unknown_key(c, n, n->key, "table", known);
		else {
			for (k = 0; global_keys[k] != NULL; k++)
				if (strcmp(n->key, global_keys[k]) == 0)
					break;
			if (global_keys[k] == NULL)
				warn_unknown_key(c, n, n->key, "key",
				    global_keys);
		}
	}
	return 0;
}

json_t *
sslm_conf_load(const struct sslm_conf_opts *o, int *nbad)
{
	struct ctx	 c;
	json_t		*doc = NULL, *globals = NULL, *ri = NULL, *dns = NULL,
			*servers = NULL, *groups = NULL, *g, *svcs, *v, *s,
			*cls;
	char		*certs = NULL;
	static const char *const classes[] = { "smtp", "imap", "web", "other",
	    NULL };
	size_t		 i, k;

	memset(&c, 0, sizeof(c));
	c.o = o;
	*nbad = 0;
	if ((c.said = json_object()) == NULL)
		goto out;
	if (find_confdir(&c) == -1)
		goto out;
	if ((c.main = load_file(&c, "ssl-mgr.conf", &c.mainpath, 0)) == NULL)
		goto out;
	c.cainfo = load_file(&c, "ca-info.conf", &c.capath, 1);
	if (c.cainfo == NULL && c.capath != NULL) {
		char abs[PATH_MAX];
		struct stat st;

		snprintf(abs, sizeof(abs), "%s/ca-info.conf", c.confabs);
		if (stat(abs, &st) == 0 || errno != ENOENT)
			goto out;
	}
	c.file = c.mainpath;
	check_main_tables(&c);
	if ((globals = load_globals(&c)) == NULL ||
	    (ri = load_renew_info(&c)) == NULL ||
	    (c.dns_primary = load_dns_primary(&c)) == NULL ||
	    (dns = load_dns(&c)) == NULL)
		goto out;
	servers = json_object();
	for (i = 0; classes[i] != NULL; i++) {
		if ((cls = load_class(&c, classes[i])) == NULL)
			goto out;
		json_object_set_new(servers, classes[i], cls);
	}
	if (load_cas(&c) == -1)
		goto out;
	c.groups = json_array();
	if ((o->nsel > 0 ? select_from_args(&c) :
	    select_from_config(&c)) == -1)
		goto out;
	groups = json_array();
	json_array_foreach(c.groups, i, g) {
		const char *grp = json_string_value(json_object_get(g,
		    "domain"));

		svcs = json_array();
		json_array_foreach(json_object_get(g, "services"), k, v) {
			s = load_service(&c, grp, json_string_value(v));
			if (s == NULL) {
				if (!o->keep_going) {
					json_decref(svcs);
					goto out;
				}
				(*nbad)++;
				s = json_pack("{s:O,s:s,s:s}", "service", v,
				    "group", grp, "error", c.msg);
			}
			json_array_append_new(svcs, s);
		}
		json_array_append_new(groups, json_pack("{s:s,s:o,s:o}",
		    "domain", grp, "dns_primary", primary_for(&c, grp),
		    "services", svcs));
	}
	if ((certs = top_path(&c, "certs")) == NULL)
		goto out;
	doc = json_pack("{s:i,s:s,s:s,s:s,s:b,s:O,s:O,s:O,s:O,s:O,s:O,s:O}",
	    "sslm_conf", 1, "topdir", c.topabs, "confdir", c.confabs,
	    "certs_dir", certs, "test", o->test, "globals", globals,
	    "renew_info", ri, "dns_primary", c.dns_primary, "dns", dns,
	    "servers", servers, "cas", c.cas, "groups", groups);
out:
	free(certs);
	json_decref(globals);
	json_decref(ri);
	json_decref(dns);
	json_decref(servers);
	json_decref(groups);
	json_decref(c.cas);
	json_decref(c.dns_primary);
	json_decref(c.groups);
	json_decref(c.said);
	sslm_toml_free(c.main);
	sslm_toml_free(c.cainfo);
	free(c.mainpath);
	free(c.capath);
	free(c.confdir);
	free(c.confabs);
	free(c.topabs);
	return doc;
}

char *
sslm_conf_eab_key(const char *confdir, const char *ca)
{
	struct sslm_conf_opts	 o;
	struct ctx		 c;
	const struct sslm_toml	*t, *k;
	char			*key = NULL;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	o.confdir = confdir;
	c.o = &o;
	if (find_confdir(&c) == -1)
		goto out;
	if ((c.cainfo = load_file(&c, "ca-info.conf", &c.capath, 0)) == NULL)
		goto out;
	if ((t = sslm_toml_get(c.cainfo, ca)) == NULL ||
	    t->type != SSLM_TOML_TABLE) {
		sslm_warnx("%s: no CA \"%s\"", c.capath, ca);
		goto out;
	}
	if ((k = sslm_toml_get(t, "acme_eab_hmac_key")) == NULL ||
	    !is_clean_string(k) || k->slen == 0) {
		sslm_warnx("%s: %s: no acme_eab_hmac_key", c.capath, ca);
		goto out;
	}
	key = strdup(k->s);
out:
	sslm_toml_free(c.cainfo);
	free(c.capath);
	free(c.confdir);
	free(c.confabs);
	free(c.topabs);
	return key;
}
