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

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "sslm.h"

#define LE_PROD		"https://acme-v02.api.letsencrypt.org/directory"
#define LE_STAGING	"https://acme-staging-v02.api.letsencrypt.org/directory"

struct ctx {
	const struct sslm_conf_opts *o;
	char		*confdir;	/* as shown in messages */
	char		*confabs;	/* absolute */
	char		*topabs;	/* absolute: the parent of conf.d */
	const char	*file;		/* file being read, as shown */
	char		 msg[PATH_MAX + 1024];	/* the last error */
	struct sslm_toml *main;		/* ssl-mgr.conf */
	struct sslm_toml *cainfo;	/* ca-info.conf, NULL when absent */
	char		*mainpath, *capath;
	json_t		*cas;		/* resolved CAs by name */
	json_t		*dns_primary;
	json_t		*groups;	/* [{"domain", "services": [names]}] */
	const char	*profile;	/* global preferred_acme_profile */
	json_t		*said;		/* warnings given, to give each once */
};

/* ---- messages ----------------------------------------------------------- */

static void
vreport(struct ctx *c, int warning, const struct sslm_toml *n,
    const char *key, const char *fmt, va_list ap)
{
	char	where[PATH_MAX + 32], what[768];

	if (n != NULL && n->line > 0)
		snprintf(where, sizeof(where), "%s:%d", c->file, n->line);
	else
		snprintf(where, sizeof(where), "%s", c->file);
	vsnprintf(what, sizeof(what), fmt, ap);
	if (key != NULL)
		snprintf(c->msg, sizeof(c->msg), "%s: %s: %s", where, key,
		    what);
	else
		snprintf(c->msg, sizeof(c->msg), "%s: %s", where, what);
	if (warning && c->said != NULL) {
		/* The same file:line and words once per run. */
		if (json_object_get(c->said, c->msg) != NULL)
			return;
		json_object_set_new(c->said, c->msg, json_true());
	}
	sslm_warnx("%s%s", warning ? "warning: " : "", c->msg);
}

/* Report an error at node n (NULL: the file) for key; returns -1. */
static int
bad(struct ctx *c, const struct sslm_toml *n, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, 0, n, key, fmt, ap);
	va_end(ap);
	return -1;
}

static void
warn_at(struct ctx *c, const struct sslm_toml *n, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, 1, n, key, fmt, ap);
	va_end(ap);
}

/* ---- typed access ------------------------------------------------------- */

static const struct sslm_toml *
child(const struct sslm_toml *t, const char *key)
{
	return t != NULL ? sslm_toml_get(t, key) : NULL;
}

/* A string value without control characters or NUL. */
static int
is_clean_string(const struct sslm_toml *n)
{
	return n->type == SSLM_TOML_STRING && strlen(n->s) == n->slen &&
	    sslm_no_ctrl(n->s, n->slen);
}

static int
want_string(struct ctx *c, const struct sslm_toml *n, const char *key)
{
	if (n->type != SSLM_TOML_STRING)
		return bad(c, n, key, "expected a string, not %s",
		    sslm_toml_typename(n->type));
	if (!is_clean_string(n))
		return bad(c, n, key, "control characters are not allowed");
	return 0;
}

/* *out = the string at t.key, or def when absent.  0 or -1 (reported). */
static int
get_str(struct ctx *c, const struct sslm_toml *t, const char *key,
    const char *shown, const char *def, const char **out)
{
	const struct sslm_toml *n = child(t, key);

	*out = def;
	if (n == NULL)
		return 0;
	if (want_string(c, n, shown) == -1)
		return -1;
	*out = n->s;
	return 0;
}

/* An integer, or a string of decimal digits (ssl-mgr accepted both). */
static int
node_int(const struct sslm_toml *n, long long *v)
{
	char	*end;

	if (n->type == SSLM_TOML_INT) {
		*v = n->i;
		return 0;
	}
	if (n->type == SSLM_TOML_STRING && n->slen > 0 && n->slen < 19 &&
	    strspn(n->s, "0123456789") == n->slen) {
		*v = strtoll(n->s, &end, 10);
		return 0;
	}
	return -1;
}

