/* SPDX-License-Identifier: MIT */
/*
 * sslm-prodcopy: mirror the store's curr and next sets and the apex TLSA
 * files into the production tree, one atomic directory swap per set, then
 * to the remote hosts with rsync over ssh; or, with -n, only check that
 * production is in sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "sslm.h"

#define CONF_MAX	(16 * 1024 * 1024)	/* bound on CONF.json */
#define SET_FILES	64			/* files in one set */
#define PATH_BOUND	2048			/* certs_dir, prod_cert_dir */

static int	 dflag;		/* print actions, change nothing */
static int	 nflag;		/* check only */
static int	 vflag;		/* verbose */
static long	 crash_at;	/* SSLM_TEST_CRASH_AT */
static long	 crash_step;

static const char *lnames[] = { "curr", "next" };
static const char *classes[] = { "smtp", "imap", "web", "other" };

struct ctx {
	const char	*certs;		/* certs_dir */
	const char	*prod;		/* prod_cert_dir */
	const char	*confdir;	/* may be NULL */
	struct sslm_sel	*sel;		/* the operands */
	int		 nsel;
	json_t		*changed;
	json_t		*tlsa_changed;
	json_t		*remote;
	int		 in_sync;
	int		 failed;
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-prodcopy [-dnv] -c conf.json [grp[:svc,...] ...]\n");
	exit(status);
}

/* Test hook: SSLM_TEST_CRASH_AT=N dies like SIGKILL at the Nth step. */
static void
step(void)
{
	if (crash_at > 0 && ++crash_step == crash_at)
		_exit(137);
}

static void
debug(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: debug: ", sslm_getprogname());
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
}

/*
 * A path under certs_dir or prod_cert_dir.  check_conf bounds those
 * (PATH_BOUND) and every name below them, so nothing is ever cut.
 */
static void __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* A name that a killed run left: .curr.new, .next.new, .*.old, .tlsa.*.new. */
static int
leftover(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, ".curr.new") == 0 ||
	    strcmp(name, ".next.new") == 0 ||
	    (name[0] == '.' && n > 5 && strcmp(name + n - 4, ".old") == 0) ||
	    (strncmp(name, ".tlsa.", 6) == 0 &&
	    strcmp(name + n - 4, ".new") == 0);
}

static void
leftover_shown(const char *dpath, const char *name)
{
	debug("remove %s/%s", dpath, name);
}

/* Remove what a killed run left in dfd (-d: only say so). */
static int
clean_leftovers(int dfd, const char *dpath)
{
	return sslm_remove_matching(dfd, dpath, leftover,
	    dflag ? leftover_shown : NULL, step);
}

/*
 * One service: compare curr and next with production and, unless -n,
 * replace what differs.  Appends to c->changed.  0 or -1 (warned).
 */
