/* SPDX-License-Identifier: MIT */
/*
 * sslm-nscheck: wait until every authoritative server of a zone serves
 * the primary's SOA serial (or newer) and the expected TXT and TLSA
 * records, and none of the withdrawn ones; print a JSON report.
 *
 * Every server address is asked directly, recursion off, all in
 * parallel each round; rounds repeat with backoff until all agree or
 * the deadline passes.  The system resolver is never used unless
 * --system-resolver allows it.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "sslm.h"

#define IN_MAX		(1024 * 1024)	/* the JSON input */
#define MAX_OVR		64		/* --ns-addr options */
#define BACKOFF_START	10		/* ms after a round that saw a change */
#define INTERVAL_MS	100		/* the longest wait, unless -i */
#define PROGRESS_MS	3000		/* between progress lines (a tty) */
#define PROGRESS_NAMES	4		/* servers named in one line */

struct opts {
	long long	 deadline_ms;
	int		 interval_ms;
	int		 verbose;
	int		 progress;	/* -P: progress lines without a tty */
	struct sslm_dns_nsopts ns;	/* -46aSpt */
	char		*ovr_name[MAX_OVR];
	struct sslm_dns_srv ovr[MAX_OVR];
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-nscheck [-46PSv] [-i ms] [-p port] [-t ms] "
	    "[-w seconds]\n"
	    "                    [-a name=addr[:port]] [file]\n");
	exit(status);
}


/* ---- the report on stderr ------------------------------------------- */

static void
laggards(const struct sslm_nscheck_zone *z)
{
	const struct sslm_nscheck_srv *s;
	json_t		*e;
	char		 b[96];
	size_t		 i, j, k;

	for (i = 0; i < z->ns; i++) {
		if ((s = &z->s[i])->done)
			continue;
		sslm_dns_server_str(&s->a, b, sizeof(b));
		if (s->err[0] != '\0')
			sslm_warnx("%s (%s): %s", s->name, b, s->err);
		if (!s->xtra && s->has_serial &&
		    !sslm_dns_serial_ge(s->serial, z->serial))
			sslm_warnx("%s (%s): serial %u, primary %u", s->name,
			    b, s->serial, z->serial);
		for (k = 0; k < 2; k++)
			json_array_foreach(k ? s->unexpected : s->missing,
			    j, e) {
				const char *t = json_string_value(
				    json_object_get(e, "type"));

				sslm_warnx(strcmp(t, "TXT") == 0 ?
				    "%s (%s): %s %s %s \"%s\"" :
				    "%s (%s): %s %s %s %s", s->name, b,
				    k ? "unexpected" : "missing", t,
				    json_string_value(json_object_get(e,
				    "name")), json_string_value(
				    json_object_get(e, "value")));
			}
	}
	sslm_warnx("%s: not converged after %lld ms", z->apex,
	    (long long)z->elapsed);
}

/*
 * The progress line of a wait, on a terminal: which servers still lag
 * and for how long, all zones on one line, the first PROGRESS_NAMES
 * servers by name.  Written with one call, so it stays one line.
 */
static void
progress(const struct sslm_nscheck_zone *zs, size_t nz, long long ms)
{
	char	 line[1024], b[96];
	size_t	 i, j, len, named = 0, more = 0;

	len = (size_t)snprintf(line, sizeof(line), "%s: waiting %lld s:",
	    sslm_getprogname(), ms / 1000);
	for (i = 0; i < nz; i++) {
		if (zs[i].elapsed != -1)
			continue;
		if (len < sizeof(line))
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s %s:", named + more > 0 ? ";" : "",
			    zs[i].apex);
		for (j = 0; j < zs[i].ns; j++) {
			if (zs[i].s[j].done)
				continue;
			if (named == PROGRESS_NAMES) {
				more++;
				continue;
			}
			sslm_dns_server_str(&zs[i].s[j].a, b, sizeof(b));
			if (len < sizeof(line))
				len += (size_t)snprintf(line + len,
				    sizeof(line) - len, " %s (%s)",
				    zs[i].s[j].name, b);
			named++;
		}
	}
	if (more > 0 && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, " and %zu more", more);
	fprintf(stderr, "%s still lag\n", line);
}

/* ---- main ----------------------------------------------------------- */

/*
 * Rounds until every server of zs has converged or the deadline passes
 * (since t0).  The wait between two rounds starts short and doubles, up
 * to the interval, only while no server's answers change: a server that
 * moved (a new serial, a record, a failure) is often the first of
 * several, and the short wait then ends the check soon after the last.
 * The servers still pending, or -1.
 */
static long
wait_rounds(struct sslm_nscheck_zone *zs, size_t nz, const struct opts *o,
    long long t0)
{
	long long	 now, backoff = BACKOFF_START, nap, said;
	long		 pending;
	int		 round, tty, changed;

	/* Progress on a terminal (or with -P): cron and pipes get the end. */
	tty = o->progress || isatty(STDERR_FILENO);
	said = sslm_now_ms();
	for (round = 1;; round++) {
		if ((pending = sslm_nscheck_round(zs, nz, o->ns.timeout_ms,
		    t0, &changed)) == -1)
			return -1;
		now = sslm_now_ms();
		if (pending == 0 || now - t0 >= o->deadline_ms)
			return pending;
		if (tty && now - said >= PROGRESS_MS) {
			progress(zs, nz, now - t0);
			said = now;
		}
		if (changed)
			backoff = BACKOFF_START;
		nap = backoff;
		if (nap > o->deadline_ms - (now - t0))
			nap = o->deadline_ms - (now - t0);
		if (o->verbose)
			sslm_warnx("round %d: %ld server%s pending%s, next "
			    "round in %lld ms", round, pending,
			    pending == 1 ? "" : "s", changed ?
			    ", answers changed" : "", nap);
		poll(NULL, 0, (int)nap);
		backoff = backoff * 2 > o->interval_ms ? o->interval_ms :
		    backoff * 2;
	}
}