static int
get_int(struct ctx *c, const struct sslm_toml *t, const char *key,
    const char *shown, long long def, long long min, long long max,
    long long *out)
{
	const struct sslm_toml *n = child(t, key);

	*out = def;
	if (n == NULL)
		return 0;
	if (node_int(n, out) == -1)
		return bad(c, n, shown, "expected an integer, not %s",
		    sslm_toml_typename(n->type));
	if (*out < min || *out > max)
		return bad(c, n, shown, "%lld is out of range %lld..%lld",
		    *out, min, max);
	return 0;
}

static int
get_bool(struct ctx *c, const struct sslm_toml *t, const char *key,
    const char *shown, int def, int *out)
{
	const struct sslm_toml *n = child(t, key);

	*out = def;
	if (n == NULL)
		return 0;
	if (n->type != SSLM_TOML_BOOL)
		return bad(c, n, shown, "expected true or false, not %s",
		    sslm_toml_typename(n->type));
	*out = (int)n->i;
	return 0;
}

static int
node_num(const struct sslm_toml *n, double *v)
{
	if (n->type == SSLM_TOML_INT)
		*v = (double)n->i;
	else if (n->type == SSLM_TOML_FLOAT && isfinite(n->f))
		*v = n->f;
	else
		return -1;
	return 0;
}

/*
 * A string or a list of strings as a JSON array of strings; an empty
 * string gives an empty list.  check, when set, validates each element.
 */
