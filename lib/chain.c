/* SPDX-License-Identifier: MIT */
/*
 * chain.c: read certificates and keys for the chain tools, decide who
 * issued whom (names, key identifiers and the signature itself), and put
 * a bag of certificates in order from the leaf to the top.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* Bound on the work of the path search (paths tried). */
#define SEARCH_MAX	100000

STACK_OF(X509) *
sslm_chain_read(char *const *paths, int npaths, int max)
{
	STACK_OF(X509)	*all = NULL, *sk = NULL;
	char		*buf = NULL;
	size_t		 len;
	X509		*x;
	int		 i, ok = 0;

	if ((all = sk_X509_new_null()) == NULL) {
		sslm_warnx("out of memory");
		return NULL;
	}
	for (i = 0; i < npaths; i++) {
		if ((buf = sslm_readfile(paths[i], SSLM_PEM_MAX, &len)) ==
		    NULL)
			goto out;
		if ((sk = sslm_read_certs(buf, len, strcmp(paths[i],
		    "-") == 0 ? "stdin" : paths[i])) == NULL)
			goto out;
		while ((x = sk_X509_shift(sk)) != NULL) {
			if (sk_X509_num(all) >= max) {
				X509_free(x);
				sslm_warnx("%s: more than %d certificates",
				    paths[i], max);
				goto out;
			}
			if (!sk_X509_push(all, x)) {
				X509_free(x);
				sslm_warnx("out of memory");
				goto out;
			}
		}
		sk_X509_free(sk);
		sk = NULL;
		free(buf);
		buf = NULL;
	}
	ok = 1;
out:
	free(buf);
	sk_X509_pop_free(sk, X509_free);
	if (!ok) {
		sk_X509_pop_free(all, X509_free);
		all = NULL;
	}
	return all;
}