static int
run(const struct opts *o, const char *file)
{
	struct sslm_nscheck_zone *zs = NULL;
	json_t			*in = NULL, *out = NULL;
	size_t			 nz = 0, i;
	long long		 t0, now;
	long			 pending;
	int			 rc = SSLM_EXIT_FAIL;

	t0 = sslm_now_ms();
	if ((in = sslm_json_readfile(file, IN_MAX)) == NULL)
		goto out;
	if ((zs = sslm_nscheck_load(in, file, &o->ns, &nz)) == NULL)
		goto out;
	for (i = 0; i < nz; i++) {
		if (sslm_nscheck_discover(&zs[i], &o->ns) == -1)
			goto out;
		if (o->verbose)
			sslm_warnx("%s: primary serial %u, %zu servers",
			    zs[i].apex, zs[i].serial, zs[i].ns);
	}
	if ((pending = wait_rounds(zs, nz, o, t0)) == -1)
		goto out;
	now = sslm_now_ms() - t0;
	if (json_is_array(in)) {
		out = json_array();
		for (i = 0; i < nz; i++)
			json_array_append_new(out,
			    sslm_nscheck_json(&zs[i], now));
	} else
		out = sslm_nscheck_json(&zs[0], now);
	for (i = 0; i < nz; i++)
		if (zs[i].elapsed == -1) {
			zs[i].elapsed = now;
			laggards(&zs[i]);
		}
	if (out == NULL || sslm_json_print(stdout, out, 1) == -1)
		goto out;
	rc = pending == 0 ? SSLM_EXIT_OK : SSLM_EXIT_NO;
out:
	sslm_nscheck_free(zs, nz);
	json_decref(out);
	json_decref(in);
	return rc;
}

/* --ns-addr NAME=ADDR[:PORT]; the port defaults to --ns-port. */
static int
ns_addr_opt(struct opts *o, char *arg)
{
	struct sslm_dns_nsopts *ns = &o->ns;
	char			*eq, err[128];

	if ((eq = strchr(arg, '=')) == NULL) {
		sslm_warnx("--ns-addr %s: NAME=ADDR[:PORT] expected", arg);
		return -1;
	}
	*eq = '\0';
	if (sslm_dns_name_norm(arg, strlen(arg) + 1, arg) == -1 ||
	    !sslm_valid_hostname(arg, 0)) {
		sslm_warnx("--ns-addr %s: not a valid host name", arg);
		return -1;
	}
	if (sslm_dns_server(eq + 1, ns->port, &o->ovr[ns->novr], err,
	    sizeof(err)) == -1) {
		sslm_warnx("--ns-addr %s: %s", eq + 1, err);
		return -1;
	}
	o->ovr_name[ns->novr++] = arg;
	return 0;
}

/* The options into o; the operands left.  Exits on a usage error. */
static int
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "ipv4",		no_argument,		NULL, '4' },
		{ "ipv6",		no_argument,		NULL, '6' },
		{ "ns-addr",		required_argument,	NULL, 'a' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "interval",		required_argument,	NULL, 'i' },
		{ "ns-port",		required_argument,	NULL, 'p' },
		{ "progress",		no_argument,		NULL, 'P' },
		{ "system-resolver",	no_argument,		NULL, 'S' },
		{ "timeout",		required_argument,	NULL, 't' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ "version",		no_argument,		NULL, 'V' },
		{ "deadline",		required_argument,	NULL, 'w' },
		{ NULL,			0,			NULL, 0 }
	};
	char		*ovr[MAX_OVR];
	long long	 v;
	int		 ch, i, novr = 0;

	memset(o, 0, sizeof(*o));
	o->deadline_ms = 300 * 1000;
	o->ns.timeout_ms = 1000;
	o->interval_ms = INTERVAL_MS;
	o->ns.port = 53;
	o->ns.ovr_name = o->ovr_name;
	o->ns.ovr = o->ovr;
	while ((ch = getopt_long(argc, argv, "46a:hi:p:PSt:vVw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '4':
		case '6':
			o->ns.family = ch == '4' ? AF_INET : AF_INET6;
			break;
		case 'a':
			if (novr == MAX_OVR)
				usage(SSLM_EXIT_USAGE);
			ovr[novr++] = optarg;
			break;
		case 'i':
			if (sslm_strtonum(optarg, 10, 60000, &v) == -1)
				usage(SSLM_EXIT_USAGE);
			o->interval_ms = (int)v;
			break;
		case 'p':
			if (sslm_strtonum(optarg, 1, 65535, &v) == -1)
				usage(SSLM_EXIT_USAGE);
			o->ns.port = (int)v;
			break;
		case 'P':
			o->progress = 1;
			break;
		case 'S':
			o->ns.sysres = 1;
			break;
		case 't':
			if (sslm_strtonum(optarg, 1, 60000, &v) == -1)
				usage(SSLM_EXIT_USAGE);
			o->ns.timeout_ms = (int)v;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'w':
			if (sslm_strtonum(optarg, 0, 86400, &v) == -1)
				usage(SSLM_EXIT_USAGE);
			o->deadline_ms = v * 1000;
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
	for (i = 0; i < novr; i++)
		if (ns_addr_opt(o, ovr[i]) == -1)
			usage(SSLM_EXIT_USAGE);
	return optind;
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	int		 rc;

	sslm_setprogname(argv[0]);
	argv += parse_opts(argc, argv, &o);
	argc -= optind;
	if (argc > 1)
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, argc == 1 ? argv[0] : "-");
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