static json_t *
get_strlist(struct ctx *c, const struct sslm_toml *t, const char *key,
    const char *shown, int (*check)(struct ctx *, const struct sslm_toml *,
    const char *))
{
	const struct sslm_toml	*n = child(t, key), *e;
	json_t			*a;
	size_t			 i;

	if ((a = json_array()) == NULL)
		return NULL;
	if (n == NULL)
		return a;
	if (n->type == SSLM_TOML_STRING) {
		if (want_string(c, n, shown) == -1)
			goto fail;
		if (n->slen == 0)
			return a;
		if (check != NULL && check(c, n, shown) == -1)
			goto fail;
		json_array_append_new(a, json_string(n->s));
		return a;
	}
	if (n->type != SSLM_TOML_ARRAY) {
		bad(c, n, shown, "expected a string or a list of strings, "
		    "not %s", sslm_toml_typename(n->type));
		goto fail;
	}
	for (i = 0; i < n->nkids; i++) {
		e = n->kids[i];
		if (want_string(c, e, shown) == -1)
			goto fail;
		if (e->slen == 0)
			continue;
		if (check != NULL && check(c, e, shown) == -1)
			goto fail;
		json_array_append_new(a, json_string(e->s));
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

/* Case-folded character for the distance below. */
static int
fold(char ch)
{
	return tolower((unsigned char)ch);
}

/*
 * Edit distance of a and b (insertions, deletions, substitutions and
 * transpositions of neighbours, case ignored: the optimal string
 * alignment form of Damerau-Levenshtein).  Keys of 64 characters and
 * more count as far from everything.
 */
static int
key_distance(const char *a, const char *b)
{
	int	d[64][64], v;
	size_t	la = strlen(a), lb = strlen(b), i, j;

	if (la >= 64 || lb >= 64)
		return INT_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (fold(a[i - 1]) != fold(b[j - 1]));
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
			    fold(a[i - 2]) == fold(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/*
 * The key of known (NULL-terminated) that key is most likely a typing
 * mistake for, or NULL.  Close means at most 2 edits, 1 for keys of up
 * to 4 characters, only a change of case for keys of 1 or 2.
 */
static const char *
resembles(const char *key, const char *const *known)
{
	const char	*best = NULL;
	size_t		 k, len;
	int		 d, bd = INT_MAX, limit;

	for (k = 0; known[k] != NULL; k++) {
		len = strlen(known[k]);
		limit = len <= 2 ? 0 : len <= 4 ? 1 : 2;
		d = key_distance(key, known[k]);
		if (d <= limit && d < bd) {
			bd = d;
			best = known[k];
		}
	}
	return best;
}

/* Warn that key (node n) is unknown, naming the known key it resembles. */
static void
warn_unknown_key(struct ctx *c, const struct sslm_toml *n, const char *shown,
    const char *what, const char *const *known)
{
	const char *near = resembles(n->key, known);

	if (near != NULL)
		warn_at(c, n, shown, "unknown %s, ignored (did you mean %s?)",
		    what, near);
	else
		warn_at(c, n, shown, "unknown %s, ignored", what);
}

/* Warn about keys of table t that are not in known (NULL-terminated). */
static void
warn_unknown(struct ctx *c, const struct sslm_toml *t, const char *prefix,
    const char *const *known)
{
	size_t	i, k;
	char	shown[256];

	if (t == NULL)
		return;
	for (i = 0; i < t->nkids; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(t->kids[i]->key, known[k]) == 0)
				break;
		if (known[k] != NULL)
			continue;
		snprintf(shown, sizeof(shown), "%s%s", prefix,
		    t->kids[i]->key);
		warn_unknown_key(c, t->kids[i], shown, "key", known);
	}
}

static int
need_table(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	if (n != NULL && n->type != SSLM_TOML_TABLE)
		return bad(c, n, shown, "expected a table, not %s",
		    sslm_toml_typename(n->type));
	return 0;
}

/* ---- element checks ----------------------------------------------------- */

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

static int
chk_depends(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	if (strcmp(n->s, "cert") != 0 && strcmp(n->s, "tlsa") != 0 &&
	    strcmp(n->s, "dns") != 0)
		return bad(c, n, shown, "\"%s\" is not one of cert, tlsa, dns",
		    n->s);
	return 0;
}

/* A group name: "ca" or a DNS name. */
static int
valid_group(const char *s)
{
	return strcmp(s, "ca") == 0 || sslm_valid_hostname(s, 0);
}

/*
 * Split a command string on white space into an argv array.  Empty
 * strings give NULL with *empty set.
 */
static json_t *
split_words(const char *s)
{
	json_t		*a;
	const char	*p = s, *q;

	if ((a = json_array()) == NULL)
		return NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ' ' && *q != '\t')
			q++;
		json_array_append_new(a, json_stringn(p, (size_t)(q - p)));
		p = q;
	}
	return a;
}

/*
 * A path from the configuration, absolute: relative paths are taken from
 * TOP (ssl-mgr took them from the working directory, which is TOP when
 * ./conf.d is found).  New string; NULL when out of memory.
 */
static char *
top_path(struct ctx *c, const char *p)
{
	char *r;

	if (*p == '/')
		return strdup(p);
	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/'; p++)
			;
	if (strcmp(p, ".") == 0 || *p == '\0')
		return strdup(c->topabs);
	if (asprintf(&r, "%s%s%s", c->topabs,
	    strcmp(c->topabs, "/") == 0 ? "" : "/", p) == -1)
		return NULL;
	return r;
}

/* Replace each string of array a by its top_path.  0 or -1. */
static int
top_paths(struct ctx *c, json_t *a)
{
	size_t	 i;
	json_t	*v;
	char	*p;

	json_array_foreach(a, i, v) {
		if ((p = top_path(c, json_string_value(v))) == NULL)
			return -1;
		json_array_set_new(a, i, json_string(p));
		free(p);
	}
	return 0;
}

/* Command list: each string split into words (split) or kept whole. */
static json_t *
get_cmds(struct ctx *c, const struct sslm_toml *t, const char *key,
    const char *shown, int split)
{
	json_t	*l, *out, *v, *w;
	size_t	 i;

	if ((l = get_strlist(c, t, key, shown, NULL)) == NULL)
		return NULL;
	out = json_array();
	json_array_foreach(l, i, v) {
		if (split)
			w = split_words(json_string_value(v));
		else
			w = json_pack("[O]", v);
		if (json_array_size(w) > 0)
			json_array_append(out, w);
		json_decref(w);
	}
	json_decref(l);
	return out;
}

/* ---- ssl-mgr.conf ------------------------------------------------------- */

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
	"renew_expire_days_spread", NULL
};

