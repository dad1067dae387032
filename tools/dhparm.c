/* SPDX-License-Identifier: MIT */
/*
 * sslm-dhparm: keep Diffie-Hellman parameter files for servers in
 * <dir>/dh/: the RFC 7919 groups as dh-<name>.pem (fixed, never remade
 * unless forced) and generated groups as dh<bits>.pem (remade when older
 * than the age limit), with dhparam.pem a link to the first of them.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sslm.h"

#define DEFAULT_KEYS	"ffdhe8192,ffdhe6144,ffdhe4096,ffdhe3072,ffdhe2048"
#define MIN_BITS	2048	/* production floor for generated groups */
#define MAX_BITS	8192
#define MAX_AGE_DAYS	36500

/* One -k item: an RFC 7919 group (bits 0) or a size to generate. */
struct key {
	char	name[16];	/* "ffdhe4096", or "" for a size */
	int	bits;		/* size to generate, 0 for a group */
	char	file[24];	/* dh-ffdhe4096.pem or dh3072.pem */
};

struct opts {
	struct key	 keys[16];
	size_t		 nkeys;
	int		 force, subdirs, json;
	long		 age_days;
	int		 min_bits;
	json_t		*report;	/* with -j: one object per dh dir */
};

static void usage(int) __attribute__((__noreturn__));

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-dhparm [-fjs] [-a age_days] [-k keys] "
	    "[-b min_bits] dir ...\n");
	exit(status);
}

/* Parse the -k list into o->keys, without duplicates.  0 or -1. */
static int
parse_keys(struct opts *o, const char *list)
{
	const char	*p = list, *comma;
	char		 item[16];
	size_t		 len, i, k;
	long long	 v;
	struct key	 key;

	o->nkeys = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 0 || len >= sizeof(item)) {
			sslm_warnx("-k %s: empty or overlong item", list);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		memset(&key, 0, sizeof(key));
		if (isdigit((unsigned char)item[0])) {
			if (sslm_strtonum(item, o->min_bits, MAX_BITS, &v) ==
			    -1) {
				sslm_warnx("-k %s: a size must be %d to %d "
				    "bits", item, o->min_bits, MAX_BITS);
				return -1;
			}
			key.bits = (int)v;
			snprintf(key.file, sizeof(key.file), "dh%d.pem",
			    key.bits);
		} else if (sslm_dh_group_bits(item) != 0) {
			for (i = 0; i < len; i++)
				key.name[i] = (char)tolower(
				    (unsigned char)item[i]);
			snprintf(key.file, sizeof(key.file), "dh-%s.pem",
			    key.name);
		} else {
			sslm_warnx("-k %s: not ffdhe2048, ffdhe3072, "
			    "ffdhe4096, ffdhe6144, ffdhe8192 or a size",
			    item);
			return -1;
		}
		for (k = 0; k < o->nkeys; k++)
			if (strcmp(o->keys[k].file, key.file) == 0)
				break;
		if (k == o->nkeys) {
			if (o->nkeys == sizeof(o->keys) / sizeof(o->keys[0])) {
				sslm_warnx("-k: too many items");
				return -1;
			}
			o->keys[o->nkeys++] = key;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* Is path missing or does it need to be (re)made?  -1 on stat errors. */
static int
due(const struct opts *o, const struct key *k, const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return 1;
		sslm_warn("%s", path);
		return -1;
	}
	if (o->force)
		return 1;
	if (k->bits == 0)
		return 0;	/* a named group never changes */
	return time(NULL) - st.st_mtime > o->age_days * 86400L;
}

/* The progress line of a slow generation (a terminal only). */
struct prog {
	const char	*path;
	int		 bits;
	time_t		 t0, last;
};

/* Called while the primes are searched: rewrite the line each second. */
static void
tick(void *arg)
{
	struct prog	*p = arg;
	time_t		 now = time(NULL);

	if (now == p->last)
		return;
	p->last = now;
	fprintf(stderr, "\r%s: %s: generating %d-bit parameters, %lld s",
	    sslm_getprogname(), p->path, p->bits, (long long)(now - p->t0));
}

/* Make the file of one key.  0 or -1 (warned, nothing left behind). */
static int
make_key(const struct key *k, const char *path)
{
	EVP_PKEY	*pk;
	struct prog	 p;
	char		*pem = NULL;
	size_t		 len = 0;
	int		 rc = -1, tty;

	/* Generating takes minutes: say so at a terminal, not to cron. */
	tty = k->bits != 0 && isatty(STDERR_FILENO);
	p.path = path;
	p.bits = k->bits;
	p.t0 = time(NULL);
	p.last = p.t0 - 1;
	if (tty)
		tick(&p);
	pk = k->bits == 0 ? sslm_dh_named(k->name) :
	    sslm_dh_generate_tick(k->bits, tty ? tick : NULL, &p);
	if (tty)
		fprintf(stderr, pk != NULL ?
		    "\r%s: %s: generated %d-bit parameters in %lld s\n" :
		    "\r%s: %s: generating %d-bit parameters failed after "
		    "%lld s\n", sslm_getprogname(), path, k->bits,
		    (long long)(time(NULL) - p.t0));
	if (pk == NULL)
		return -1;
	if ((pem = sslm_dh_pem(pk, &len)) != NULL &&
	    sslm_write_file(path, pem, len, 0644) == 0)
		rc = 0;
	free(pem);
	EVP_PKEY_free(pk);
	return rc;
}

/*
 * Point dh/dhparam.pem at target (a bare file name) unless it does
 * already: a new link under a temporary name renamed over the old one.
 * 1 when changed, 0 when it was right, -1 on error (warned).
 */
static int
set_link(const char *dh, const char *target)
{
	char	link[PATH_MAX], tmp[PATH_MAX], cur[PATH_MAX];
	ssize_t	n;
	int	i;

	if (snprintf(link, sizeof(link), "%s/dhparam.pem", dh) >=
	    (int)sizeof(link)) {
		sslm_warnx("%s: path too long", dh);
		return -1;
	}
	n = readlink(link, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0)
			return 0;
	}
	for (i = 0; ; i++) {
		if (snprintf(tmp, sizeof(tmp), "%s/.dhparam.pem.%ld.%d", dh,
		    (long)getpid(), i) >= (int)sizeof(tmp)) {
			sslm_warnx("%s: path too long", dh);
			return -1;
		}
		if (symlink(target, tmp) == 0)
			break;
		if (errno != EEXIST || i == 9) {
			sslm_warn("%s", tmp);
			return -1;
		}
	}
	if (rename(tmp, link) == -1) {
		sslm_warn("%s", link);
		unlink(tmp);
		return -1;
	}
	if (sslm_fsync_dir(link) == -1) {
		sslm_warn("%s: fsync of its directory", link);
		return -1;
	}
	return 1;
}

