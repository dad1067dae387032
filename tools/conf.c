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
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-conf [-kt] [-c confdir] [grp[:svc,...] ...]\n"
	    "       sslm-conf -T file\n"
	    "       sslm-conf [-c confdir] -K ca\n");
	exit(status);
}

/* Resolve the configuration and print it. */
static int
run_conf(struct sslm_conf_opts *o)
{
	json_t	*doc;
	int	 nbad = 0, rc = -1;

	if ((doc = sslm_conf_load(o, &nbad)) == NULL)
		return -1;
	if (sslm_json_print(stdout, doc, 1) == 0 && nbad == 0)
		rc = 0;
	if (nbad > 0)
		sslm_warnx("%d service%s with errors", nbad,
		    nbad == 1 ? "" : "s");
	json_decref(doc);
	return rc;
}

/* -K: the EAB HMAC key of one CA, alone on stdout. */
static int
run_eab(const char *confdir, const char *ca)
{
	char	*key;
	int	 rc = 0;

	if ((key = sslm_conf_eab_key(confdir, ca)) == NULL)
		return -1;
	if (printf("%s\n", key) < 0)
		rc = -1;
	explicit_bzero(key, strlen(key));
	free(key);
	return rc;
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

/* The one job: -T (a TOML file), -K (an EAB key) or the configuration. */
static int
run(struct sslm_conf_opts *o, const char *toml, const char *eab)
{
	int	 rc;

	if (toml != NULL)
		rc = run_toml(toml);
	else if (eab != NULL)
		rc = run_eab(o->confdir, eab);
	else
		rc = run_conf(o);
	return rc == 0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "confdir",	required_argument,	NULL,	'c' },
		{ "toml",	required_argument,	NULL,	'T' },
		{ "eab-key",	required_argument,	NULL,	'K' },
		{ "keep-going",	no_argument,		NULL,	'k' },
		{ "test",	no_argument,		NULL,	't' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct sslm_conf_opts o;
	const char	*toml = NULL, *eab = NULL;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "c:hK:kT:tV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.confdir = optarg;
			break;
		case 'K':
			eab = optarg;
			break;
		case 'k':
			o.keep_going = 1;
			break;
		case 't':
			o.test = 1;
			break;
		case 'T':
			toml = optarg;
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
	if ((toml != NULL || eab != NULL) && argc != 0)
		usage(SSLM_EXIT_USAGE);
	if (toml != NULL && (eab != NULL || o.confdir != NULL))
		usage(SSLM_EXIT_USAGE);
	o.sel = argv;
	o.nsel = argc;
	rc = run(&o, toml, eab);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