static json_t *
load_globals(struct ctx *c)
{
	json_t		*g = NULL, *l = NULL, *pcc = NULL;
	const struct sslm_toml *n, *e, *top;
	const char	*s, *hook, *prod, *logdir;
	long long	 keep, mins, delay;
	int		 verb, debug;
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
	    get_str(c, gtab(c, "preferred_acme_profile"),
	    "preferred_acme_profile", "preferred_acme_profile", "",
	    &c->profile) == -1)
		return NULL;
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
	g = json_pack("{s:b,s:b,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:s}",
	    "verb", verb, "debug", debug, "sslm_auth_hook", hook,
	    "prod_cert_dir", prodabs, "logdir", logabs, "clean_keep",
	    (json_int_t)keep, "min_roll_mins", (json_int_t)mins,
	    "dns_check_delay", (json_int_t)delay, "dns_xtra_ns", l,
	    "post_copy_cmd", pcc, "preferred_acme_profile", s);
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

/* ---- renew timing --------------------------------------------------------- */

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
	    "depends", "svc_depends", "server_dir", "skip_prod_copy", NULL };
	const struct sslm_toml	*t = child(c->main, name);
	json_t			*srv = NULL, *r = NULL, *d = NULL, *sd = NULL;
	const char		*dir;
	char			 k[6][64], pre[32];
	int			 skip;

	snprintf(pre, sizeof(pre), "%s.", name);
	snprintf(k[0], sizeof(k[0]), "%s.servers", name);
	snprintf(k[1], sizeof(k[1]), "%s.restart_cmd", name);
	snprintf(k[2], sizeof(k[2]), "%s.depends", name);
	snprintf(k[3], sizeof(k[3]), "%s.svc_depends", name);
	snprintf(k[4], sizeof(k[4]), "%s.server_dir", name);
	snprintf(k[5], sizeof(k[5]), "%s.skip_prod_copy", name);
	if (need_table(c, t, name) == -1)
		return NULL;
	warn_unknown(c, t, pre, keys);
	if ((srv = get_strlist(c, t, "servers", k[0], chk_host)) == NULL ||
	    (r = get_cmds(c, t, "restart_cmd", k[1], 1)) == NULL ||
	    (d = get_strlist(c, t, "depends", k[2], chk_depends)) == NULL ||
	    (sd = load_svc_depends(c, t, k[3])) == NULL ||
	    get_str(c, t, "server_dir", k[4], "", &dir) == -1 ||
	    get_bool(c, t, "skip_prod_copy", k[5], 0, &skip) == -1) {
		json_decref(srv);
		json_decref(r);
		json_decref(d);
		json_decref(sd);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o,s:o,s:s,s:b}", "servers", srv,
	    "restart_cmd", r, "depends", d, "svc_depends", sd, "server_dir",
	    dir, "skip_prod_copy", skip);
}

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

static int
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

/*
 * Is path a service file?  ssl-mgr's test: after deleting white space,
 * some lines start with name=, group=, service=, [KeyOpts] and [X509].
 */
static int
looks_like_service(const char *path)
{
	static const char *const marks[] = { "name=", "group=", "service=",
	    "[KeyOpts]", "[X509]" };
	char	*buf, *line, *save = NULL, *p, *q;
	size_t	 len, k;
	int	 seen = 0;

	if ((buf = sslm_readfile(path, 1 << 20, &len)) == NULL)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (p = q = line; *p != '\0'; p++)
			if (!isspace((unsigned char)*p))
				*q++ = *p;
		*q = '\0';
		for (k = 0; k < 5; k++)
			if (strncmp(line, marks[k], strlen(marks[k])) == 0)
				seen |= 1 << k;
	}
	free(buf);
	return seen == 0x1f;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every service file of group grp, sorted by name, as JSON strings. */
static int
discover(struct ctx *c, const char *grp, json_t *out)
{
	DIR		*d = NULL;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX], **names = NULL, **nn;
	size_t		 n = 0, i;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s", c->confabs, grp);
	if ((d = opendir(path)) == NULL) {
		sslm_warn("%s/%s", c->confdir, grp);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!sslm_valid_filename(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", c->confabs, grp,
		    de->d_name);
		if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    !looks_like_service(path))
			continue;
		if ((nn = reallocarray(names, n + 1, sizeof(*names))) == NULL)
			goto out;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), cmpstr);
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(names[i]));
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d != NULL)
		closedir(d);
	return rc;
}

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