/* The dh directory of sub, created 0750 when missing.  0 or -1. */
static int
make_dhdir(const char *dh)
{
	struct stat st;

	if (mkdir(dh, 0750) == 0) {
		/* mkdir applies the umask; the mode is documented. */
		if (chmod(dh, 0750) == -1) {
			sslm_warn("%s", dh);
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		sslm_warn("%s", dh);
		return -1;
	}
	if (stat(dh, &st) == -1 || !S_ISDIR(st.st_mode)) {
		sslm_warnx("%s: not a directory", dh);
		return -1;
	}
	return 0;
}

/* Bring one <sub>/dh up to date.  0, or -1 when something failed. */
static int
do_dir(struct opts *o, const char *sub)
{
	char		 dh[PATH_MAX], path[PATH_MAX];
	json_t		*made = NULL, *kept = NULL, *rep = NULL;
	size_t		 i;
	int		 rc = 0, d, l = -1, linked = 0;

	if (snprintf(dh, sizeof(dh), "%s/dh", sub) >= (int)sizeof(dh) - 32) {
		sslm_warnx("%s: path too long", sub);
		return -1;
	}
	if (!o->json)
		printf("         : %s\n", dh);
	if (make_dhdir(dh) == -1)
		return -1;
	if (o->json && ((made = json_array()) == NULL ||
	    (kept = json_array()) == NULL)) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < o->nkeys; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dh,
		    o->keys[i].file) >= (int)sizeof(path) ||
		    (d = due(o, &o->keys[i], path)) == -1) {
			rc = -1;
			continue;
		}
		if (d == 0) {
			if (kept != NULL)
				json_array_append_new(kept,
				    json_string(o->keys[i].file));
			if (i == 0)
				linked = 1;
			continue;
		}
		if (!o->json) {
			if (o->keys[i].bits == 0)
				printf("           - %s\n", o->keys[i].name);
			else
				printf("           - %d\n", o->keys[i].bits);
			fflush(stdout);
		}
		if (make_key(&o->keys[i], path) == -1) {
			rc = -1;
			continue;
		}
		if (i == 0)
			linked = 1;
		if (made != NULL)
			json_array_append_new(made,
			    json_string(o->keys[i].file));
	}
	/* Never point the link at a file that is not there. */
	if (linked && (l = set_link(dh, o->keys[0].file)) == -1)
		rc = -1;
	if (l == 1 && !o->json)
		printf("             default %s/dhparam.pem -> %s\n", dh,
		    o->keys[0].file);
	if (o->json) {
		rep = json_pack("{s:s, s:O, s:O, s:s?, s:b}", "dir", dh,
		    "made", made, "kept", kept, "link",
		    linked ? o->keys[0].file : NULL, "link_changed", l == 1);
		if (rep == NULL || json_array_append_new(o->report, rep) == -1)
			rc = -1;
	}
