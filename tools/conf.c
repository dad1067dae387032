/* SPDX-License-Identifier: MIT */
/*
 * sslm-conf: load, validate and resolve an ssl-mgr conf.d tree and print it
 * as one JSON document; with -T, print any TOML file as plain JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sslm.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: sslm-conf [-c confdir] [-t] [grp[:svc,...] ...]\n"
	    "       sslm-conf -T file\n");
	exit(SSLM_EXIT_USAGE);
}

/* -T: print one TOML file as plain JSON. */
static int
run_toml(const char *path)
{
	struct sslm_toml	*doc = NULL;
	json_t			*j = NULL;
	char			 err[512];
	int			 rc = -1;

	if ((doc = sslm_toml_load(path, err, sizeof(err))) == NULL) {
		sslm_warnx("%s", err);
		goto out;
	}
	if ((j = sslm_toml_to_json(doc)) == NULL) {
		sslm_warnx("%s: out of memory", path);
		goto out;
	}
	if (sslm_json_print(stdout, j, 1) == -1)
		goto out;
	rc = 0;
out:
	json_decref(j);
	sslm_toml_free(doc);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "confdir",	required_argument,	NULL,	'c' },
		{ "toml",	required_argument,	NULL,	'T' },
		{ "test",	no_argument,		NULL,	't' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*toml = NULL;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	while ((ch = getopt_long(argc, argv, "c:hT:tV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'T':
			toml = optarg;
			break;
		case 'V':
			printf("sslm-conf %s\n", SSLM_VERSION);
			return sslm_flush_stdout() == 0 ? SSLM_EXIT_OK :
			    SSLM_EXIT_FAIL;
		case 'h':
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (toml == NULL || argc != 0)
		usage();
	rc = run_toml(toml);
	if (sslm_flush_stdout() == -1)
		rc = -1;
	return rc == 0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
}
