/* SPDX-License-Identifier: MIT */
/*
 * conf_get.c: the configuration loader's typed getters over the TOML
 * tree, its messages ("file:line: key: reason", warnings given once,
 * "did you mean" for unknown keys) and the checks of single values.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "conf_priv.h"

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
int
bad(struct ctx *c, const struct sslm_toml *n, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, 0, n, key, fmt, ap);
	va_end(ap);
	return -1;
}

void
warn_at(struct ctx *c, const struct sslm_toml *n, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, 1, n, key, fmt, ap);
	va_end(ap);
}

/* ---- typed access ------------------------------------------------------- */

const struct sslm_toml *
child(const struct sslm_toml *t, const char *key)
{
	return t != NULL ? sslm_toml_get(t, key) : NULL;
}

/* A string value without control characters or NUL. */
int
is_clean_string(const struct sslm_toml *n)
{
	return n->type == SSLM_TOML_STRING && strlen(n->s) == n->slen &&
	    sslm_no_ctrl(n->s, n->slen);
}

int
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
int
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
int
node_int(const struct sslm_toml *n, long long *v)
{
	if (n->type == SSLM_TOML_INT) {
		*v = n->i;
		return 0;
	}
	if (n->type == SSLM_TOML_STRING && n->slen > 0 && n->slen < 19 &&
	    strspn(n->s, "0123456789") == n->slen)
		return sslm_strtonum(n->s, 0, LLONG_MAX, v);
	return -1;
}

int
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

int
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

int
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
json_t *
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
const char *
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
void
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
void
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

int
need_table(struct ctx *c, const struct sslm_toml *n, const char *shown)
{
	if (n != NULL && n->type != SSLM_TOML_TABLE)
		return bad(c, n, shown, "expected a table, not %s",
		    sslm_toml_typename(n->type));
	return 0;
}

/* ---- names and paths ----------------------------------------------------- */

/* A group name: "ca" or a DNS name. */
int
valid_group(const char *s)
{
	return strcmp(s, "ca") == 0 || sslm_valid_hostname(s, 0);
}

/*
 * Split a command string on white space into an argv array.  Empty
 * strings give NULL with *empty set.
 */
json_t *
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
char *
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
int
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
json_t *
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


/* Does array a hold string s (DNS names: nocase, file names: exact)? */
int
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
