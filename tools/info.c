/* SPDX-License-Identifier: MIT */
/*
 * sslm-info: describe the PEM blocks of files (certificates, chains,
 * bundles, CSRs, keys, DH parameters) as ssl-mgr style text, openssl
 * style full text or JSON; optionally say whether a certificate expires
 * soon.  Private keys yield their type and public half only.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sslm.h"

#define MAX_DAYS	36500

struct opts {
	int		 json;		/* -j */
	int		 verbose;	/* -v */
	int		 text;		/* -t, or the default */
	long long	 within;	/* -e DAYS, in seconds; -1: not asked */
	time_t		 now;		/* -a, or the clock */
};

struct result {
	json_t		*all;		/* -j: facts of every block */
	int		 failed;	/* some input was bad */
	int		 expiring;	/* some certificate expires too soon */
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-info [-jstv] [-a time] [-e days] [file ...]\n");
	exit(status);
}

/*
 * Read a file or stdin as a secret (it may hold a private key).
 * sslm_readsecret refuses symbolic links; a link given by the user
 * (for instance into /etc/ssl/certs) is resolved first.
 */
static char *
readinput(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*real, *buf;

	if (strcmp(path, "-") == 0 || lstat(path, &st) == -1 ||
	    !S_ISLNK(st.st_mode))
		return sslm_readsecret(path, SSLM_PEM_MAX, lenp);
	if ((real = realpath(path, NULL)) == NULL) {
		sslm_warn("%s", path);
		return NULL;
	}
	buf = sslm_readsecret(real, SSLM_PEM_MAX, lenp);
	free(real);
	return buf;
}

/* Facts of one block with file, index and line in front. */
static json_t *
block_facts(const struct sslm_pem *b, const char *name, size_t idx,
    time_t now)
{
	json_t	*f, *o;

	if ((f = sslm_info_block(b, name, now)) == NULL)
		return NULL;
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "file", json_string(name)) == -1 ||
	    json_object_set_new(o, "index", json_integer((json_int_t)idx)) ==
	    -1 ||
	    json_object_set_new(o, "line", json_integer(b->line)) == -1 ||
	    json_object_update(o, f) == -1) {
		sslm_warnx("%s:%d: out of memory", name, b->line);
		json_decref(o);
		o = NULL;
	}
	json_decref(f);
	return o;
}

/* Print (or collect) one block.  -1 on a write error. */
static int
show(const struct opts *o, struct result *r, const struct sslm_pem *b,
    const char *name, json_t *f)
{
	if (o->json)
		return json_array_append(r->all, f) == 0 ? 0 : -1;
	if (!o->verbose && !o->text)
		return 0;
	if (sslm_info_header(stdout, name) == -1)
		return -1;
	if (o->verbose) {
		if (sslm_info_verbose(stdout, b, name) == -1)
			r->failed = 1;
		return 0;
	}
	return sslm_info_text(stdout, f, o->now);
}

/* Every block of one input.  -1 on a write error. */
static int
run_file(const struct opts *o, struct result *r, const char *path)
{
	struct sslm_pem	*b = NULL;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;
	json_t		*f, *left;
	char		*buf;
	size_t		 len = 0, n = 0, i;
	int		 rc = 0;

	if ((buf = readinput(path, &len)) == NULL) {
		r->failed = 1;
		return 0;
	}
	if (sslm_pem_split(buf, len, name, &b, &n) == -1) {
		r->failed = 1;
		goto out;
	}
	if (n == 0) {
		sslm_warnx("%s: no PEM block", name);
		r->failed = 1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((f = block_facts(&b[i], name, i, o->now)) == NULL) {
			r->failed = 1;
			continue;
		}
		left = json_object_get(f, "seconds_left");
		if (o->within >= 0 && json_is_integer(left) &&
		    json_integer_value(left) < o->within)
			r->expiring = 1;
		rc = show(o, r, &b[i], name, f);
		json_decref(f);
	}
out:
	free(b);
	sslm_freesecret(buf, len + 1);
	return rc;
}

/*
 * Describe every block of files (stdin when there is none).
 * SSLM_EXIT_FAIL when an input was bad or stdout failed, else
 * SSLM_EXIT_NO when a certificate expires within -e, else SSLM_EXIT_OK.
 */
static int
run(const struct opts *o, char **files, int nfiles)
{
	struct result	 r;
	char		 dash0[] = "-";
	char		*dash[] = { dash0 };
	int		 i, rc = SSLM_EXIT_FAIL;

	memset(&r, 0, sizeof(r));
	if (nfiles == 0) {
		files = dash;
		nfiles = 1;
	}
	if (o->json && (r.all = json_array()) == NULL) {
		sslm_warnx("out of memory");
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (run_file(o, &r, files[i]) == -1)
			goto out;
	if (o->json && sslm_json_print(stdout, r.all, 1) == -1)
		goto out;
	if (!r.failed)
		rc = r.expiring ? SSLM_EXIT_NO : SSLM_EXIT_OK;
out:
	json_decref(r.all);
	return rc;
}

/* -e DAYS: a whole number of days, 0..MAX_DAYS, in seconds. */
static long long
parse_days(const char *s)
{
	long long v;

	if (sslm_strtonum(s, 0, MAX_DAYS, &v) == -1) {
		sslm_warnx("%s: days must be a whole number from 0 to %d", s,
		    MAX_DAYS);
		usage(SSLM_EXIT_USAGE);
	}
	return v * 86400;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at",			required_argument,	NULL, 'a' },
		{ "expires-within",	required_argument,	NULL, 'e' },
		{ "json",		no_argument,		NULL, 'j' },
		{ "text",		no_argument,		NULL, 't' },
		{ "summary",		no_argument,		NULL, 's' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL,			0,			NULL, 0 }
	};
	struct opts	 o;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	o.within = -1;
	o.now = time(NULL);
	while ((ch = getopt_long(argc, argv, "a:e:hjstvV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'a':
			if (sslm_parse_time(optarg, &o.now) == -1) {
				sslm_warnx("%s: not a time (YYYY-MM-DD, "
				    "YYYY-MM-DDTHH:MM:SSZ or @seconds)",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'e':
			o.within = parse_days(optarg);
			break;
		case 'j':
			o.json = 1;
			break;
		case 's':	/* ssl-mgr's usage advertises -s: the summary */
		case 't':
			o.text = 1;
			break;
		case 'v':
			o.verbose = 1;
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
	if (o.json + o.text + o.verbose > 1)
		usage(SSLM_EXIT_USAGE);
	/* Without -e the summary is the default; -e alone is quiet. */
	if (o.within < 0 && !o.json && !o.verbose)
		o.text = 1;
	rc = run(&o, argv + optind, argc - optind);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