/* Does array a hold string s (DNS names: nocase, file names: exact)? */
static int
in_list(json_t *a, const char *s, int nocase)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(a, i, v)
		if ((nocase ? strcasecmp(json_string_value(v), s) :
		    strcmp(json_string_value(v), s)) == 0)
			return 1;
	return 0;
}

static int
valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && strchr(at + 1, '@') == NULL &&
	    strpbrk(s, " <>()[],;:\\\"") == NULL &&
	    sslm_valid_hostname(at + 1, 0);
}

static json_t *
svc_x509(struct ctx *c, const struct sslm_toml *t, int isca)
{
	static const char *const keys[] = { "CN", "O", "OU", "L", "ST", "C",
	    "email", "sans", NULL };
	const char	*cn, *o, *ou, *l, *st, *cc, *email;
	const struct sslm_toml *n, *e;
	json_t		*sans;
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
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "CN", cn, "O", o,
	    "OU", ou, "L", l, "ST", st, "C", cc, "email", email, "sans", sans);
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
static json_t *
load_service(struct ctx *c, const char *grp, const char *svc)
{
	static const char *const keys[] = { "name", "group", "service",
	    "signing_ca", "dane_tls", "dane_tls_ttl", "renew_expire_days",
	    "KeyOpts", "X509", "CA", NULL };
	static const char *const tables[] = { "KeyOpts", "X509", "CA", NULL };
	static const char *const cakeys[] = { "sign_end_days", "digest", NULL };
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
	    (x509 = svc_x509(c, xt, isca)) == NULL ||
	    (dane = svc_dane(c, child(doc, "dane_tls"))) == NULL ||
	    (signer = svc_signer(c, doc, sca, x509, grp)) == NULL)
		goto out;
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

/* ---- groups and selection ------------------------------------------------ */

/* Append the services named by node v (string or list) to out. */
static int
group_services(struct ctx *c, const struct sslm_toml *v, const char *grp,
    json_t *out)
{
	size_t	i, n = v->type == SSLM_TOML_ARRAY ? v->nkids : 1;
	const struct sslm_toml *e;

	for (i = 0; i < n; i++) {
		e = v->type == SSLM_TOML_ARRAY ? v->kids[i] : v;
		if (want_string(c, e, "groups.services") == -1)
			return -1;
		if (strcmp(e->s, "*") == 0 || strcmp(e->s, "ALL") == 0) {
			json_array_clear(out);
			return discover(c, grp, out);
		}
		if (!sslm_valid_filename(e->s))
			return bad(c, e, "groups.services", "\"%s\" is not a "
			    "safe service name", e->s);
		json_array_append_new(out, json_string(e->s));
	}
	return 0;
}

/*
 * Add group grp with services svcs (taken) to c->groups, or merge them
 * into the group already there (replacing its list unless accumulate).
 * A service is listed once, so its file is read and warned about once.
 */
static void
put_group(struct ctx *c, const char *grp, json_t *svcs, int accumulate)
{
	size_t	 i;
	json_t	*g, *old = NULL, *v;

	json_array_foreach(c->groups, i, g) {
		if (strcmp(json_string_value(json_object_get(g, "domain")),
		    grp) != 0)
			continue;
		old = json_object_get(g, "services");
		if (!accumulate)
			json_array_clear(old);
		break;
	}
	if (old == NULL) {
		old = json_array();
		json_array_append_new(c->groups, json_pack("{s:s,s:o}",
		    "domain", grp, "services", old));
	}
	json_array_foreach(svcs, i, v)
		if (!in_list(old, json_string_value(v), 0))
			json_array_append(old, v);
	json_decref(svcs);
}

static int
group_dir_ok(struct ctx *c, const struct sslm_toml *n, const char *grp)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", c->confabs, grp);
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		if (n != NULL)
			return bad(c, n, "groups.domain", "no directory %s/%s",
			    c->confdir, grp);
		sslm_warnx("%s/%s: no such group directory", c->confdir, grp);
		return -1;
	}
	return 0;
}