int
sslm_chain_keymatch(X509 *x, EVP_PKEY *key)
{
	EVP_PKEY *pub;

	if ((pub = X509_get0_pubkey(x)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	return sslm_key_match(pub, key);
}

int
sslm_chain_issued(X509 *child, X509 *parent)
{
	const ASN1_OCTET_STRING	*aki, *ski, *own;
	EVP_PKEY		*pub;
	int			 r;

	if (X509_NAME_cmp(X509_get_issuer_name(child),
	    X509_get_subject_name(parent)) != 0)
		return 0;
	aki = X509_get0_authority_key_id(child);
	ski = X509_get0_subject_key_id(parent);
	own = X509_get0_subject_key_id(child);
	/*
	 * ssl-mgr copies the CSR's AKI, which names the subject's own key:
	 * such an AKI says nothing about the issuer, so it is ignored.
	 */
	if (aki != NULL && ski != NULL && child != parent &&
	    ASN1_OCTET_STRING_cmp(aki, ski) != 0 &&
	    (own == NULL || ASN1_OCTET_STRING_cmp(aki, own) != 0))
		return 0;
	if ((pub = X509_get0_pubkey(parent)) == NULL) {
		ERR_clear_error();
		return 2;
	}
	r = X509_verify(child, pub);
	ERR_clear_error();
	return r == 1 ? 1 : 2;
}

/* One input certificate; idx and dn name it in messages. */
struct node {
	X509	*x;
	int	 idx;		/* position in the input, from 1 */
	char	*dn;
	int	 dup;		/* the node it repeats, or -1 */
};

struct search {
	int		 n;
	unsigned char	*e;	/* e[c * n + p]: did p issue c? */
	int		*path, len, *onpath;
	int		*best, bestlen, bestroot;
	long		 work;
};

/*
 * Try every simple path upwards from the last node of s->path.  A path
 * that ends at a self-signed certificate beats one that does not; among
 * those, the shortest wins; among the others, the longest; ties go to
 * the first found, which follows the input order.
 */
static void
search(struct search *s)
{
	int	 cur = s->path[s->len - 1], root, p, better;

	if (++s->work > SEARCH_MAX)
		return;
	root = s->e[cur * s->n + cur] == 1;
	if (s->bestlen == 0)
		better = 1;
	else if (root != s->bestroot)
		better = root;
	else if (root)
		better = s->len < s->bestlen;
	else
		better = s->len > s->bestlen;
	if (better) {
		memcpy(s->best, s->path, (size_t)s->len * sizeof(int));
		s->bestlen = s->len;
		s->bestroot = root;
	}
	if (root)
		return;
	for (p = 0; p < s->n; p++) {
		if (p == cur || s->onpath[p] || s->e[cur * s->n + p] != 1)
			continue;
		s->onpath[p] = 1;
		s->path[s->len++] = p;
		search(s);
		s->len--;
		s->onpath[p] = 0;
	}
}

/* Is node i (not a duplicate) issuer of another live node? */
static int
issues_other(const struct search *s, const struct node *v, int i)
{
	int c;

	for (c = 0; c < s->n; c++)
		if (c != i && v[c].dup == -1 && s->e[c * s->n + i] == 1)
			return 1;
	return 0;
}

/* Pick the leaf: the one node that issued no other (and has the key). */
static int
pick_leaf(const struct search *s, const struct node *v, EVP_PKEY *key)
{
	int	 i, c, nl = 0, nself = 0, l1 = -1, l2 = -1, k = -1;

	for (i = 0; i < s->n; i++) {
		if (v[i].dup != -1 || issues_other(s, v, i))
			continue;
		nl++;
		if (s->e[i * s->n + i] == 1)
			nself++;
	}
	for (i = 0; i < s->n; i++) {
		if (v[i].dup != -1 || issues_other(s, v, i))
			continue;
		/* A stray root is no leaf when a real one is there. */
		if (key == NULL && nself < nl && s->e[i * s->n + i] == 1)
			continue;
		if (key != NULL && !sslm_chain_keymatch(v[i].x, key))
			continue;
		if (l1 == -1)
			l1 = i;
		else if (l2 == -1)
			l2 = i;
	}
	if (l1 != -1 && l2 != -1) {
		sslm_warnx("two leaves: certificate %d (subject %s) and "
		    "certificate %d (subject %s)", v[l1].idx, v[l1].dn,
		    v[l2].idx, v[l2].dn);
		return -1;
	}
	if (l1 != -1)
		return l1;
	if (key == NULL) {
		sslm_warnx("loop: every certificate issued another one");
		return -1;
	}
	for (i = 0; i < s->n && k == -1; i++)
		if (v[i].dup == -1 && sslm_chain_keymatch(v[i].x, key))
			k = i;
	if (k != -1) {
		for (c = 0; c < s->n; c++)
			if (c != k && v[c].dup == -1 &&
			    s->e[c * s->n + k] == 1)
				break;
		sslm_warnx("key matches certificate %d (subject %s), which "
		    "is no leaf: it issued certificate %d", v[k].idx,
		    v[k].dn, c < s->n ? v[c].idx : 0);
	} else if (nl == 1) {
		for (i = 0; i < s->n; i++)
			if (v[i].dup == -1 && !issues_other(s, v, i))
				break;
		sslm_warnx("key mismatch: the key does not match the leaf, "
		    "certificate %d (subject %s)", v[i].idx, v[i].dn);
	} else
		sslm_warnx("no certificate issued for this key");
	return -1;
}

/* Why the path stops at node t: a loop, a bad signature, or no issuer. */
static int
check_top(const struct search *s, const struct node *v, int t, int flags)
{
	char	*dn;
	int	 p;

	for (p = 0; p < s->n; p++)
		if (p != t && v[p].dup == -1 && s->e[t * s->n + p] == 1) {
			sslm_warnx("loop: certificate %d (subject %s) is "
			    "issued by certificate %d (subject %s), already "
			    "in the chain", v[t].idx, v[t].dn, v[p].idx,
			    v[p].dn);
			return -1;
		}
	for (p = 0; p < s->n; p++)
		if (v[p].dup == -1 && s->e[t * s->n + p] == 2) {
			sslm_warnx("certificate %d (subject %s) is not signed "
			    "by certificate %d (subject %s)", v[t].idx,
			    v[t].dn, v[p].idx, v[p].dn);
			return -1;
		}
	if (flags & SSLM_CHAIN_COMPLETE) {
		dn = sslm_info_name(X509_get_issuer_name(v[t].x));
		sslm_warnx("chain stops at %s: issuer not in the input",
		    dn != NULL ? dn : "?");
		free(dn);
		return -1;
	}
	return 0;
}

STACK_OF(X509) *
sslm_chain_order(STACK_OF(X509) *in, EVP_PKEY *key, int flags)
{
	STACK_OF(X509)	*out = NULL;
	struct node	*v = NULL;
	struct search	 s;
	int		 n, i, j, leaf, ok = 0, end;

	memset(&s, 0, sizeof(s));
	n = sk_X509_num(in);
	if (n == 0) {
		sslm_warnx("no certificate in the input");
		return NULL;
	}
	s.n = n;
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL ||
	    (s.e = calloc((size_t)n * (size_t)n, 1)) == NULL ||
	    (s.path = calloc((size_t)n, sizeof(int))) == NULL ||
	    (s.best = calloc((size_t)n, sizeof(int))) == NULL ||
	    (s.onpath = calloc((size_t)n, sizeof(int))) == NULL ||
	    (out = sk_X509_new_null()) == NULL) {
		sslm_warnx("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		v[i].x = sk_X509_value(in, i);
		v[i].idx = i + 1;
		v[i].dup = -1;
		if ((v[i].dn = sslm_info_name(X509_get_subject_name(v[i].x)))
		    == NULL) {
			sslm_warnx("out of memory");
			goto out;
		}
		for (j = 0; j < i && v[i].dup == -1; j++)
			if (v[j].dup == -1 && X509_cmp(v[i].x, v[j].x) == 0)
				v[i].dup = j;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (v[i].dup == -1 && v[j].dup == -1)
				s.e[i * n + j] = (unsigned char)
				    sslm_chain_issued(v[i].x, v[j].x);
	if ((leaf = pick_leaf(&s, v, key)) == -1)
		goto out;
	s.path[0] = leaf;
	s.onpath[leaf] = 1;
	s.len = 1;
	search(&s);
	if (s.work > SEARCH_MAX) {
		sslm_warnx("too many alternative paths to try");
		goto out;
	}
	end = s.bestlen;
	if (!s.bestroot && check_top(&s, v, s.best[end - 1], flags) == -1)
		goto out;
	if (s.bestroot && end > 1 && (flags & SSLM_CHAIN_NOROOT))
		end--;
	for (i = 0; i < end; i++) {
		if (!sk_X509_push(out, v[s.best[i]].x)) {
			sslm_warnx("out of memory");
			goto out;
		}
		X509_up_ref(v[s.best[i]].x);
		s.onpath[s.best[i]] = 2;
	}
	for (i = 0; i < n; i++) {
		if (v[i].dup != -1)
			sslm_warnx("certificate %d (subject %s): duplicate of "
			    "certificate %d, dropped", v[i].idx, v[i].dn,
			    v[v[i].dup].idx);
		else if (s.onpath[i] != 2 && !(i == s.best[s.bestlen - 1] &&
		    s.bestroot))
			sslm_warnx("certificate %d (subject %s): not on the "
			    "leaf's path, dropped", v[i].idx, v[i].dn);
	}
	ok = 1;
out:
	if (v != NULL)
		for (i = 0; i < n; i++)
			free(v[i].dn);
	free(v);
	free(s.e);
	free(s.path);
	free(s.best);
	free(s.onpath);
	if (!ok) {
		sk_X509_pop_free(out, X509_free);
		out = NULL;
	}
	return out;
}