static int
do_service(struct ctx *c, int cgfd, int *pgfd, const char *grp,
    const char *svc)
{
	struct sslm_fset	 src[2], dst[2];
	char		 spath[PATH_MAX], ppath[PATH_MAX], gpath[PATH_MAX];
	int		 sfd = -2, psfd = -2, diff[2] = { 0, 0 }, rc = -1, i;
	int		 done[2] = { 0, 0 };

	memset(src, 0, sizeof(src));
	memset(dst, 0, sizeof(dst));
	pathf(spath, sizeof(spath), "%s/%s/%s", c->certs, grp, svc);
	pathf(gpath, sizeof(gpath), "%s/%s", c->prod, grp);
	pathf(ppath, sizeof(ppath), "%s/%s", gpath, svc);
	if (cgfd >= 0 && (sfd = sslm_opendir_at(cgfd, svc, 0, spath)) == -1)
		goto out;
	for (i = 0; i < 2; i++)
		if (sslm_fset_link(sfd, spath, lnames[i], SET_FILES,
		    SSLM_PEM_MAX, &src[i]) == -1)
			goto out;
	if (*pgfd >= 0 && (psfd = sslm_opendir_at(*pgfd, svc, 0, ppath)) == -1)
		goto out;
	if (psfd >= 0 && !nflag && clean_leftovers(psfd, ppath) == -1)
		goto out;
	for (i = 0; i < 2; i++) {
		sslm_fset_peek(psfd, lnames[i], SET_FILES, SSLM_PEM_MAX,
		    &dst[i]);
		if ((diff[i] = !sslm_fset_equal(&src[i], &dst[i])) == 0)
			continue;
		c->in_sync = 0;
		if (nflag)
			sslm_warnx("mismatch: %s/%s vs %s/%s", spath,
			    lnames[i], ppath, lnames[i]);
	}
	if (nflag) {
		done[0] = diff[0];
		done[1] = diff[1];
		rc = 0;
		goto out;
	}
	if (dflag) {
		done[0] = diff[0];
		done[1] = diff[1];
		for (i = 0; i < 2; i++) {
			if (!diff[i])
				continue;
			if (src[i].present)
				fprintf(stderr, "%s: debug: replace %s/%s "
				    "with a copy of %s/%s\n",
				    sslm_getprogname(), ppath, lnames[i],
				    spath, lnames[i]);
			else if (dst[i].present)
				fprintf(stderr, "%s: debug: remove %s/%s\n",
				    sslm_getprogname(), ppath, lnames[i]);
		}
		rc = 0;
		goto out;
	}
	if (!diff[0] && !diff[1]) {
		rc = 0;
		goto out;
	}
	if (*pgfd < 0 && (*pgfd = sslm_opendir_at(AT_FDCWD, gpath, 1,
	    gpath)) < 0)
		goto out;
	if (psfd < 0 && (psfd = sslm_opendir_at(*pgfd, svc, 1, ppath)) < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if (!diff[i])
			continue;
		if (src[i].present) {
			if (sslm_fset_install(psfd, ppath, lnames[i],
			    &src[i], step) == -1)
				goto out;
		} else if (dst[i].present) {
			if (sslm_dir_remove(psfd, ppath, lnames[i], step) == -1)
				goto out;
		}
		done[i] = 1;
		if (vflag)
			sslm_warnx("%s/%s: %s", ppath, lnames[i],
			    src[i].present ? "replaced" : "removed");
	}
	rc = 0;
out:
	/* What changed (or, with -n or -d, would change). */
	if (done[0] || done[1])
		json_array_append_new(c->changed, json_pack("{s:s, s:s, s:b, "
		    "s:b}", "group", grp, "service", svc, "curr", done[0],
		    "next", done[1]));
	for (i = 0; i < 2; i++) {
		sslm_fset_free(&src[i]);
		sslm_fset_free(&dst[i]);
	}
	if (sfd >= 0)
		close(sfd);
	if (psfd >= 0)
		close(psfd);
	return rc;
}

/*
 * The apex file tlsa.<grp>: copy it (mtime kept) when it differs, remove
 * the production copy when the store has none.  0 or -1 (warned).
 */
