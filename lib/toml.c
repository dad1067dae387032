/* SPDX-License-Identifier: MIT */
/*
 * toml.c: a strict TOML 1.0.0 parser into a tree of struct sslm_toml, and
 * the conversion of that tree to plain JSON.
 *
 * The parser is a hand-written recursive descent over the whole buffer;
 * this file builds the tree (tables, keys, arrays, the key index) from
 * the tokens of toml_scan.c.  The document is checked for UTF-8 and
 * control characters first, so the grammar code only ever sees valid
 * text without NUL bytes.
 * Limits: files of at most 1 MiB (sslm_toml_load), a tree at most
 * TOML_MAXDEPTH levels deep (arrays, inline tables, dotted keys and
 * headers all count), which also bounds the recursion of the parser, of
 * sslm_toml_free and of sslm_toml_to_json.  Key lookups go through a hash
 * index, so a large flat table does not make the parse quadratic.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sslm.h"
#include "toml_priv.h"

#define TOML_MAXFILE	(1024 * 1024)
#define TOML_MAXDEPTH	128

/* struct sslm_toml flags (parser bookkeeping). */
#define F_INLINE	0x01	/* inline table, static array: immutable */
#define F_DEFINED	0x02	/* table defined by [a] or [[a]] */
#define F_DOTTED	0x04	/* table created/defined by dotted keys */
#define F_AOT		0x08	/* array created by [[a]] */
#define F_KEYLEN	0x10	/* key holds a NUL: size_t length before it */

static struct sslm_toml *value(struct parser *, int);

/* ---- nodes, keys and the key index ------------------------------------ */

static size_t
keylen(const struct sslm_toml *n)
{
	size_t	 len;

	if (n->flags & F_KEYLEN) {
		memcpy(&len, n->key - sizeof(len), sizeof(len));
		return len;
	}
	return strlen(n->key);
}

/*
 * Give n a copy of key k.  A key that holds a NUL (from a \u0000 escape)
 * cannot be measured with strlen, so its length is stored just before it.
 */
static int
setkey(struct parser *P, struct sslm_toml *n, const char *k, size_t len)
{
	char	*p;

	if (memchr(k, '\0', len) == NULL) {
		if ((p = malloc(len + 1)) == NULL)
			return toml_perr(P, "out of memory");
		n->key = p;
	} else {
		if ((p = malloc(sizeof(len) + len + 1)) == NULL)
			return toml_perr(P, "out of memory");
		memcpy(p, &len, sizeof(len));
		n->key = p + sizeof(len);
		n->flags |= F_KEYLEN;
	}
	memcpy(n->key, k, len);
	n->key[len] = '\0';
	return 0;
}

static size_t
hkey(const struct sslm_toml *parent, const char *k, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t	 i;

	h ^= (uint64_t)(uintptr_t)parent;
	h *= 1099511628211ULL;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 32;
	return (size_t)h;
}

static struct sslm_toml *
lookup(const struct parser *P, const struct sslm_toml *t, const char *k,
    size_t len)
{
	struct sslm_toml	*kid;
	size_t			 i, mask;

	if (P->htcap == 0)
		return NULL;
	mask = P->htcap - 1;
	for (i = hkey(t, k, len) & mask; (kid = P->ht[i].kid) != NULL;
	    i = (i + 1) & mask) {
		if (P->ht[i].parent == t && keylen(kid) == len &&
		    memcmp(kid->key, k, len) == 0)
			return kid;
	}
	return NULL;
}

static int
hinsert(struct parser *P, const struct sslm_toml *t, struct sslm_toml *kid)
{
	struct hent	*nt, *ot = P->ht;
	size_t		 i, j, ncap, ocap = P->htcap, mask;

	if ((P->htn + 1) * 2 > P->htcap) {
		ncap = ocap ? ocap * 2 : 64;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
			return toml_perr(P, "out of memory");
		mask = ncap - 1;
		for (j = 0; j < ocap; j++) {
			if (ot[j].kid == NULL)
				continue;
			i = hkey(ot[j].parent, ot[j].kid->key,
			    keylen(ot[j].kid)) & mask;
			while (nt[i].kid != NULL)
				i = (i + 1) & mask;
			nt[i] = ot[j];
		}
		free(ot);
		P->ht = nt;
		P->htcap = ncap;
	}
	mask = P->htcap - 1;
	i = hkey(t, kid->key, keylen(kid)) & mask;
	while (P->ht[i].kid != NULL)
		i = (i + 1) & mask;
	P->ht[i].parent = t;
	P->ht[i].kid = kid;
	P->htn++;
	return 0;
}

