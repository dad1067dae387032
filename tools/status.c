/* SPDX-License-Identifier: MIT */
/*
 * sslm-status: where every certificate of the store stands, in one pass:
 * per service the facts of its curr, next and prev sets, the renewal
 * decision, whether next may roll or is late, and a status (0 fine, 1
 * due or late, 3 expired, missing or failed), as ssl-mgr's text or JSON
 * lines, and the Prometheus metrics.  Reads the store, never writes it.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sslm.h"

#define CONF_MAX	(16 * 1024 * 1024)	/* bound on conf.json */
#define PATH_BOUND	2048			/* certs_dir */
#define MINS_MAX	(100LL * 365 * 24 * 60)	/* bound on the minutes */

struct opts {
	const char		*conf;		/* -c */
	const char		*prom;		/* -p */
	const char		*lines;		/* -L */
	int			 json;		/* -j */
	int			 idle;		/* -i */
	int			 verbose;	/* -v */
	int			 bare;		/* -b */
	int			 quiet;		/* -q */
	const char		*roll_mins;	/* -r, else the configuration's */
	struct sslm_status_opts	 st;
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-status [-bijqtv] [-a time] [-L file] [-l late-mins] "
	    "[-p file.prom]\n"
	    "                   [-r roll-mins] -c conf.json "
	    "[grp[:svc,...] ...]\n");
	exit(status);
}

/* A number of minutes for option opt.  Exits 2 when it is not one. */
static long long
minutes(const char *opt, const char *s)
{
	long long v;

	if (sslm_strtonum(s, 0, MINS_MAX, &v) == -1) {
		sslm_warnx("%s needs a number of minutes, not \"%s\"", opt,
		    s);
		usage(SSLM_EXIT_USAGE);
	}
	return v;
}

/* The renew_info table of the document.  0 or -1 (warned). */
static int
table(const struct opts *o, const json_t *doc, struct sslm_renew_point *p,
    size_t *np)
{
	const json_t *ri = json_object_get(doc, "renew_info");

	if (ri == NULL) {
		memcpy(p, sslm_renew_builtin,
		    sslm_renew_nbuiltin * sizeof(p[0]));
		*np = sslm_renew_nbuiltin;
		return 0;
	}
	return sslm_renew_table(ri, o->conf, p, SSLM_RENEW_MAXPOINTS, np);
}

/*
 * What status puts into paths: certs_dir, group and service names, as
 * sslm-conf checked them.  0 or -1 (warned).
 */
static int
check_conf(const struct opts *o, const json_t *doc)
{
	const json_t	*g, *s;
	const char	*v;
	size_t		 i, j;

	v = json_string_value(json_object_get(doc, "certs_dir"));
	if (v == NULL || *v == '\0' || strlen(v) > PATH_BOUND) {
		sslm_warnx("%s: certs_dir: missing or too long", o->conf);
		return -1;
	}
	if (!json_is_array(json_object_get(doc, "groups"))) {
		sslm_warnx("%s: groups: missing or not an array", o->conf);
		return -1;
	}
	json_array_foreach(json_object_get(doc, "groups"), i, g) {
		v = json_string_value(json_object_get(g, "domain"));
		if (v == NULL || strlen(v) > 200 || (strcmp(v, "ca") != 0 &&
		    !sslm_valid_hostname(v, 0))) {
			sslm_warnx("%s: groups[%zu].domain: unsafe group name",
			    o->conf, i);
			return -1;
		}
		json_array_foreach(json_object_get(g, "services"), j, s) {
			v = json_string_value(json_object_get(s, "service"));
			if (v == NULL || (json_object_get(s, "error") == NULL &&
			    !sslm_valid_filename(v))) {
				sslm_warnx("%s: groups[%zu].services[%zu]."
				    "service: unsafe service name", o->conf, i,
				    j);
				return -1;
			}
		}
	}
	return 0;
}

