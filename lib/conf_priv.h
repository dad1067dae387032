/* SPDX-License-Identifier: MIT */
/*
 * conf_priv.h: what the files of the configuration loader share, and
 * nothing else includes.  conf.c reads ssl-mgr.conf ([globals],
 * [renew_info], [[dns_primary]], [dns], the server classes) and drives
 * the whole load; conf_get.c holds the typed getters and the messages;
 * conf_svc.c reads ca-info.conf and the service files; conf_sel.c finds
 * the groups and services to load and parses selection operands.
 *
 * The names below are not sslm_: they are private to these four files.
 * Every other function of lib/ and tools/ is static or sslm_, so a clash
 * cannot happen (the link would fail if one did).
 */
#ifndef CONF_PRIV_H
#define CONF_PRIV_H

#include <limits.h>

#include <jansson.h>

#include "sslm.h"

#define LE_PROD		"https://acme-v02.api.letsencrypt.org/directory"
#define LE_STAGING	"https://acme-staging-v02.api.letsencrypt.org/directory"

/* One load: the options, the files read, what is resolved so far. */
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

/* ---- conf_get.c: messages ------------------------------------------------ */

/*
 * Report an error at node n (NULL: the file) for key: printed, and kept
 * in c->msg.  Returns -1.
 */
int	 bad(struct ctx *c, const struct sslm_toml *n, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A warning at node n for key, given once per load. */
void	 warn_at(struct ctx *c, const struct sslm_toml *n, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * The key of known (NULL-terminated) that key is most likely a typing
 * mistake for, or NULL.
 */
const char *resembles(const char *key, const char *const *known);
/* Warn that key (node n) is unknown, naming the known key it resembles. */
void	 warn_unknown_key(struct ctx *c, const struct sslm_toml *n,
	    const char *shown, const char *what, const char *const *known);
/* Warn about keys of table t that are not in known (NULL-terminated). */
void	 warn_unknown(struct ctx *c, const struct sslm_toml *t,
	    const char *prefix, const char *const *known);

/* ---- conf_get.c: typed access -------------------------------------------- */

/*
 * The getters: shown is the key as messages name it; def is used when
 * the key is absent.  0, or -1 (reported with bad).
 */
/* Child key of table t, or NULL. */
const struct sslm_toml *child(const struct sslm_toml *t, const char *key);
/* A string value without control characters or NUL. */
int	 is_clean_string(const struct sslm_toml *n);
/* 0 when n is a clean string, else -1 (reported). */
int	 want_string(struct ctx *c, const struct sslm_toml *n,
	    const char *key);
int	 get_str(struct ctx *c, const struct sslm_toml *t, const char *key,
	    const char *shown, const char *def, const char **out);
/* An integer, or a string of decimal digits (ssl-mgr accepted both). */
int	 node_int(const struct sslm_toml *n, long long *v);
/* An integer of min..max. */
int	 get_int(struct ctx *c, const struct sslm_toml *t, const char *key,
	    const char *shown, long long def, long long min, long long max,
	    long long *out);
int	 get_bool(struct ctx *c, const struct sslm_toml *t, const char *key,
	    const char *shown, int def, int *out);
/* An integer or a float, or a string of one.  0 or -1 (not reported). */
int	 node_num(const struct sslm_toml *n, double *v);
/*
 * A string or a list of strings as a new JSON array of strings; an empty
 * string gives an empty list.  check, when set, validates each element.
 * NULL after an error (reported).
 */
json_t	*get_strlist(struct ctx *c, const struct sslm_toml *t,
	    const char *key, const char *shown,
	    int (*check)(struct ctx *, const struct sslm_toml *, const char *));
/* 0 when n is a table, else -1 (reported). */
int	 need_table(struct ctx *c, const struct sslm_toml *n,
	    const char *shown);
/* Command list: each string split into words (split) or kept whole. */
json_t	*get_cmds(struct ctx *c, const struct sslm_toml *t,
	    const char *key, const char *shown, int split);

/* ---- conf_get.c: names and paths ---------------------------------- */

/* A group name: "ca" or a DNS name. */
int	 valid_group(const char *s);
/* A command string split on white space, as a new JSON array. */
json_t	*split_words(const char *s);
/*
 * A path from the configuration, absolute: relative paths are taken from
 * TOP.  New string; NULL when out of memory.
 */
char	*top_path(struct ctx *c, const char *p);
/* Replace each string of array a by its top_path.  0 or -1. */
int	 top_paths(struct ctx *c, json_t *a);
/* Does array a hold string s (DNS names: nocase, file names: exact)? */
int	 in_list(json_t *a, const char *s, int nocase);

/* ---- conf_svc.c: ca-info.conf and the service files ---------------------- */

/* Resolve every CA of ca-info.conf into c->cas.  0 or -1 (reported). */
int	 load_cas(struct ctx *c);
/* Resolve the service file of grp/svc; NULL after an error (reported). */
json_t	*load_service(struct ctx *c, const char *grp, const char *svc);

/* ---- conf_sel.c: groups and selection ------------------------------------ */

/* c->groups from [groups] of ssl-mgr.conf.  0 or -1 (reported). */
int	 select_from_config(struct ctx *c);
/* c->groups from the operands "grp[:svc,...]", validated like config. */
int	 select_from_args(struct ctx *c);
/* The [[dns_primary]] entry for apex grp, as a new reference, or null. */
json_t	*primary_for(struct ctx *c, const char *grp);

#endif