static struct sslm_toml *
newnode(struct parser *P, enum sslm_toml_type type, int line, int depth)
{
	struct sslm_toml *n;

	if (depth > TOML_MAXDEPTH) {
		toml_perr(P, "nested deeper than %d levels", TOML_MAXDEPTH);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		toml_perr(P, "out of memory");
		return NULL;
	}
	n->type = type;
	n->line = line;
	return n;
}

/*
 * Append kid to table or array t; a table child gets key k.  On failure
 * kid is freed.
 */
static int
addkid(struct parser *P, struct sslm_toml *t, struct sslm_toml *kid,
    const char *k, size_t len)
{
	struct sslm_toml **nk;
	size_t		 ncap;

	if (t->nkids == t->cap) {
		ncap = t->cap ? t->cap * 2 : 4;
		if ((nk = reallocarray(t->kids, ncap, sizeof(*nk))) == NULL)
			goto fail;
		t->kids = nk;
		t->cap = ncap;
	}
	if (t->type == SSLM_TOML_TABLE) {
		if (setkey(P, kid, k, len) == -1)
			goto fail;
		if (hinsert(P, t, kid) == -1)
			goto fail;
	}
	t->kids[t->nkids++] = kid;
	return 0;
fail:
	toml_perr(P, "out of memory");
	sslm_toml_free(kid);
	return -1;
}

/* A new child table of t under key k, or NULL (error recorded). */
static struct sslm_toml *
mktable(struct parser *P, struct sslm_toml *t, const struct sbuf *k,
    int depth, unsigned flags)
{
	struct sslm_toml *kid;

	if ((kid = newnode(P, SSLM_TOML_TABLE, P->line, depth)) == NULL)
		return NULL;
	kid->flags = flags;
	if (addkid(P, t, kid, k->p, k->len) == -1)
		return NULL;
	return kid;
}

/*
 * key = value into table t (at tree depth depth), in a section or an
 * inline table.  Dotted keys may walk through tables that dotted keys
 * created or that a header only implied, never into one defined by a
 * header, an array of tables, or an inline table.
 */
