/* SPDX-License-Identifier: MIT */
/*
 * sslm-deploy: the remote side for the shell.  Run a command on a host
 * (here when the host is this machine, else over ssh), or copy a
 * directory to a host with rsync; both by the one ssh rule of
 * lib/remote.c, with argument vectors and no shell on this side.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslm.h"

struct opts {
	const char	*confdir;	/* -c: where ssh_config may be */
	const char	*verb;		/* run or copy */
	const char	*host;
	const char	*src;		/* copy */
	const char	*dest;		/* copy */
	char	       **cmd;		/* run */
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-deploy [-c confdir] run host -- cmd [arg ...]\n"
	    "       sslm-deploy [-c confdir] copy src_dir host:dest_dir\n");
	exit(status);
}

/* The exit code for wait status st of the command run on host. */
static int
cmd_status(const char *host, const char *prog, int st, int remote)
{
	char	 why[PATH_MAX + 64];

	/* ssh's own failures: 255 (the remote command's status otherwise). */
	if (WIFEXITED(st) && !(remote && WEXITSTATUS(st) == 255))
		return WEXITSTATUS(st);
	sslm_warnx("%s: %s", host, sslm_run_why(prog, st, why, sizeof(why)));
	return SSLM_EXIT_FAIL;
}

/* run: the command's exit status, or SSLM_EXIT_FAIL (warned). */
static int
do_run(const struct opts *o)
{
	struct sslm_argv a = { NULL, 0 };
	char		 err[PATH_MAX + 64];
	size_t		 i;
	int		 remote, st, rc = SSLM_EXIT_FAIL;

	remote = !sslm_host_is_local(o->host);
	if (remote && (sslm_ssh_argv(&a, o->confdir) == -1 ||
	    sslm_argv_add(&a, o->host) == -1))
		goto out;
	for (i = 0; o->cmd[i] != NULL; i++)
		if (sslm_argv_add(&a, o->cmd[i]) == -1)
			goto out;
	if ((st = sslm_run(a.v, 0, err, sizeof(err))) < 0) {
		sslm_warnx("%s: %s", o->host, err);
		goto out;
	}
	rc = cmd_status(o->host, a.v[0], st, remote);
out:
	sslm_argv_free(&a);
	return rc;
}

/*
 * copy: rsync -r --chmod=D755,F644 -e SSH src/ host:dest/, over ssh even
 * to this machine (rsync will not follow a directory link there).
 * SSLM_EXIT_OK or SSLM_EXIT_FAIL (warned).
 */
static int
do_copy(const struct opts *o)
{
	static const char *const ropts[] = { "-r", "--chmod=D755,F644",
	    NULL };
	struct sslm_argv a = { NULL, 0 };
	struct stat	 sb;
	char		 src[PATH_MAX], dst[PATH_MAX + 300];
	char		 err[PATH_MAX + 64];
	const char	*why;
	int		 st, rc = SSLM_EXIT_FAIL;

	if (stat(o->src, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		sslm_warnx("%s: not a directory", o->src);
		return SSLM_EXIT_FAIL;
	}
	if (snprintf(src, sizeof(src), "%s/", o->src) >= (int)sizeof(src)) {
		sslm_warnx("%s: path too long", o->src);
		return SSLM_EXIT_FAIL;
	}
	snprintf(dst, sizeof(dst), "%s%s%s:%s/",
	    sslm_ip_literal(o->host) == 6 ? "[" : "", o->host,
	    sslm_ip_literal(o->host) == 6 ? "]" : "", o->dest);
	if (sslm_rsync_argv(&a, o->confdir, ropts, src, dst) == -1)
		goto out;
	if ((st = sslm_run(a.v, SSLM_RUN_OUT2ERR, err, sizeof(err))) < 0)
		why = err;
	else
		why = sslm_run_why("rsync", st, err, sizeof(err));
	if (why != NULL) {
		sslm_warnx("%s: copy to %s failed: %s", o->host, dst, why);
		goto out;
	}
	rc = SSLM_EXIT_OK;
out:
	sslm_argv_free(&a);
	return rc;
}

/* The operands of o->verb, checked.  0 or -1 (warned: a usage error). */
static int
operands(struct opts *o, int argc, char **argv)
{
	char	*colon;

	if (strcmp(o->verb, "run") == 0) {
		if (argc < 3 || strcmp(argv[1], "--") != 0)
			return -1;
		o->host = argv[0];
		o->cmd = argv + 2;
		if (o->cmd[0][0] == '-' || o->cmd[0][0] == '\0') {
			sslm_warnx("%s: not a command name", o->cmd[0]);
			return -1;
		}
	} else if (strcmp(o->verb, "copy") == 0) {
		if (argc != 2)
			return -1;
		o->src = argv[0];
		o->host = argv[1];
		if (argv[1][0] == '[') {
			/* [IPv6]:dest, as rsync writes it. */
			o->host++;
			if ((colon = strstr(argv[1], "]:")) != NULL)
				*colon++ = '\0';
		} else
			colon = strchr(argv[1], ':');
		if (colon == NULL || colon[1] != '/') {
			sslm_warnx("%s: not host:/absolute/path", argv[1]);
			return -1;
		}
		*colon = '\0';
		o->dest = colon + 1;
		if (o->src[0] == '\0')
			return -1;
	} else
		return -1;
	if (!sslm_valid_host(o->host)) {
		sslm_warnx("%s: not a host name", o->host);
		return -1;
	}
	return 0;
}

/* The verb.  An exit code. */
static int
run(const struct opts *o)
{
	return strcmp(o->verb, "run") == 0 ? do_run(o) : do_copy(o);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "confdir",	required_argument,	NULL,	'c' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	 o;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	/* "+": the options end at the verb; the command has its own. */
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.confdir = optarg;
			break;
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		case 'V':
			return sslm_version();
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(SSLM_EXIT_USAGE);
	o.verb = argv[0];
	if (operands(&o, argc - 1, argv + 1) == -1)
		usage(SSLM_EXIT_USAGE);
	rc = run(&o);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
