/* SPDX-License-Identifier: MIT */
/*
 * toml_scan.c: the scanner of the TOML parser (toml.c builds the tree):
 * errors with their line, the check of the whole text (UTF-8, control
 * characters), blanks, comments and newlines, the four kinds of strings,
 * key segments, and the scalars (integers, floats, booleans, date-times)
 * read from their token.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslm.h"
#include "toml_priv.h"

/*
 * Record the first error as "name:line: reason".  Always returns -1 so
 * callers can write "return toml_perr(...)".
 */
int
toml_perr(struct parser *P, const char *fmt, ...)
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

int
toml_peek(const struct parser *P)
{
	return P->p < P->end ? (unsigned char)*P->p : -1;
}

int
toml_peekat(const struct parser *P, size_t off)
{
	return (size_t)(P->end - P->p) > off ?
	    (unsigned char)P->p[off] : -1;
}

/* A short printable description of the next character, for messages. */
const char *
toml_found(const struct parser *P, char *buf, size_t sz)
{
	int c = toml_peek(P);

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
const char *
toml_kname(const char *k, size_t len, char *buf, size_t sz)
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

int
toml_sb_add(struct parser *P, struct sbuf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 32;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return toml_perr(P, "out of memory");
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
	return toml_sb_add(P, b, &c, 1);
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
	return toml_sb_add(P, b, u, n);
}

/* ---- lexical helpers -------------------------------------------------- */

/*
 * Check the whole document: valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF), no control characters but tab and newlines, no
 * carriage return outside CRLF.  TOML allows none of them anywhere, in
 * strings and comments included, so one pass settles it.
 */
int
toml_checktext(struct parser *P)
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
				return toml_perr(P, "carriage return not followed "
				    "by line feed");
			}
			if ((*s < 0x20 && *s != '\t' && *s != '\r') ||
			    *s == 0x7f) {
				P->line = line;
				return toml_perr(P, "control character U+%04X",
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
	return toml_perr(P, "invalid utf-8");
}

int
toml_isbare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

void
toml_skipws(struct parser *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t'))
		P->p++;
}

/* checktext made sure a CR is always followed by LF. */
int
toml_atnl(const struct parser *P)
{
	int c = toml_peek(P);

	return c == '\n' || c == '\r';
}

void
toml_eatnl(struct parser *P)
{
	if (*P->p == '\r')
		P->p++;
	P->p++;
	P->line++;
}

void
toml_skipcomment(struct parser *P)
{
	if (toml_peek(P) != '#')
		return;
	while (P->p < P->end && *P->p != '\n' && *P->p != '\r')
		P->p++;
}

/* Whitespace, comments and newlines, as allowed inside arrays. */
void
toml_skipall(struct parser *P)
{
	for (;;) {
		toml_skipws(P);
		toml_skipcomment(P);
		if (!toml_atnl(P))
			return;
		toml_eatnl(P);
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
	switch ((c = toml_peek(P))) {
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
			c = toml_peekat(P, (size_t)i);
			if (isdig(c))
				cp = cp * 16 + (unsigned long)(c - '0');
			else if (c >= 'a' && c <= 'f')
				cp = cp * 16 + (unsigned long)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				cp = cp * 16 + (unsigned long)(c - 'A' + 10);
			else
				return toml_perr(P, "invalid escape \\%c: expected "
				    "%d hex digits", *P->p, n);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return toml_perr(P, "invalid escape \\%c%.*s: not a "
			    "unicode scalar value", *P->p, n, P->p + 1);
		P->p += n + 1;
		return sb_addcp(P, b, cp);
	default:
		if (c > 0x20 && c < 0x7f)
			return toml_perr(P, "invalid escape \\%c", c);
		return toml_perr(P, "invalid escape");
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
		if (P->p >= P->end || toml_atnl(P))
			return toml_perr(P, "unterminated string");
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
		if (toml_sb_add(P, b, s, (size_t)(P->p - s)) == -1)
			return -1;
	}
}

/* 'literal string', P->p on the opening quote. */
static int
literalstr(struct parser *P, struct sbuf *b)
{
	const char *s;

	s = ++P->p;
	while (P->p < P->end && *P->p != '\'' && !toml_atnl(P))
		P->p++;
	if (P->p >= P->end || toml_atnl(P))
		return toml_perr(P, "unterminated string");
	if (toml_sb_add(P, b, s, (size_t)(P->p - s)) == -1)
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
		return toml_sb_add(P, b, q == '"' ? "\"\"" : "''", n);
	}
	if (n > 5)
		return toml_perr(P, "too many quotes at end of multi-line string");
	P->p += n;
	if (toml_sb_add(P, b, q == '"' ? "\"\"" : "''", n - 3) == -1)
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
	if (toml_atnl(P))
		toml_eatnl(P);
	for (;;) {
		if (P->p >= P->end) {
			/* Name the line where the string starts. */
			P->line = line;
			return toml_perr(P, "unterminated multi-line string");
		}
		if (*P->p == q) {
			if ((r = mlquotes(P, b, q)) != 0)
				return r == 1 ? 0 : -1;
			continue;
		}
		if (toml_atnl(P)) {
			/* CRLF is kept as LF, the platform's newline. */
			toml_eatnl(P);
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
				    *P->p == '\t' || toml_atnl(P))) {
					if (toml_atnl(P))
						toml_eatnl(P);
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
		if (toml_sb_add(P, b, s, (size_t)(P->p - s)) == -1)
			return -1;
	}
}

/* Any string value; P->p is on the first quote. */
int
toml_string(struct parser *P, struct sbuf *b)
{
	char q = *P->p;

	if (toml_peekat(P, 1) == q && toml_peekat(P, 2) == q)
		return mlstr(P, b, q);
	return q == '"' ? basicstr(P, b) : literalstr(P, b);
}

/* ---- keys ------------------------------------------------------------- */

/* One key segment (bare or quoted) into k. */
int
toml_keyseg(struct parser *P, struct sbuf *k)
{
	const char	*s;
	char		 what[32];
	int		 c = toml_peek(P);

	k->len = 0;
	if (toml_sb_add(P, k, "", 0) == -1)
		return -1;
	if (c == '"' || c == '\'') {
		if (toml_peekat(P, 1) == c && toml_peekat(P, 2) == c)
			return toml_perr(P, "multi-line string used as key");
		return c == '"' ? basicstr(P, k) : literalstr(P, k);
	}
	s = P->p;
	while (P->p < P->end && toml_isbare((unsigned char)*P->p))
		P->p++;
	if (P->p == s)
		return toml_perr(P, "expected a key, found %s",
		    toml_found(P, what, sizeof(what)));
	return toml_sb_add(P, k, s, (size_t)(P->p - s));
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
		return toml_perr(P, "out of memory");
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
	return toml_perr(P, "invalid date-time %.*s", len > 40 ? 40 : (int)len, s);
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

	if (toml_sb_add(P, &b, "", 0) == -1)
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
			toml_perr(P, "float %.*s out of range",
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
			toml_perr(P, "integer %.*s out of range",
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
	toml_perr(P, "invalid number %.*s", len > 40 ? 40 : (int)len, s);
out:
	free(b.p);
	return rc;
}

static int
istok(int c)
{
	return toml_isbare(c) || c == '.' || c == '+' || c == ':';
}

/* A number, boolean or date-time: the token up to the next delimiter. */
int
toml_scalar(struct parser *P, struct sslm_toml *v)
{
	const char	*s = P->p;
	size_t		 len, i;
	char		 what[32];

	while (P->p < P->end && istok((unsigned char)*P->p))
		P->p++;
	/* A date, a space and a time are one local or offset date-time. */
	if (P->p - s == 10 && s[4] == '-' && s[7] == '-' && toml_peek(P) == ' ' &&
	    isdig(toml_peekat(P, 1))) {
		P->p++;
		while (P->p < P->end && istok((unsigned char)*P->p))
			P->p++;
	}
	len = (size_t)(P->p - s);
	if (len == 0)
		return toml_perr(P, "expected a value, found %s",
		    toml_found(P, what, sizeof(what)));
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
	return toml_perr(P, "invalid value %.*s", len > 40 ? 40 : (int)len, s);
}
