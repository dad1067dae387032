/* SPDX-License-Identifier: MIT */
/*
 * toml.c: a strict TOML 1.0.0 parser into a tree of struct sslm_toml, and
 * the conversion of that tree to plain JSON.
 *
 * The parser is a hand-written recursive descent over the whole buffer.
 * The document is checked for UTF-8 and control characters first, so the
 * grammar code below only ever sees valid text without NUL bytes.
 * Limits: files of at most 1 MiB (sslm_toml_load), a tree at most
 * TOML_MAXDEPTH levels deep (arrays, inline tables, dotted keys and
 * headers all count), which also bounds the recursion of the parser, of
 * sslm_toml_free and of sslm_toml_to_json.  Key lookups go through a hash
 * index, so a large flat table does not make the parse quadratic.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sslm.h"

#define TOML_MAXFILE	(1024 * 1024)
#define TOML_MAXDEPTH	128

/* struct sslm_toml flags (parser bookkeeping). */
#define F_INLINE	0x01	/* inline table, static array: immutable */
#define F_DEFINED	0x02	/* table defined by [a] or [[a]] */
#define F_DOTTED	0x04	/* table created/defined by dotted keys */
#define F_AOT		0x08	/* array created by [[a]] */
#define F_KEYLEN	0x10	/* key holds a NUL: size_t length before it */

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

struct hent {
	const struct sslm_toml	*parent;
	struct sslm_toml	*kid;
};

struct parser {
	const char		*p;	/* next byte */
	const char		*end;
	const char		*name;
	char			*err;
	size_t			 errlen;
	int			 line;
	int			 failed;
	struct sslm_toml	*root;
	struct sslm_toml	*cur;	/* table of the current section */
	int			 curdepth;
	struct hent		*ht;	/* (parent, key) -> kid */
	size_t			 htcap;
	size_t			 htn;
};