static int
select_from_config(struct ctx *c)
{
	const struct sslm_toml	*t = child(c->main, "groups"), *e, *d, *s;
	static const char *const keys[] = { "domain", "services", "active",
	    NULL };
	const char		*dom;
	json_t			*svcs;
	size_t			 i;
	int			 active;

	c->file = c->mainpath;
	if (t == NULL)
		return 0;
	if (t->type != SSLM_TOML_ARRAY)
		return bad(c, t, "groups", "must be a list of tables "
		    "([[groups]])");
	for (i = 0; i < t->nkids; i++) {
		e = t->kids[i];
		if (e->type != SSLM_TOML_TABLE)
			return bad(c, e, "groups", "must be a list of tables");
		warn_unknown(c, e, "groups.", keys);
		if (get_bool(c, e, "active", "groups.active", 0, &active) ==
		    -1 || get_str(c, e, "domain", "groups.domain", "", &dom) ==
		    -1)
			return -1;
		if (!active)
			continue;
		d = child(e, "domain");
		s = child(e, "services");
		if (*dom == '\0' || s == NULL || (s->type == SSLM_TOML_ARRAY &&
		    s->nkids == 0) || (s->type == SSLM_TOML_STRING &&
		    s->slen == 0)) {
			warn_at(c, e, "groups", "active group without domain "
			    "or services, skipped");
			continue;
		}
		if (!valid_group(dom))
			return bad(c, d, "groups.domain", "\"%s\" is not ca or "
			    "a domain", dom);
		if (s->type != SSLM_TOML_STRING && s->type != SSLM_TOML_ARRAY)
			return bad(c, s, "groups.services", "expected a list "
			    "of service names");
		if (group_dir_ok(c, d, dom) == -1)
			return -1;
		svcs = json_array();
		if (group_services(c, s, dom, svcs) == -1) {
			json_decref(svcs);
			return -1;
		}
		put_group(c, dom, svcs, 0);
	}
	return 0;
}

