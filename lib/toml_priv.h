/* SPDX-License-Identifier: MIT */
/*
 * toml_priv.h: what the two halves of the TOML parser share: the parser
 * state, the growable buffer, and the scanner functions of toml_scan.c
 * that toml.c builds the tree with.  Not part of the library interface.
 */
#ifndef SSLM_TOML_PRIV_H
#define SSLM_TOML_PRIV_H

#include <stddef.h>

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

/*
 * Record the first error as "name:line: reason".  Always returns -1 so
 * callers can write "return toml_perr(...)".
 */
int	 toml_perr(struct parser *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The next byte (off bytes on), or -1 at the end. */
int	 toml_peek(const struct parser *);
int	 toml_peekat(const struct parser *, size_t off);
/* A short printable description of the next character, into buf. */
const char *toml_found(const struct parser *, char *buf, size_t sz);
/* A key, quoted for a one-line message (control bytes '?'), into buf. */
const char *toml_kname(const char *k, size_t len, char *buf, size_t sz);
/* Append n bytes to b, kept NUL-terminated.  0 or -1 (toml_perr). */
int	 toml_sb_add(struct parser *, struct sbuf *b, const char *s, size_t n);
/* Valid UTF-8 and no forbidden control characters anywhere.  0 or -1. */
int	 toml_checktext(struct parser *);
/* 1 when c may be in a bare key, else 0. */
int	 toml_isbare(int c);
/* Skip blanks; 1 at a newline, else 0; eat one newline (counting
 * lines). */
void	 toml_skipws(struct parser *);
int	 toml_atnl(const struct parser *);
void	 toml_eatnl(struct parser *);
/* Skip a comment up to the end of its line; blanks, comments, newlines. */
void	 toml_skipcomment(struct parser *);
void	 toml_skipall(struct parser *);
/* A string of any of the four kinds, P->p on its quote, into b. */
int	 toml_string(struct parser *, struct sbuf *b);
/* One key segment (bare or quoted) into k. */
int	 toml_keyseg(struct parser *, struct sbuf *k);
/* A number, boolean or date-time into v. */
int	 toml_scalar(struct parser *, struct sslm_toml *v);

#endif /* SSLM_TOML_PRIV_H */