static int	 perr(struct parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static struct sslm_toml *value(struct parser *, int);

/*
 * Record the first error as "name:line: reason".  Always returns -1 so
 * callers can write "return perr(...)".
 */
static int
perr(struct parser *P, const char *fmt, ...)
{
	va_list	 ap;
	char	 reason[256];

	if (P->failed)
		return -1;
	P->failed = 1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (P->errlen > 0)
		snprintf(P->err, P->errlen, "%s:%d: %s", P->name, P->line,
		    reason);
	return -1;
}

static int
peek(const struct parser *P)
{
	return P->p < P->end ? (unsigned char)*P->p : -1;
}

static int
peekat(const struct parser *P, size_t off)
{
	return (size_t)(P->end - P->p) > off ?
	    (unsigned char)P->p[off] : -1;
}

/* A short printable description of the next character, for messages. */
static const char *
found(const struct parser *P, char *buf, size_t sz)
{
	int c = peek(P);

	if (c == -1)
		snprintf(buf, sz, "end of file");
	else if (c == '\n' || c == '\r')
		snprintf(buf, sz, "end of line");
	else if (c > 0x20 && c < 0x7f)
		snprintf(buf, sz, "'%c'", c);
	else if (c == ' ')
		snprintf(buf, sz, "space");
	else if (c == '\t')
		snprintf(buf, sz, "tab");
	else
		snprintf(buf, sz, "byte 0x%02x", (unsigned)c);
	return buf;
}

/* A key, quoted for a one-line message: control bytes become '?'. */
static const char *
kname(const char *k, size_t len, char *buf, size_t sz)
{
	size_t	 i, n = 0;

	if (len > sz - 4) {
		/* Cut on a UTF-8 character boundary. */
		len = sz - 4;
		while (len > 0 && ((unsigned char)k[len] & 0xc0) == 0x80)
			len--;
	}
	buf[n++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)k[i];
		buf[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* ---- growable byte buffer --------------------------------------------- */

static int
sb_add(struct parser *P, struct sbuf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 32;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return perr(P, "out of memory");
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
sb_addc(struct parser *P, struct sbuf *b, char c)
{
	return sb_add(P, b, &c, 1);
}

/* Append code point cp (a Unicode scalar value) as UTF-8. */
static int
sb_addcp(struct parser *P, struct sbuf *b, unsigned long cp)
{
	char	 u[4];
	size_t	 n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return sb_add(P, b, u, n);
}

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
			return perr(P, "out of memory");
		n->key = p;
	} else {
		if ((p = malloc(sizeof(len) + len + 1)) == NULL)
			return perr(P, "out of memory");
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
			return perr(P, "out of memory");
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
		perr(P, "nested deeper than %d levels", TOML_MAXDEPTH);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		perr(P, "out of memory");
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
	perr(P, "out of memory");
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

/* ---- lexical helpers -------------------------------------------------- */

/*
 * Check the whole document: valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF), no control characters but tab and newlines, no
 * carriage return outside CRLF.  TOML allows none of them anywhere, in
 * strings and comments included, so one pass settles it.
 */
static int
checktext(struct parser *P)
{
	const unsigned char	*s = (const unsigned char *)P->p;
	const unsigned char	*e = (const unsigned char *)P->end;
	unsigned long		 cp, min;
	size_t			 n, i;
	int			 line = 1;

	while (s < e) {
		if (*s == '\n') {
			line++;
			s++;
			continue;
		}
		if (*s < 0x80) {
			if (*s == '\r' && (s + 1 == e || s[1] != '\n')) {
				P->line = line;
				return perr(P, "carriage return not followed "
				    "by line feed");
			}
			if ((*s < 0x20 && *s != '\t' && *s != '\r') ||
			    *s == 0x7f) {
				P->line = line;
				return perr(P, "control character U+%04X",
				    (unsigned)*s);
			}
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			n = 2;
			cp = *s & 0x1f;
			min = 0x80;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 3;
			cp = *s & 0x0f;
			min = 0x800;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 4;
			cp = *s & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if ((size_t)(e - s) < n)
			goto bad;
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		s += n;
	}
	return 0;
bad:
	P->line = line;
	return perr(P, "invalid utf-8");
}

static int
isbare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static void
skipws(struct parser *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t'))
		P->p++;
}

/* checktext made sure a CR is always followed by LF. */
static int
atnl(const struct parser *P)
{
	int c = peek(P);

	return c == '\n' || c == '\r';
}

static void
eatnl(struct parser *P)
{
	if (*P->p == '\r')
		P->p++;
	P->p++;
	P->line++;
}

static void
skipcomment(struct parser *P)
{
	if (peek(P) != '#')
		return;
	while (P->p < P->end && *P->p != '\n' && *P->p != '\r')
		P->p++;
}

/* Whitespace, comments and newlines, as allowed inside arrays. */
static void
skipall(struct parser *P)
{
	for (;;) {
		skipws(P);
		skipcomment(P);
		if (!atnl(P))
			return;
		eatnl(P);
	}
}

/* ---- strings ---------------------------------------------------------- */

/* P->p is on the backslash of an escape in a basic string. */
static int
escape(struct parser *P, struct sbuf *b)
{
	unsigned long	 cp = 0;
	int		 c, i, n;
	char		 ch;

	P->p++;
	switch ((c = peek(P))) {
	case 'b':
		ch = '\b';
		break;
	case 't':
		ch = '\t';
		break;
	case 'n':
		ch = '\n';
		break;
	case 'f':
		ch = '\f';
		break;
	case 'r':
		ch = '\r';
		break;
	case '"':
		ch = '"';
		break;
	case '\\':
		ch = '\\';
		break;
	case 'u':
	case 'U':
		n = c == 'u' ? 4 : 8;
		for (i = 1; i <= n; i++) {
			c = peekat(P, (size_t)i);
			if (isdig(c))
				cp = cp * 16 + (unsigned long)(c - '0');
			else if (c >= 'a' && c <= 'f')
				cp = cp * 16 + (unsigned long)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				cp = cp * 16 + (unsigned long)(c - 'A' + 10);
			else
				return perr(P, "invalid escape \\%c: expected "
				    "%d hex digits", *P->p, n);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return perr(P, "invalid escape \\%c%.*s: not a "
			    "unicode scalar value", *P->p, n, P->p + 1);
		P->p += n + 1;
		return sb_addcp(P, b, cp);
	default:
		if (c > 0x20 && c < 0x7f)
			return perr(P, "invalid escape \\%c", c);
		return perr(P, "invalid escape");
	}
	P->p++;
	return sb_addc(P, b, ch);
}

/* "basic string", P->p on the opening quote. */
static int
basicstr(struct parser *P, struct sbuf *b)
{
	const char *s;

	P->p++;
	for (;;) {
		if (P->p >= P->end || atnl(P))
			return perr(P, "unterminated string");
		if (*P->p == '"') {
			P->p++;
			return 0;
		}
		if (*P->p == '\\') {
			if (escape(P, b) == -1)
				return -1;
			continue;
		}
		s = P->p;
		while (P->p < P->end && *P->p != '"' && *P->p != '\\' &&
		    *P->p != '\n' && *P->p != '\r')
			P->p++;
		if (sb_add(P, b, s, (size_t)(P->p - s)) == -1)
			return -1;
	}
}

/* 'literal string', P->p on the opening quote. */
static int
literalstr(struct parser *P, struct sbuf *b)
{
	const char *s;

	s = ++P->p;
	while (P->p < P->end && *P->p != '\'' && !atnl(P))
		P->p++;
	if (P->p >= P->end || atnl(P))
		return perr(P, "unterminated string");
	if (sb_add(P, b, s, (size_t)(P->p - s)) == -1)
		return -1;
	P->p++;
	return 0;
}

/*
 * A run of quote characters q inside a multi-line string.  Fewer than
 * three are content; three to five close the string, the extra one or
 * two being content.  Returns 1 when the string ended, 0 or -1.
 */
static int
mlquotes(struct parser *P, struct sbuf *b, char q)
{
	size_t n = 0;

	while (P->p + n < P->end && P->p[n] == q)
		n++;
	if (n < 3) {
		P->p += n;
		return sb_add(P, b, q == '"' ? "\"\"" : "''", n);
	}
	if (n > 5)
		return perr(P, "too many quotes at end of multi-line string");
	P->p += n;
	if (sb_add(P, b, q == '"' ? "\"\"" : "''", n - 3) == -1)
		return -1;
	return 1;
}

/* """multi-line basic""" or '''multi-line literal''', P->p on the quotes. */
static int
mlstr(struct parser *P, struct sbuf *b, char q)
{
	const char	*s;
	int		 r, line = P->line;

	P->p += 3;
	if (atnl(P))
		eatnl(P);
	for (;;) {
		if (P->p >= P->end) {
			/* Name the line where the string starts. */
			P->line = line;
			return perr(P, "unterminated multi-line string");
		}
		if (*P->p == q) {
			if ((r = mlquotes(P, b, q)) != 0)
				return r == 1 ? 0 : -1;
			continue;
		}
		if (atnl(P)) {
			/* CRLF is kept as LF, the platform's newline. */
			eatnl(P);
			if (sb_addc(P, b, '\n') == -1)
				return -1;
			continue;
		}
		if (q == '"' && *P->p == '\\') {
			/* A line ending backslash eats all whitespace. */
			s = P->p + 1;
			while (s < P->end && (*s == ' ' || *s == '\t'))
				s++;
			if (s < P->end && (*s == '\n' || *s == '\r')) {
				P->p = s;
				while (P->p < P->end && (*P->p == ' ' ||
				    *P->p == '\t' || atnl(P))) {
					if (atnl(P))
						eatnl(P);
					else
						P->p++;
				}
				continue;
			}
			if (escape(P, b) == -1)
				return -1;
			continue;
		}
		s = P->p;
		while (P->p < P->end && *P->p != q && *P->p != '\n' &&
		    *P->p != '\r' && (q == '\'' || *P->p != '\\'))
			P->p++;
		if (sb_add(P, b, s, (size_t)(P->p - s)) == -1)
			return -1;
	}
}

/* Any string value; P->p is on the first quote. */
static int
string(struct parser *P, struct sbuf *b)
{
	char q = *P->p;

	if (peekat(P, 1) == q && peekat(P, 2) == q)
		return mlstr(P, b, q);
	return q == '"' ? basicstr(P, b) : literalstr(P, b);
}

/* ---- keys ------------------------------------------------------------- */

/* One key segment (bare or quoted) into k. */
static int
keyseg(struct parser *P, struct sbuf *k)
{
	const char	*s;
	char		 what[32];
	int		 c = peek(P);

	k->len = 0;
	if (sb_add(P, k, "", 0) == -1)
		return -1;
	if (c == '"' || c == '\'') {
		if (peekat(P, 1) == c && peekat(P, 2) == c)
			return perr(P, "multi-line string used as key");
		return c == '"' ? basicstr(P, k) : literalstr(P, k);
	}
	s = P->p;
	while (P->p < P->end && isbare((unsigned char)*P->p))
		P->p++;
	if (P->p == s)
		return perr(P, "expected a key, found %s",
		    found(P, what, sizeof(what)));
	return sb_add(P, k, s, (size_t)(P->p - s));
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
		if (keyseg(P, &k) == -1)
			goto out;
		skipws(P);
		if (peek(P) != '.')
			break;
		P->p++;
		skipws(P);
		if ((kid = lookup(P, t, k.p, k.len)) == NULL) {
			if ((kid = mktable(P, t, &k, depth + 1, F_DOTTED)) ==
			    NULL)
				goto out;
		} else if (kid->type != SSLM_TOML_TABLE) {
			perr(P, "key %s is not a table",
			    kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (kid->flags & F_INLINE) {
			perr(P, "cannot extend inline table %s",
			    kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (kid->flags & F_DEFINED) {
			perr(P, "cannot extend table %s with dotted keys",
			    kname(k.p, k.len, kb, sizeof(kb)));
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
	if (peek(P) != '=') {
		perr(P, "expected '=' after key, found %s",
		    found(P, what, sizeof(what)));
		goto out;
	}
	P->p++;
	skipws(P);
	if (lookup(P, t, k.p, k.len) != NULL) {
		perr(P, "duplicate key %s", kname(k.p, k.len, kb, sizeof(kb)));
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
	if (peek(P) == '[') {
		aot = 1;
		P->p++;
	}
	for (;;) {
		skipws(P);
		if (keyseg(P, &k) == -1)
			goto out;
		skipws(P);
		if (peek(P) != '.')
			break;
		P->p++;
		if ((kid = lookup(P, t, k.p, k.len)) == NULL) {
			if ((kid = mktable(P, t, &k, depth + 1, 0)) == NULL)
				goto out;
		} else if (kid->type == SSLM_TOML_TABLE) {
			if (kid->flags & F_INLINE) {
				perr(P, "cannot extend inline table %s",
				    kname(k.p, k.len, kb, sizeof(kb)));
				goto out;
			}
		} else if (kid->type == SSLM_TOML_ARRAY &&
		    (kid->flags & F_AOT)) {
			/* [[a]] then [a.b]: b goes into the last a. */
			kid = kid->kids[kid->nkids - 1];
			depth++;
		} else {
			perr(P, "key %s is not a table",
			    kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		}
		t = kid;
		depth++;
	}
	if (peek(P) != ']' || (aot && peekat(P, 1) != ']')) {
		perr(P, "expected '%s' after table name, found %s",
		    aot ? "]]" : "]", found(P, what, sizeof(what)));
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
			perr(P, "key %s is not an array of tables",
			    kname(k.p, k.len, kb, sizeof(kb)));
			goto out;
		} else if (!(kid->flags & F_AOT)) {
			perr(P, "cannot append to static array %s",
			    kname(k.p, k.len, kb, sizeof(kb)));
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
		perr(P, "key %s is %s", kname(k.p, k.len, kb, sizeof(kb)),
		    kid->flags & F_AOT ? "an array of tables" :
		    "not a table");
		goto out;
	} else if (kid->flags & F_INLINE) {
		perr(P, "cannot extend inline table %s",
		    kname(k.p, k.len, kb, sizeof(kb)));
		goto out;
	} else if (kid->flags & (F_DEFINED | F_DOTTED)) {
		perr(P, "table %s already defined",
		    kname(k.p, k.len, kb, sizeof(kb)));
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

/* ---- values ----------------------------------------------------------- */

/* Exactly n decimal digits at s[*i], as a number. */
static int
digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*i)++) {
		if (*i >= len || !isdig((unsigned char)s[*i]))
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	*out = v;
	return 0;
}

static int
mdays(int y, int m)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* HH:MM:SS[.frac] at s[*i]. */
static int
timepart(const char *s, size_t len, size_t *i)
{
	int h, m, sec;

	if (digits(s, len, i, 2, &h) == -1 || *i >= len || s[(*i)++] != ':' ||
	    digits(s, len, i, 2, &m) == -1 || *i >= len || s[(*i)++] != ':' ||
	    digits(s, len, i, 2, &sec) == -1)
		return -1;
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	if (*i < len && s[*i] == '.') {
		(*i)++;
		if (*i >= len || !isdig((unsigned char)s[*i]))
			return -1;
		while (*i < len && isdig((unsigned char)s[*i]))
			(*i)++;
	}
	return 0;
}

/*
 * An offset date-time, local date-time, local date or local time in
 * token s.  Stored as text with 'T' and 'Z' in upper case.
 */
static int
datetime(struct parser *P, const char *s, size_t len, struct sslm_toml *v)
{
	size_t	 i = 0;
	int	 y, mo, d, oh, om;

	if (len >= 3 && s[2] == ':') {
		v->type = SSLM_TOML_TIME_LOCAL;
		if (timepart(s, len, &i) == -1 || i != len)
			goto bad;
		goto done;
	}
	if (digits(s, len, &i, 4, &y) == -1 || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &mo) == -1 || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &d) == -1)
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo))
		goto bad;
	v->type = SSLM_TOML_DATE_LOCAL;
	if (i == len)
		goto done;
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		goto bad;
	i++;
	v->type = SSLM_TOML_DATETIME_LOCAL;
	if (timepart(s, len, &i) == -1)
		goto bad;
	if (i == len)
		goto done;
	v->type = SSLM_TOML_DATETIME;
	if (s[i] == 'Z' || s[i] == 'z')
		i++;
	else if (s[i] == '+' || s[i] == '-') {
		i++;
		if (digits(s, len, &i, 2, &oh) == -1 || i >= len ||
		    s[i++] != ':' || digits(s, len, &i, 2, &om) == -1 ||
		    oh > 23 || om > 59)
			goto bad;
	} else
		goto bad;
	if (i != len)
		goto bad;
done:
	if ((v->s = malloc(len + 1)) == NULL)
		return perr(P, "out of memory");
	memcpy(v->s, s, len);
	v->s[len] = '\0';
	v->slen = len;
	if (v->type == SSLM_TOML_DATETIME ||
	    v->type == SSLM_TOML_DATETIME_LOCAL)
		v->s[10] = 'T';
	if (v->type == SSLM_TOML_DATETIME && v->s[len - 1] == 'z')
		v->s[len - 1] = 'Z';
	return 0;
bad:
	return perr(P, "invalid date-time %.*s", len > 40 ? 40 : (int)len, s);
}

static int
digval(int c, int base)
{
	int v;

	if (isdig(c))
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

/*
 * Digits of base at s[*i], underscores only between digits; copied to out
 * without underscores.  Returns the number of digits, -1 on a misplaced
 * underscore.
 */
static int
digitrun(struct parser *P, const char *s, size_t len, size_t *i, int base,
    struct sbuf *out)
{
	int n = 0;

	while (*i < len) {
		if (digval((unsigned char)s[*i], base) != -1) {
			if (sb_addc(P, out, s[*i]) == -1)
				return -1;
			n++;
		} else if (s[*i] == '_') {
			if (n == 0 || *i + 1 >= len ||
			    digval((unsigned char)s[*i + 1], base) == -1)
				return -1;
		} else
			break;
		(*i)++;
	}
	return n;
}

/* An integer or float in token s (no date-times). */
static int
number(struct parser *P, const char *s, size_t len, struct sslm_toml *v)
{
	struct sbuf	 b = { NULL, 0, 0 };
	unsigned long long acc = 0, lim;
	size_t		 i = 0, j;
	char		*ep;
	int		 neg = 0, sign = 0, base = 10, isfloat = 0, n, d;
	int		 rc = -1;
	double		 f;

	if (sb_add(P, &b, "", 0) == -1)
		goto out;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		sign = 1;
		i++;
	}
	if (len - i == 3 && (memcmp(s + i, "inf", 3) == 0 ||
	    memcmp(s + i, "nan", 3) == 0)) {
		v->type = SSLM_TOML_FLOAT;
		if (s[i] == 'i')
			v->f = neg ? -HUGE_VAL : HUGE_VAL;
		else
			v->f = neg ? -(double)NAN : (double)NAN;
		rc = 0;
		goto out;
	}
	if (len - i > 2 && s[i] == '0' &&
	    (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
		if (sign)
			goto bad;
		base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
		i += 2;
	}
	if ((n = digitrun(P, s, len, &i, base, &b)) == -1 && P->failed)
		goto out;
	if (n <= 0)
		goto bad;
	if (base == 10 && n > 1 && b.p[0] == '0')
		goto bad;
	if (base == 10 && i < len && s[i] == '.') {
		isfloat = 1;
		if (sb_addc(P, &b, '.') == -1)
			goto out;
		i++;
		if ((n = digitrun(P, s, len, &i, 10, &b)) == -1 && P->failed)
			goto out;
		if (n <= 0)
			goto bad;
	}
	if (base == 10 && i < len && (s[i] == 'e' || s[i] == 'E')) {
		isfloat = 1;
		if (sb_addc(P, &b, 'e') == -1)
			goto out;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-')) {
			if (sb_addc(P, &b, s[i]) == -1)
				goto out;
			i++;
		}
		if ((n = digitrun(P, s, len, &i, 10, &b)) == -1 && P->failed)
			goto out;
		if (n <= 0)
			goto bad;
	}
	if (i != len)
		goto bad;
	if (isfloat) {
		errno = 0;
		f = strtod(b.p, &ep);
		if (*ep != '\0')
			goto bad;
		if (errno == ERANGE && (f == HUGE_VAL || f == -HUGE_VAL)) {
			perr(P, "float %.*s out of range",
			    len > 40 ? 40 : (int)len, s);
			goto out;
		}
		v->type = SSLM_TOML_FLOAT;
		v->f = neg ? -f : f;
		rc = 0;
		goto out;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (j = 0; j < b.len; j++) {
		d = digval((unsigned char)b.p[j], base);
		if (acc > (lim - (unsigned long long)d) / (unsigned)base) {
			perr(P, "integer %.*s out of range",
			    len > 40 ? 40 : (int)len, s);
			goto out;
		}
		acc = acc * (unsigned)base + (unsigned long long)d;
	}
	v->type = SSLM_TOML_INT;
	if (neg)
		v->i = acc == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)acc;
	else
		v->i = (long long)acc;
	rc = 0;
	goto out;
bad:
	perr(P, "invalid number %.*s", len > 40 ? 40 : (int)len, s);
out:
	free(b.p);
	return rc;
}

static int
istok(int c)
{
	return isbare(c) || c == '.' || c == '+' || c == ':';
}

/* A number, boolean or date-time: the token up to the next delimiter. */
static int
scalar(struct parser *P, struct sslm_toml *v)
{
	const char	*s = P->p;
	size_t		 len, i;
	char		 what[32];

	while (P->p < P->end && istok((unsigned char)*P->p))
		P->p++;
	/* A date, a space and a time are one local or offset date-time. */
	if (P->p - s == 10 && s[4] == '-' && s[7] == '-' && peek(P) == ' ' &&
	    isdig(peekat(P, 1))) {
		P->p++;
		while (P->p < P->end && istok((unsigned char)*P->p))
			P->p++;
	}
	len = (size_t)(P->p - s);
	if (len == 0)
		return perr(P, "expected a value, found %s",
		    found(P, what, sizeof(what)));
	if ((len == 4 && memcmp(s, "true", 4) == 0) ||
	    (len == 5 && memcmp(s, "false", 5) == 0)) {
		v->type = SSLM_TOML_BOOL;
		v->i = len == 4;
		return 0;
	}
	if (isdig((unsigned char)s[0])) {
		/* A ':', or a '-' after a digit, is never part of a number. */
		for (i = 1; i < len; i++) {
			if (s[i] == ':' || (s[i] == '-' &&
			    isdig((unsigned char)s[i - 1])))
				return datetime(P, s, len, v);
		}
	}
	if (isdig((unsigned char)s[0]) || s[0] == '+' || s[0] == '-' ||
	    s[0] == 'i' || s[0] == 'n')
		return number(P, s, len, v);
	return perr(P, "invalid value %.*s", len > 40 ? 40 : (int)len, s);
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
		skipall(P);
		if (peek(P) == ']')
			break;
		if ((v = value(P, depth + 1)) == NULL)
			return NULL;
		if (addkid(P, a, v, NULL, 0) == -1)
			return NULL;
		skipall(P);
		if (peek(P) == ',') {
			P->p++;
			continue;
		}
		if (peek(P) == ']')
			break;
		perr(P, "expected ',' or ']' in array, found %s",
		    found(P, what, sizeof(what)));
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
	skipws(P);
	if (peek(P) != '}') {
		for (;;) {
			skipws(P);
			if (keyval(P, t, depth) == -1)
				return NULL;
			skipws(P);
			if (peek(P) == '}')
				break;
			if (peek(P) != ',') {
				perr(P, "expected ',' or '}' in inline table, "
				    "found %s", found(P, what, sizeof(what)));
				return NULL;
			}
			P->p++;
			skipws(P);
			if (peek(P) == '}') {
				perr(P, "trailing comma in inline table");
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
	int		 c = peek(P);

	if ((v = newnode(P, SSLM_TOML_STRING, P->line, depth)) == NULL)
		return NULL;
	if (c == '"' || c == '\'') {
		if (sb_add(P, &b, "", 0) == -1 || string(P, &b) == -1) {
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
	} else if (scalar(P, v) == -1)
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
		skipws(P);
		if ((c = peek(P)) == -1)
			return 0;
		if (c == '[') {
			if (header(P) == -1)
				return -1;
		} else if (c != '#' && c != '\n' && c != '\r') {
			if (keyval(P, P->cur, P->curdepth) == -1)
				return -1;
		}
		skipws(P);
		skipcomment(P);
		if (peek(P) == -1)
			return 0;
		if (!atnl(P))
			return perr(P, "expected end of line, found %s",
			    found(P, what, sizeof(what)));
		eatnl(P);
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
	if (checktext(&P) == -1)
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