/* Operands "grp[:svc,...]": validated like config values. */
static int
select_from_args(struct ctx *c)
{
	struct sslm_sel	*sel = NULL;
	json_t		*svcs;
	int		 i, k, n = 0, rc = -1;

	if (sslm_sel_parse(c->o->sel, c->o->nsel, &sel, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (group_dir_ok(c, NULL, sel[i].grp) == -1)
			goto out;
		svcs = json_array();
		if (sel[i].nsvc == 0 && discover(c, sel[i].grp, svcs) == -1) {
			json_decref(svcs);
			goto out;
		}
		for (k = 0; k < sel[i].nsvc; k++)
			json_array_append_new(svcs, json_string(sel[i].svc[k]));
		put_group(c, sel[i].grp, svcs, 1);
	}
	rc = 0;
out:
	sslm_sel_free(sel, n);
	return rc;
}

/* ---- selection operands ---------------------------------------------------- */

/* Drop white space at both ends of s, in place; returns the start. */
static char *
trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * One operand (whole, brackets closed) into sel: the group checked and
 * copied, the services checked, copied once each; ALL or * anywhere
 * means every service.  0 or -1 (warned, naming the operand).
 */
static int
sel_one(const char *shown, char *arg, struct sslm_sel *sel)
{
	char	*colon, *list, *e, *save = NULL, **nv;
	size_t	 n;
	int	 k, all = 0;

	if ((colon = strchr(arg, ':')) != NULL)
		*colon++ = '\0';
	if (!valid_group(arg)) {
		sslm_warnx("%s: \"%s\" is not ca or a domain", shown, arg);
		return -1;
	}
	if ((sel->grp = strdup(arg)) == NULL)
		return -1;
	if (colon == NULL || *(list = trim(colon)) == '\0')
		return 0;
	if (*list == '[') {
		n = strlen(list);
		if (list[n - 1] != ']') {
			sslm_warnx("%s: text after ]", shown);
			return -1;
		}
		list[n - 1] = '\0';
		if (*trim(++list) == '\0') {
			sslm_warnx("%s: no service between [ and ]", shown);
			return -1;
		}
	}
	if (strpbrk(list, "[]") != NULL) {
		sslm_warnx("%s: unexpected [ or ]", shown);
		return -1;
	}
	for (e = strtok_r(list, ",", &save); e != NULL;
	    e = strtok_r(NULL, ",", &save)) {
		if (*(e = trim(e)) == '\0')
			continue;
		if (strcmp(e, "ALL") == 0 || strcmp(e, "*") == 0) {
			all = 1;
			continue;
		}
		if (!sslm_valid_filename(e)) {
			sslm_warnx("%s: \"%s\" is not a safe service name",
			    shown, e);
			return -1;
		}
		for (k = 0; k < sel->nsvc; k++)
			if (strcmp(sel->svc[k], e) == 0)
				break;
		if (k < sel->nsvc)
			continue;
		if ((nv = reallocarray(sel->svc, (size_t)sel->nsvc + 1,
		    sizeof(*nv))) == NULL)
			return -1;
		sel->svc = nv;
		if ((sel->svc[sel->nsvc] = strdup(e)) == NULL)
			return -1;
		sel->nsvc++;
	}
	if (all) {
		for (k = 0; k < sel->nsvc; k++)
			free(sel->svc[k]);
		free(sel->svc);
		sel->svc = NULL;
		sel->nsvc = 0;
	}
	return 0;
}

int
sslm_sel_parse(char *const *argv, int argc, struct sslm_sel **out, int *nout)
{
	struct sslm_sel	*sel;
	char		*arg = NULL, *p, *colon;
	int		 i, n = 0, rc = -1;

	*out = NULL;
	*nout = 0;
	if ((sel = calloc((size_t)argc + 1, sizeof(*sel))) == NULL)
		return -1;
	for (i = 0; i < argc; i++) {
		free(arg);
		if ((arg = strdup(argv[i])) == NULL)
			goto out;
		/* "grp:[a, b]" unquoted reaches us as "grp:[a," "b]". */
		colon = strchr(arg, ':');
		while (colon != NULL && strchr(colon, '[') != NULL &&
		    strchr(colon, ']') == NULL) {
			if (i + 1 == argc) {
				sslm_warnx("%s: no closing ]", arg);
				goto out;
			}
			if (asprintf(&p, "%s %s", arg, argv[++i]) == -1)
				goto out;
			free(arg);
			arg = p;
			colon = strchr(arg, ':');
		}
		if ((p = strdup(arg)) == NULL)
			goto out;
		n++;
		rc = sel_one(arg, p, &sel[n - 1]);
		free(p);
		if (rc == -1)
			goto out;
		rc = -1;
	}
	rc = 0;
out:
	free(arg);
	if (rc == -1) {
		sslm_sel_free(sel, n);
		return -1;
	}
	*out = sel;
	*nout = n;
	return 0;
}

void
sslm_sel_free(struct sslm_sel *sel, int n)
{
	int i, k;

	if (sel == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(sel[i].grp);
		for (k = 0; k < sel[i].nsvc; k++)
			free(sel[i].svc[k]);
		free(sel[i].svc);
	}
	free(sel);
}

/* The [[dns_primary]] entry for apex, or JSON null. */
static json_t *
primary_for(struct ctx *c, const char *grp)
{
	char		 host[256], *p, *q;
	const char	*apex = grp;
	size_t		 i;
	json_t		*e, *def = NULL;

	if (strcmp(grp, "ca") == 0) {
		/* ssl-mgr: the host's own domain, its last two labels. */
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		apex = host;
		if ((p = strrchr(host, '.')) != NULL) {
			*p = '\0';
			q = strrchr(host, '.');
			*p = '.';
			if (q != NULL)
				apex = q + 1;
		}
	}
	json_array_foreach(c->dns_primary, i, e) {
		const char *d = json_string_value(json_object_get(e, "domain"));

		if (strcasecmp(d, apex) == 0)
			return json_pack("{s:O,s:O}", "server",
			    json_object_get(e, "server"), "port",
			    json_object_get(e, "port"));
		if (def == NULL && (strcmp(d, "default") == 0 ||
		    strcmp(d, "*") == 0))
			def = e;
	}
	if (def != NULL)
		return json_pack("{s:O,s:O}", "server",
		    json_object_get(def, "server"), "port",
		    json_object_get(def, "port"));
	return json_null();
}

/* ---- discovery and the whole ---------------------------------------------- */

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