static int
do_tlsa(struct ctx *c, int cgfd, int *pgfd, const char *grp)
{
	struct sslm_fset	 src, dst;
	struct sslm_fbuf	 sf, df;
	char		 name[300], spath[PATH_MAX], ppath[PATH_MAX];
	char		 gpath[PATH_MAX];
	int		 rc = -1;

	memset(&sf, 0, sizeof(sf));
	memset(&df, 0, sizeof(df));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	snprintf(name, sizeof(name), "tlsa.%s", grp);
	pathf(spath, sizeof(spath), "%s/%s/%s", c->certs, grp, name);
	pathf(gpath, sizeof(gpath), "%s/%s", c->prod, grp);
	pathf(ppath, sizeof(ppath), "%s/%s", gpath, name);
	if (cgfd >= 0) {
		if (sslm_read_at(cgfd, name, SSLM_PEM_MAX, &sf) == 0)
			src.present = 1;
		else if (errno != ENOENT) {
			sslm_warn("%s", spath);
			goto out;
		}
	}
	if (*pgfd >= 0) {
		if (sslm_read_at(*pgfd, name, SSLM_PEM_MAX, &df) == 0)
			dst.present = 1;
		else if (errno != ENOENT)
			dst.present = dst.bad = 1;
	}
	if (src.present) {
		src.f = &sf;
		src.n = 1;
		snprintf(sf.name, sizeof(sf.name), "tlsa");
	}
	if (dst.present && !dst.bad) {
		dst.f = &df;
		dst.n = 1;
		snprintf(df.name, sizeof(df.name), "tlsa");
	}
	if (sslm_fset_equal(&src, &dst)) {
		rc = 0;
		goto out;
	}
	c->in_sync = 0;
	if (nflag || dflag)
		json_array_append_new(c->tlsa_changed, json_string(grp));
	if (nflag) {
		sslm_warnx("mismatch: %s vs %s", spath, ppath);
		rc = 0;
		goto out;
	}
	if (dflag) {
		if (src.present)
			debug("copy %s to %s", spath, ppath);
		else
			debug("remove %s%s", ppath, "");
		rc = 0;
		goto out;
	}
	if (src.present && *pgfd < 0 && (*pgfd = sslm_opendir_at(AT_FDCWD,
	    gpath, 1, gpath)) < 0)
		goto out;
	if (sslm_file_put_at(*pgfd, gpath, name, src.present ? &sf : NULL,
	    step) == -1)
		goto out;
	json_array_append_new(c->tlsa_changed, json_string(grp));
	rc = 0;
out:
	src.f = dst.f = NULL;
	if (sf.data != NULL)
		OPENSSL_cleanse(sf.data, sf.len);
	free(sf.data);
	free(df.data);
	return rc;
}

/* One group: its selected services, then its tlsa file. */
static int
do_group(struct ctx *c, int cfd, const json_t *g)
{
	const json_t	*svcs, *s;
	const char	*grp, *svc;
	char		 path[PATH_MAX];
	size_t		 i;
	int		 cgfd = -2, pgfd = -2, rc = 0;

	grp = json_string_value(json_object_get(g, "domain"));
	if (!sslm_sel_match(c->sel, c->nsel, grp, NULL))
		return 0;
	pathf(path, sizeof(path), "%s/%s", c->certs, grp);
	if (cfd >= 0 && (cgfd = sslm_opendir_at(cfd, grp, 0, path)) == -1)
		return -1;
	pathf(path, sizeof(path), "%s/%s", c->prod, grp);
	if ((pgfd = sslm_opendir_at(AT_FDCWD, path, 0, path)) == -1) {
		rc = -1;
		goto out;
	}
	if (pgfd >= 0 && !nflag && clean_leftovers(pgfd, path) == -1)
		rc = -1;
	svcs = json_object_get(g, "services");
	json_array_foreach(svcs, i, s) {
		if (json_object_get(s, "error") != NULL)
			continue;
		svc = json_string_value(json_object_get(s, "service"));
		if (sslm_sel_match(c->sel, c->nsel, grp, svc) &&
		    do_service(c, cgfd, &pgfd, grp, svc) == -1)
			rc = -1;
	}
	if (do_tlsa(c, cgfd, &pgfd, grp) == -1)
		rc = -1;
out:
	if (cgfd >= 0)
		close(cgfd);
	if (pgfd >= 0)
		close(pgfd);
	return rc;
}

/*
 * Mirror prod_cert_dir to one host (lib/remote.c: the ssh rule).  0, also
 * when the copy failed (c->failed, the JSON say so), or -1 (warned).
 */