out:
	json_decref(made);
	json_decref(kept);
	return rc;
}

/* Sub-directories of dir for -s, sorted, without "ca" and dot names. */
static int
do_subdirs(struct opts *o, const char *dir)
{
	struct dirent	**ents = NULL;
	struct stat	  st;
	char		  sub[PATH_MAX];
	int		  n, i, found = 0, rc = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		sslm_warn("%s", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.' ||
		    strcasecmp(ents[i]->d_name, "ca") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir,
		    ents[i]->d_name) >= (int)sizeof(sub) ||
		    stat(sub, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		found = 1;
		if (do_dir(o, sub) == -1)
			rc = -1;
	}
	if (!found)
		sslm_warnx("%s: no sub-directories (other than ca)", dir);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

/* Returns an exit code. */
static int
run(struct opts *o, int argc, char **argv)
{
	struct stat	 st;
	size_t		 len;
	int		 i, usable = 0, failed = 0;

	if (o->json && (o->report = json_array()) == NULL)
		return SSLM_EXIT_FAIL;
	for (i = 0; i < argc; i++) {
		/* "certs/" gives "certs/dh", not "certs//dh". */
		len = strlen(argv[i]);
		while (len > 1 && argv[i][len - 1] == '/')
			argv[i][--len] = '\0';
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			sslm_warnx("%s: no such directory, ignored", argv[i]);
			continue;
		}
		usable++;
		if (!o->json)
			printf(" dhparam : %s\n", argv[i]);
		if ((o->subdirs ? do_subdirs(o, argv[i]) :
		    do_dir(o, argv[i])) == -1)
			failed = 1;
	}
	if (usable == 0) {
		sslm_warnx("no usable directories");
		failed = 1;
	}
	if (o->json && usable > 0 &&
	    sslm_json_print(stdout, o->report, 1) == -1)
		failed = 1;
	json_decref(o->report);
	return failed ? SSLM_EXIT_FAIL : SSLM_EXIT_OK;
}

static long
number(const char *opt, const char *s, long min, long max)
{
	long long v;

	if (sslm_strtonum(s, min, max, &v) == -1) {
		sslm_warnx("%s %s: want a number from %ld to %ld", opt, s,
		    min, max);
		usage(SSLM_EXIT_USAGE);
	}
	return (long)v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "age-days",	required_argument,	NULL,	'a' },
		{ "min-bits",	required_argument,	NULL,	'b' },
		{ "force",	no_argument,		NULL,	'f' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "keys",	required_argument,	NULL,	'k' },
		{ "subdirs",	no_argument,		NULL,	's' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	 o;
	const char	*keys = DEFAULT_KEYS;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	o.age_days = 120;
	o.min_bits = MIN_BITS;
	while ((ch = getopt_long(argc, argv, "a:b:fhjk:sV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.age_days = number("-a", optarg, 0, MAX_AGE_DAYS);
			break;
		case 'b':
			o.min_bits = (int)number("-b", optarg, 512, MIN_BITS);
			break;
		case 'f':
			o.force = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'k':
			keys = optarg;
			break;
		case 's':
			o.subdirs = 1;
			break;
		case 'V':
			return sslm_version();
		case 'h':
			usage(SSLM_EXIT_OK);
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || parse_keys(&o, keys) == -1)
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, argc, argv);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
