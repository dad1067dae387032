/* SPDX-License-Identifier: MIT */
/*
 * certcache.c: the facts of a certificate file read once per run.  A
 * store's sets share files (hard links, a set linked as curr of one
 * service and prev of another): the second look at the same file takes
 * what the first parsed.  Entries are keyed by device and inode, and hold
 * only while size and mtime are what they were, so a file rewritten in
 * place during the run is read again.  The store replaces files by
 * rename(2), which makes a new inode.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "sslm.h"

#define CACHE_MIN	64		/* first table size, a power of two */
#define CACHE_MAX	(1u << 24)	/* no more entries than this */

struct entry {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	json_t		*facts;		/* NULL: the slot is free */
	X509		*x;
	char		*sha;
};

struct sslm_certcache {
	struct entry	*e;
	size_t		 cap;		/* a power of two */
	size_t		 n;
};

struct sslm_certcache *
sslm_certcache_new(void)
{
	struct sslm_certcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->e = calloc(CACHE_MIN, sizeof(c->e[0]))) == NULL) {
		free(c);
		sslm_warnx("certificate cache: out of memory");
		return NULL;
	}
	c->cap = CACHE_MIN;
	return c;
}

void
sslm_certcache_free(struct sslm_certcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->cap; i++) {
		if (c->e[i].facts == NULL)
			continue;
		json_decref(c->e[i].facts);
		X509_free(c->e[i].x);
		free(c->e[i].sha);
	}
	free(c->e);
	free(c);
}

static size_t
slot_of(const struct sslm_certcache *c, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;

	return (size_t)(h ^ h >> 29) & (c->cap - 1);
}

/* The slot of (dev, ino): its entry, or the free slot it would take. */
static struct entry *
find(const struct sslm_certcache *c, dev_t dev, ino_t ino)
{
	size_t i = slot_of(c, dev, ino);

	while (c->e[i].facts != NULL &&
	    !(c->e[i].ino == ino && c->e[i].dev == dev))
		i = (i + 1) & (c->cap - 1);
	return &c->e[i];
}

int
sslm_certcache_get(struct sslm_certcache *c, const struct stat *st,
    json_t **facts, X509 **x, char **sha)
{
	struct entry *e;

	*facts = NULL;
	*x = NULL;
	*sha = NULL;
	if (c == NULL)
		return 0;
	e = find(c, st->st_dev, st->st_ino);
	if (e->facts == NULL || e->size != st->st_size ||
	    e->mtime.tv_sec != st->st_mtim.tv_sec ||
	    e->mtime.tv_nsec != st->st_mtim.tv_nsec)
		return 0;
	if ((*sha = strdup(e->sha)) == NULL || X509_up_ref(e->x) != 1) {
		free(*sha);
		*sha = NULL;
		return 0;
	}
	*x = e->x;
	*facts = json_incref(e->facts);
	return 1;
}

/* Twice the table, every entry moved.  0 or -1 (the old one stays). */
static int
grow(struct sslm_certcache *c)
{
	struct sslm_certcache	 n;
	struct entry		*d;
	size_t			 i;

	if (c->cap >= CACHE_MAX)
		return -1;
	n.cap = c->cap * 2;
	if ((n.e = calloc(n.cap, sizeof(n.e[0]))) == NULL)
		return -1;
	for (i = 0; i < c->cap; i++) {
		if (c->e[i].facts == NULL)
			continue;
		d = find(&n, c->e[i].dev, c->e[i].ino);
		*d = c->e[i];
	}
	free(c->e);
	c->e = n.e;
	c->cap = n.cap;
	return 0;
}

int
sslm_certcache_put(struct sslm_certcache *c, const struct stat *st,
    json_t *facts, X509 *x, const char *sha)
{
	struct entry	*e;
	char		*s;

	if (c == NULL)
		return 0;
	if (2 * (c->n + 1) > c->cap && grow(c) == -1)
		return -1;
	if ((s = strdup(sha)) == NULL)
		return -1;
	if (X509_up_ref(x) != 1) {
		free(s);
		return -1;
	}
	e = find(c, st->st_dev, st->st_ino);
	if (e->facts != NULL) {		/* rewritten in place: replace */
		json_decref(e->facts);
		X509_free(e->x);
		free(e->sha);
	} else
		c->n++;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->facts = json_incref(facts);
	e->x = x;
	e->sha = s;
	return 0;
}