static int
copy_host(struct ctx *c, const char *host)
{
	char		 src[PATH_MAX], dst[PATH_MAX + 256], why[PATH_MAX];
	int		 r;

	snprintf(src, sizeof(src), "%s/", c->prod);
	snprintf(dst, sizeof(dst), "%s:%s/", host, c->prod);
	if ((r = sslm_rsync_mirror(c->confdir, src, dst,
	    (dflag ? SSLM_MIRROR_DRY : 0) | (vflag ? SSLM_MIRROR_SHOW : 0),
	    why, sizeof(why))) == -1)
		return -1;
	if (r == 1) {
		sslm_warnx("%s: copy to %s failed: %s", host, dst, why);
		c->failed = 1;
	}
	json_array_append_new(c->remote, json_pack("{s:s, s:b, s:s?}",
	    "host", host, "ok", r == 0, "error", r == 1 ? why : NULL));
	return 0;
}

/* Remote copies: server classes in order, each remote host once. */
static int
do_remote(struct ctx *c, const json_t *doc)
{
	const json_t	*cls, *hosts, *h;
	json_t		*seen;
	const char	*host;
	size_t		 i, k;
	int		 rc = -1, bad = 0;

	if ((seen = json_object()) == NULL)
		return -1;
	for (k = 0; k < 4; k++) {
		cls = json_object_get(json_object_get(doc, "servers"),
		    classes[k]);
		if (json_is_true(json_object_get(cls, "skip_prod_copy")))
			continue;
		hosts = json_object_get(cls, "servers");
		json_array_foreach(hosts, i, h) {
			host = json_string_value(h);
			if (json_object_get(seen, host) != NULL ||
			    sslm_host_is_local(host))
				continue;
			json_object_set_new(seen, host, json_true());
			if (c->prod[0] != '/') {
				if (!bad)
					sslm_warnx("%s: remote copy needs an "
					    "absolute path", c->prod);
				bad = 1;
				continue;
			}
			if (copy_host(c, host) == -1)
				goto out;
		}
	}
	rc = bad ? -1 : 0;
out:
	json_decref(seen);
	return rc;
}

/* A field of CONF.json that must be a string. */
static const char *
conf_str(const json_t *o, const char *key, const char *what)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL || *s == '\0')
		sslm_warnx("conf.json: %s: missing or not a string", what);
	return s;
}

/*
 * Re-check what sh and rsync will use: group, service and host names,
 * and the paths.  0 or -1 (warned).
 */