/* A field as jq's @tsv writes it: \\, \t, \n and \r escaped. */
static int
tsv_field(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
			if (putchar('\\') == EOF || putchar(*s == '\t' ? 't' :
			    *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\') == EOF)
				return -1;
		} else if (putchar(*s) == EOF)
			return -1;
	}
	return 0;
}

/*
 * -i: "grp<TAB>svc<TAB>sslm-due's answer" of a service a renew (without
 * -f) skips: no renew work and a decision in words.  0 or -1.
 */
static int
show_idle(const json_t *st)
{
	const char *msg = json_string_value(json_object_get(json_object_get(st,
	    "curr"), "due_msg"));

	if (msg == NULL || !json_is_false(json_object_get(st, "renew_work")))
		return 0;
	if (tsv_field(json_string_value(json_object_get(st, "group"))) ==
	    -1 || putchar('\t') == EOF ||
	    tsv_field(json_string_value(json_object_get(st, "service"))) ==
	    -1 || putchar('\t') == EOF || tsv_field(msg) == -1)
		return -1;
	return putchar('\n') == EOF ? -1 : 0;
}

/* One status object on stdout as text, a JSON line or -i's.  0 or -1. */
static int
show(const struct opts *o, const json_t *st)
{
	if (o->quiet)
		return 0;
	if (o->idle)
		return show_idle(st);
	if (o->json)
		return sslm_status_print(stdout, st);
	if (!o->bare && printf("  %s\n", json_string_value(
	    json_object_get(st, "service"))) < 0)
		return -1;
	return sslm_status_text(stdout, st, o->verbose);
}

/* The selected services of every group, shown and kept in all. */
static int
walk(const struct opts *o, const json_t *doc, struct sslm_sel *sel,
    int nsel, json_t *all)
{
	struct sslm_renew_point	 p[SSLM_RENEW_MAXPOINTS];
	const json_t		*g, *s;
	json_t			*st;
	const char		*grp, *svc, *srv, *certs;
	size_t			 np, i, j;

	if (table(o, doc, p, &np) == -1)
		return -1;
	certs = json_string_value(json_object_get(doc, "certs_dir"));
	json_array_foreach(json_object_get(doc, "groups"), i, g) {
		grp = json_string_value(json_object_get(g, "domain"));
		if (!sslm_sel_match(sel, nsel, grp, NULL))
			continue;
		if (!o->json && !o->idle && !o->bare && !o->quiet &&
		    printf("%s\n", grp) < 0)
			return -1;
		srv = json_string_value(json_object_get(json_object_get(g,
		    "dns_primary"), "server"));
		json_array_foreach(json_object_get(g, "services"), j, s) {
			svc = json_string_value(json_object_get(s, "service"));
			if (!sslm_sel_match(sel, nsel, grp, svc))
				continue;
			if ((st = sslm_status_service(&o->st, certs, grp, s,
			    srv, p, np)) == NULL)
				return -1;
			if (json_array_append_new(all, st) == -1 ||
			    show(o, st) == -1)
				return -1;
		}
	}
	return sslm_sel_check(sel, nsel);
}

/* One line per service of all into path (sslm_status_line).  0 or -1. */
static int
write_lines(const char *path, const json_t *all)
{
	const json_t	*st;
	FILE		*fp;
	size_t		 i;
	int		 rc = 0;

	if ((fp = fopen(path, "w")) == NULL) {
		sslm_warn("%s", path);
		return -1;
	}
	json_array_foreach(all, i, st) {
		if (sslm_status_line(fp, st) == -1)
			rc = -1;
	}
	if (fclose(fp) == EOF)
		rc = -1;
	if (rc == -1)
		sslm_warn("%s: write", path);
	return rc;
}