static int
keyval(struct parser *P, struct sslm_toml *t, int depth)
{
	struct sbuf	 k = { NULL, 0, 0 };
	struct sslm_toml *kid, *v;
	char		 kb[80], what[32];
	int		 rc = -1;

	for (;;) {
		if (toml_keyseg(P, &k) == -1)
			goto out;
		toml_skipws(P);
		if (toml_peek(P) != '.')
			break;
		P->p++;
		toml_skipws(P);
		if ((kid = lookup(P, t, k.p, k.len)) == NULL) {
			if ((kid = mktable(P, t, &k, depth + 1, F_DOTTED)) ==
			    NULL)
				goto out;
		} else if (kid->type != SSLM_TOML_TABLE) {
			toml_perr(P, "key %s is not a table",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (kid->flags & F_INLINE) {
			toml_perr(P, "cannot extend inline table %s",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (kid->flags & F_DEFINED) {
			toml_perr(P, "cannot extend table %s with dotted keys",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		}
		/*
		 * A table a header only implied is defined by these dotted
		 * keys now: no header may define it later.
		 */
		kid->flags |= F_DOTTED;
		t = kid;
		depth++;
	}
	if (toml_peek(P) != '=') {
		toml_perr(P, "expected '=' after key, found %s",
		    toml_found(P, what, sizeof(what)));
		goto out;
	}
	P->p++;
	toml_skipws(P);
	if (lookup(P, t, k.p, k.len) != NULL) {
		toml_perr(P, "duplicate key %s", toml_kname(k.p, k.len, kb, sizeof(kb)));
		goto out;
	}
	if ((v = value(P, depth + 1)) == NULL)
		goto out;
	if (addkid(P, t, v, k.p, k.len) == -1)
		goto out;
	rc = 0;
out:
	free(k.p);
	return rc;
}

/* [table] or [[array of tables]]; P->p is on the first bracket. */
static int
header(struct parser *P)
{
	struct sbuf	 k = { NULL, 0, 0 };
	struct sslm_toml *t = P->root, *kid;
	char		 kb[80], what[32];
	int		 aot = 0, depth = 0, rc = -1;

	P->p++;
	if (toml_peek(P) == '[') {
		aot = 1;
		P->p++;
	}
	for (;;) {
		toml_skipws(P);
		if (toml_keyseg(P, &k) == -1)
			goto out;
		toml_skipws(P);
		if (toml_peek(P) != '.')
			break;
		P->p++;
		if ((kid = lookup(P, t, k.p, k.len)) == NULL) {
			if ((kid = mktable(P, t, &k, depth + 1, 0)) == NULL)
				goto out;
		} else if (kid->type == SSLM_TOML_TABLE) {
			if (kid->flags & F_INLINE) {
				toml_perr(P, "cannot extend inline table %s",
				    toml_kname(k.p, k.len, kb, sizeof(kb)));
				goto out;
			}
		} else if (kid->type == SSLM_TOML_ARRAY &&
		    (kid->flags & F_AOT)) {
			/* [[a]] then [a.b]: b goes into the last a. */
			kid = kid->kids[kid->nkids - 1];
			depth++;
		} else {
			toml_perr(P, "key %s is not a table",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		}
		t = kid;
		depth++;
	}
	if (toml_peek(P) != ']' || (aot && toml_peekat(P, 1) != ']')) {
		toml_perr(P, "expected '%s' after table name, found %s",
		    aot ? "]]" : "]", toml_found(P, what, sizeof(what)));
		goto out;
	}
	P->p += aot ? 2 : 1;

	kid = lookup(P, t, k.p, k.len);
	if (aot) {
		if (kid == NULL) {
			if ((kid = newnode(P, SSLM_TOML_ARRAY, P->line,
			    depth + 1)) == NULL)
				goto out;
			kid->flags = F_AOT;
			if (addkid(P, t, kid, k.p, k.len) == -1)
				goto out;
		} else if (kid->type != SSLM_TOML_ARRAY) {
			toml_perr(P, "key %s is not an array of tables",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (!(kid->flags & F_AOT)) {
			toml_perr(P, "cannot append to static array %s",
			    toml_kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		}
		t = kid;
		depth++;
		if ((kid = newnode(P, SSLM_TOML_TABLE, P->line,
		    depth + 1)) == NULL)
			goto out;
		kid->flags = F_DEFINED;
		if (addkid(P, t, kid, NULL, 0) == -1)
			goto out;
	} else if (kid == NULL) {
		if ((kid = mktable(P, t, &k, depth + 1, F_DEFINED)) == NULL)
			goto out;
	} else if (kid->type != SSLM_TOML_TABLE) {
		toml_perr(P, "key %s is %s", toml_kname(k.p, k.len, kb, sizeof(kb)),
		    kid->flags & F_AOT ? "an array of tables" :
		    "not a table");
		goto out;
	} else if (kid->flags & F_INLINE) {
		toml_perr(P, "cannot extend inline table %s",
		    toml_kname(k.p, k.len, kb, sizeof(kb)));
		goto out;
	} else if (kid->flags & (F_DEFINED | F_DOTTED)) {
		toml_perr(P, "table %s already defined",
		    toml_kname(k.p, k.len, kb, sizeof(kb)));
		goto out;
	} else {
		/* Created implicitly by an earlier header: define it now. */
		kid->flags |= F_DEFINED;
		kid->line = P->line;
	}
	P->cur = kid;
	P->curdepth = depth + 1;
	rc = 0;
out:
	free(k.p);
	return rc;
}

/* [ values ], P->p on the bracket; the array node is at depth. */
static struct sslm_toml *
array(struct parser *P, struct sslm_toml *a, int depth)
{
	struct sslm_toml *v;
	char		 what[32];

	a->type = SSLM_TOML_ARRAY;
	a->flags = F_INLINE;
	P->p++;
	for (;;) {
		toml_skipall(P);
		if (toml_peek(P) == ']')
			break;
		if ((v = value(P, depth + 1)) == NULL)
			return NULL;
		if (addkid(P, a, v, NULL, 0) == -1)
			return NULL;
		toml_skipall(P);
		if (toml_peek(P) == ',') {
			P->p++;
			continue;
		}
		if (toml_peek(P) == ']')
			break;
		toml_perr(P, "expected ',' or ']' in array, found %s",
		    toml_found(P, what, sizeof(what)));
		return NULL;
	}
	P->p++;
	return a;
}

/* { key = value, ... } on one line, P->p on the brace. */
static struct sslm_toml *
inltable(struct parser *P, struct sslm_toml *t, int depth)
{
	char what[32];

	t->type = SSLM_TOML_TABLE;
	P->p++;
	toml_skipws(P);
	if (toml_peek(P) != '}') {
		for (;;) {
			toml_skipws(P);
			if (keyval(P, t, depth) == -1)
				return NULL;
			toml_skipws(P);
			if (toml_peek(P) == '}')
				break;
			if (toml_peek(P) != ',') {
				toml_perr(P, "expected ',' or '}' in inline table, "
				    "found %s", toml_found(P, what, sizeof(what)));
				return NULL;
			}
			P->p++;
			toml_skipws(P);
			if (toml_peek(P) == '}') {
				toml_perr(P, "trailing comma in inline table");
				return NULL;
			}
		}
	}
	P->p++;
	t->flags |= F_INLINE;
	return t;
}

/* Any value, the new node being at tree depth depth. */
static struct sslm_toml *
value(struct parser *P, int depth)
{
	struct sslm_toml *v;
	struct sbuf	 b = { NULL, 0, 0 };
	int		 c = toml_peek(P);

	if ((v = newnode(P, SSLM_TOML_STRING, P->line, depth)) == NULL)
		return NULL;
	if (c == '"' || c == '\'') {
		if (toml_sb_add(P, &b, "", 0) == -1 || toml_string(P, &b) == -1) {
			free(b.p);
			goto fail;
		}
		v->s = b.p;
		v->slen = b.len;
	} else if (c == '[') {
		if (array(P, v, depth) == NULL)
			goto fail;
	} else if (c == '{') {
		if (inltable(P, v, depth) == NULL)
			goto fail;
	} else if (toml_scalar(P, v) == -1)
		goto fail;
	return v;
fail:
	sslm_toml_free(v);
	return NULL;
}

/* ---- document --------------------------------------------------------- */

static int
document(struct parser *P)
{
	char	what[32];
	int	c;

	for (;;) {
		toml_skipws(P);
		if ((c = toml_peek(P)) == -1)
			return 0;
		if (c == '[') {
			if (header(P) == -1)
				return -1;
		} else if (c != '#' && c != '\n' && c != '\r') {
			if (keyval(P, P->cur, P->curdepth) == -1)
				return -1;
		}
		toml_skipws(P);
		toml_skipcomment(P);
		if (toml_peek(P) == -1)
			return 0;
		if (!toml_atnl(P))
			return toml_perr(P, "expected end of line, found %s",
			    toml_found(P, what, sizeof(what)));
		toml_eatnl(P);
	}
}

struct sslm_toml *
sslm_toml_parse(const char *buf, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct parser	 P;
	struct sslm_toml *doc = NULL;

	memset(&P, 0, sizeof(P));
	P.p = buf != NULL ? buf : "";
	P.end = P.p + (buf != NULL ? len : 0);
	P.name = name != NULL ? name : "-";
	P.err = err;
	P.errlen = errlen;
	P.line = 1;
	if (errlen > 0)
		err[0] = '\0';
	if (P.end - P.p >= 3 && memcmp(P.p, "\xef\xbb\xbf", 3) == 0)
		P.p += 3;
	if (toml_checktext(&P) == -1)
		goto out;
	if ((P.root = newnode(&P, SSLM_TOML_TABLE, 1, 0)) == NULL)
		goto out;
	P.root->flags = F_DEFINED;
	P.cur = P.root;
	if (document(&P) == -1)
		goto out;
	doc = P.root;
	P.root = NULL;
out:
	sslm_toml_free(P.root);
	free(P.ht);
	return doc;
}

struct sslm_toml *
sslm_toml_load(const char *path, char *err, size_t errlen)
{
	struct sslm_toml *doc = NULL;
	char		*buf = NULL;
	size_t		 len;

	if (errlen > 0)
		err[0] = '\0';
	if ((buf = sslm_readfile_err(path, TOML_MAXFILE, &len, err,
	    errlen)) == NULL)
		goto out;
	doc = sslm_toml_parse(buf, len, path, err, errlen);
out:
	free(buf);
	return doc;
}

void
sslm_toml_free(struct sslm_toml *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		sslm_toml_free(n->kids[i]);
	free(n->kids);
	if (n->key != NULL) {
		if (n->flags & F_KEYLEN)
			free(n->key - sizeof(size_t));
		else
			free(n->key);
	}
	free(n->s);
	free(n);
}

const struct sslm_toml *
sslm_toml_get(const struct sslm_toml *t, const char *key)
{
	size_t i, len;

	if (t == NULL || t->type != SSLM_TOML_TABLE || key == NULL)
		return NULL;
	len = strlen(key);
	for (i = 0; i < t->nkids; i++) {
		if (keylen(t->kids[i]) == len &&
		    memcmp(t->kids[i]->key, key, len) == 0)
			return t->kids[i];
	}
	return NULL;
}

json_t *
sslm_toml_to_json(const struct sslm_toml *n)
{
	json_t	*j = NULL, *kid;
	size_t	 i;

	if (n == NULL)
		return NULL;
	switch (n->type) {
	case SSLM_TOML_TABLE:
		if ((j = json_object()) == NULL)
			goto fail;
		for (i = 0; i < n->nkids; i++) {
			if ((kid = sslm_toml_to_json(n->kids[i])) == NULL)
				goto fail;
			/* setn_new releases kid on failure. */
			if (json_object_setn_new(j, n->kids[i]->key,
			    keylen(n->kids[i]), kid) == -1)
				goto fail;
		}
		break;
	case SSLM_TOML_ARRAY:
		if ((j = json_array()) == NULL)
			goto fail;
		for (i = 0; i < n->nkids; i++) {
			if ((kid = sslm_toml_to_json(n->kids[i])) == NULL)
				goto fail;
			if (json_array_append_new(j, kid) == -1)
				goto fail;
		}
		break;
	case SSLM_TOML_INT:
		j = json_integer(n->i);
		break;
	case SSLM_TOML_FLOAT:
		if (isnan(n->f))
			j = json_string("nan");
		else if (isinf(n->f))
			j = json_string(n->f > 0 ? "inf" : "-inf");
		else
			j = json_real(n->f);
		break;
	case SSLM_TOML_BOOL:
		j = json_boolean(n->i);
		break;
	case SSLM_TOML_STRING:
	case SSLM_TOML_DATETIME:
	case SSLM_TOML_DATETIME_LOCAL:
	case SSLM_TOML_DATE_LOCAL:
	case SSLM_TOML_TIME_LOCAL:
		j = json_stringn(n->s != NULL ? n->s : "", n->slen);
		break;
	}
	return j;
fail:
	json_decref(j);
	return NULL;
}

const char *
sslm_toml_typename(enum sslm_toml_type type)
{
	switch (type) {
	case SSLM_TOML_TABLE:
		return "table";
	case SSLM_TOML_ARRAY:
		return "array";
	case SSLM_TOML_STRING:
		return "string";
	case SSLM_TOML_INT:
		return "integer";
	case SSLM_TOML_FLOAT:
		return "float";
	case SSLM_TOML_BOOL:
		return "boolean";
	case SSLM_TOML_DATETIME:
		return "offset date-time";
	case SSLM_TOML_DATETIME_LOCAL:
		return "local date-time";
	case SSLM_TOML_DATE_LOCAL:
		return "local date";
	case SSLM_TOML_TIME_LOCAL:
		return "local time";
	}
	return "unknown";
}