static int
check_conf(const json_t *doc)
{
	const json_t	*g, *s, *h, *cls;
	const char	*v;
	size_t		 i, j, k;

	if ((v = conf_str(doc, "certs_dir", "certs_dir")) == NULL)
		return -1;
	if (strlen(v) > PATH_BOUND) {
		sslm_warnx("conf.json: certs_dir: path too long");
		return -1;
	}
	if ((v = conf_str(json_object_get(doc, "globals"), "prod_cert_dir",
	    "globals.prod_cert_dir")) == NULL)
		return -1;
	if (strlen(v) > PATH_BOUND) {
		sslm_warnx("conf.json: globals.prod_cert_dir: path too long");
		return -1;
	}
	if (!json_is_array(json_object_get(doc, "groups"))) {
		sslm_warnx("conf.json: groups: missing or not an array");
		return -1;
	}
	json_array_foreach(json_object_get(doc, "groups"), i, g) {
		v = json_string_value(json_object_get(g, "domain"));
		if (v == NULL || (strcmp(v, "ca") != 0 &&
		    !sslm_valid_hostname(v, 0)) || strlen(v) > 200) {
			sslm_warnx("conf.json: groups[%zu].domain: unsafe "
			    "group name", i);
			return -1;
		}
		json_array_foreach(json_object_get(g, "services"), j, s) {
			if (json_object_get(s, "error") != NULL)
				continue;
			v = json_string_value(json_object_get(s, "service"));
			if (v == NULL || !sslm_valid_filename(v)) {
				sslm_warnx("conf.json: groups[%zu].services"
				    "[%zu].service: unsafe service name", i, j);
				return -1;
			}
		}
	}
	for (k = 0; k < 4; k++) {
		cls = json_object_get(json_object_get(doc, "servers"),
		    classes[k]);
		json_array_foreach(json_object_get(cls, "servers"), j, h) {
			v = json_string_value(h);
			if (v == NULL || !sslm_valid_host(v)) {
				sslm_warnx("conf.json: servers.%s.servers[%zu]:"
				    " not a host name", classes[k], j);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Load CONF.json, copy (or check) every selected group, then copy to the
 * remote hosts.  SSLM_EXIT_* code.
 */
static int
run(struct ctx *c, const char *conf)
{
	json_t		*doc = NULL, *out = NULL;
	json_error_t	 jerr;
	const json_t	*g;
	char		*buf = NULL;
	size_t		 len, i;
	int		 cfd = -2, pfd, rc = SSLM_EXIT_FAIL;

	if ((buf = sslm_readfile(conf, CONF_MAX, &len)) == NULL)
		goto out;
	if ((doc = json_loadb(buf, len, 0, &jerr)) == NULL) {
		sslm_warnx("%s:%d: %s", conf, jerr.line, jerr.text);
		goto out;
	}
	if (check_conf(doc) == -1)
		goto out;
	c->certs = json_string_value(json_object_get(doc, "certs_dir"));
	c->prod = json_string_value(json_object_get(json_object_get(doc,
	    "globals"), "prod_cert_dir"));
	c->confdir = json_string_value(json_object_get(doc, "confdir"));
	c->changed = json_array();
	c->tlsa_changed = json_array();
	c->remote = json_array();
	c->in_sync = 1;
	if ((cfd = sslm_opendir_path(c->certs, 0)) == -1)
		goto out;
	if (!nflag && !dflag) {
		if ((pfd = sslm_opendir_path(c->prod, 1)) < 0)
			goto out;
		close(pfd);
	}
	/* No store at all (a new set up): nothing to copy, in sync. */
	if (cfd == -2 && vflag)
		sslm_warnx("%s: no store", c->certs);
	json_array_foreach(json_object_get(doc, "groups"), i, g)
		if (cfd >= 0 && do_group(c, cfd, g) == -1)
			c->failed = 1;
	if (sslm_sel_check(c->sel, c->nsel) == -1)
		goto out;
	if (!nflag && !c->failed && do_remote(c, doc) == -1)
		c->failed = 1;
	out = json_pack("{s:O, s:O, s:O, s:b}", "changed", c->changed,
	    "tlsa_changed", c->tlsa_changed, "remote", c->remote,
	    "in_sync", c->in_sync);
	if (out == NULL || sslm_json_print(stdout, out, 1) == -1)
		goto out;
	if (c->failed)
		rc = SSLM_EXIT_FAIL;
	else
		rc = nflag && !c->in_sync ? SSLM_EXIT_NO : SSLM_EXIT_OK;
out:
	if (cfd >= 0)
		close(cfd);
	json_decref(out);
	json_decref(c->changed);
	json_decref(c->tlsa_changed);
	json_decref(c->remote);
	json_decref(doc);
	free(buf);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "conf",	required_argument,	NULL,	'c' },
		{ "debug",	no_argument,		NULL,	'd' },
		{ "check",	no_argument,		NULL,	'n' },
		{ "verbose",	no_argument,		NULL,	'v' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct ctx	 c;
	const char	*conf = NULL, *crash;
	long long	 ll;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "c:dhnvV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			dflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'v':
			vflag = 1;
			break;
		case 'V':
			return sslm_version();
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (conf == NULL)
		usage(SSLM_EXIT_USAGE);
	if ((crash = getenv("SSLM_TEST_CRASH_AT")) != NULL &&
	    sslm_strtonum(crash, 0, LONG_MAX, &ll) == 0)
		crash_at = (long)ll;
	if (sslm_sel_parse(argv, argc, &c.sel, &c.nsel) == -1)
		rc = SSLM_EXIT_USAGE;
	else
		rc = run(&c, conf);
	sslm_sel_free(c.sel, c.nsel);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