/*
 * The one job: the status of the selected services of conf on stdout,
 * the metrics into o->prom, a line on stderr for each service that is
 * not fine.  The highest status (SSLM_EXIT_OK, SSLM_EXIT_NO or
 * SSLM_EXIT_FAIL, which is also a failure of its own), or, with -q or
 * -b, SSLM_EXIT_OK unless it failed.
 */
static int
run(struct opts *o, char **argv, int argc)
{
	struct sslm_sel	*sel = NULL;
	json_t		*doc = NULL, *all = NULL, *st;
	char		 lr[PATH_MAX], *why;
	size_t		 i;
	long long	 rm;
	int		 nsel = 0, rc = SSLM_EXIT_FAIL, worst = 0, s;

	if (sslm_sel_parse(argv, argc, &sel, &nsel) == -1)
		goto out;
	if ((doc = sslm_json_readfile(o->conf, CONF_MAX)) == NULL ||
	    check_conf(o, doc) == -1)
		goto out;
	if (o->roll_mins == NULL) {
		rm = json_integer_value(json_object_get(json_object_get(doc,
		    "globals"), "min_roll_mins"));
		o->st.roll_mins = rm > 0 ? rm : 0;
	}
	/* Sets share files (hard links, one set under two links). */
	if ((o->st.cache = sslm_certcache_new()) == NULL)
		goto out;
	if ((all = json_array()) == NULL || walk(o, doc, sel, nsel, all) ==
	    -1)
		goto out;
	if (o->lines != NULL && write_lines(o->lines, all) == -1)
		goto out;
	if (o->prom != NULL) {
		snprintf(lr, sizeof(lr), "%s/.last-run", json_string_value(
		    json_object_get(doc, "certs_dir")));
		if (sslm_status_prom(o->prom, all, lr, o->st.now) == -1)
			goto out;
	}
	json_array_foreach(all, i, st) {
		s = (int)json_integer_value(json_object_get(st, "status"));
		if (s > worst)
			worst = s;
		if (o->quiet || o->bare || (why = sslm_status_why(st)) == NULL)
			continue;
		sslm_warnx("%s", why);
		free(why);
	}
	rc = o->quiet || o->bare ? SSLM_EXIT_OK : worst;
out:
	sslm_certcache_free(o->st.cache);
	o->st.cache = NULL;
	json_decref(all);
	json_decref(doc);
	sslm_sel_free(sel, nsel);
	return rc;
}

/* The options into o; exits 2 on a usage error, 0 for -h and -V. */
static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "at",		required_argument,	NULL, 'a' },
		{ "bare",	no_argument,		NULL, 'b' },
		{ "conf",	required_argument,	NULL, 'c' },
		{ "idle",	no_argument,		NULL, 'i' },
		{ "lines",	required_argument,	NULL, 'L' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "late-mins",	required_argument,	NULL, 'l' },
		{ "prom",	required_argument,	NULL, 'p' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "roll-mins",	required_argument,	NULL, 'r' },
		{ "test",	no_argument,		NULL, 't' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "a:bc:hijL:l:p:qr:tvV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (sslm_parse_time(optarg, &o->st.now) == -1) {
				sslm_warnx("%s: not a time (YYYY-MM-DD, "
				    "YYYY-MM-DDTHH:MM:SSZ or @seconds)",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'b':
			o->bare = 1;
			break;
		case 'c':
			o->conf = optarg;
			break;
		case 'i':
			o->idle = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'L':
			o->lines = optarg;
			break;
		case 'l':
			o->st.late_mins = minutes("--late-mins", optarg);
			break;
		case 'p':
			o->prom = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			o->roll_mins = optarg;
			o->st.roll_mins = minutes("--roll-mins", optarg);
			break;
		case 't':
			o->st.test = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			exit(sslm_version());
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	if (o->conf == NULL)
		usage(SSLM_EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	struct opts	o;
	int		rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	o.st.now = time(NULL);
	o.st.late_mins = 2880;
	parse_opts(argc, argv, &o);
	rc = run(&o, argv + optind, argc - optind);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
