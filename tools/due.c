/* SPDX-License-Identifier: MIT */
/*
 * sslm-due: is this certificate due for renewal?  Exit 0 when it is, 1
 * when not, with the operator's one-line answer on stdout (or JSON).  The
 * renew_info table decides (ssl-mgr spec 5.4), or, for a certificate of
 * an ACME CA with renewalInfo, the ARI (RFC 9773) window, whose random
 * pick is kept in a state file between runs.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "sslm.h"

#define JSON_MAX	(4 * 1024 * 1024)	/* bound on -c and -A input */

struct opts {
	const char	*conf;		/* -c: sslm-conf JSON or a bare table */
	const char	*answer;	/* -A: sslm-acme-order ari output */
	const char	*state;		/* -S: ARI state file */
	const char	*lifetime;	/* -l: only the table at a lifetime */
	int		 json;		/* -j */
	int		 quiet;		/* -q */
	int		 poll;		/* -P */
	time_t		 now;		/* -a, or the clock */
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-due [-jq] [-a time] [-c conf.json] [-A ari.json] "
	    "[-S state] cert.pem\n"
	    "       sslm-due -P -S state [-a time] cert.pem\n"
	    "       sslm-due [-j] [-c conf.json] -l days\n");
	exit(status);
}

/* A JSON document of at most JSON_MAX bytes.  NULL (warned). */
static json_t *
loadjson(const char *path)
{
	json_error_t	 je;
	json_t		*j;
	char		*buf;
	size_t		 len;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;

	if ((buf = sslm_readfile(path, JSON_MAX, &len)) == NULL)
		return NULL;
	if ((j = json_loadb(buf, len, 0, &je)) == NULL)
		sslm_warnx("%s:%d: %s", name, je.line, je.text);
	free(buf);
	return j;
}

/* The table: renew_info of -c (a document or a bare array), else built-in. */
static int
table(const struct opts *o, struct sslm_renew_point *p, size_t *np)
{
	json_t	*j;
	int	 rc;

	if (o->conf == NULL) {
		memcpy(p, sslm_renew_builtin,
		    sslm_renew_nbuiltin * sizeof(p[0]));
		*np = sslm_renew_nbuiltin;
		return 0;
	}
	if ((j = loadjson(o->conf)) == NULL)
		return -1;
	rc = sslm_renew_table(json_is_object(j) ?
	    json_object_get(j, "renew_info") : j, o->conf, p,
	    SSLM_RENEW_MAXPOINTS, np);
	json_decref(j);
	return rc;
}

/* The first certificate of path and the hex SHA-256 of its DER. */
static X509 *
readcert(const char *path, char **sha)
{
	STACK_OF(X509)	*sk;
	X509		*x = NULL;
	unsigned char	*der = NULL;
	size_t		 len = 0;
	char		*buf;
	const char	*name = strcmp(path, "-") == 0 ? "stdin" : path;

	*sha = NULL;
	if ((buf = sslm_readfile(path, SSLM_PEM_MAX, &len)) == NULL)
		return NULL;
	sk = sslm_read_certs(buf, len, name);
	free(buf);
	if (sk == NULL)
		return NULL;
	if (sk_X509_num(sk) == 0)
		sslm_warnx("%s: no certificate", name);
	else
		x = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	if (x != NULL && (sslm_cert_der(x, &der, &len) == -1 ||
	    (*sha = sslm_digest_hex("SHA256", der, len)) == NULL)) {
		sslm_warnx("%s: cannot encode the certificate", name);
		X509_free(x);
		x = NULL;
	}
	OPENSSL_free(der);
	return x;
}

static int
output(const struct opts *o, const char *path, const struct sslm_renew *r,
    const struct sslm_ari *ari)
{
	json_t	*j = NULL, *aj = NULL;
	char	 nb[32], na[32], at[32], *m;
	int	 rc = -1;

	if ((m = sslm_renew_message(r, ari)) == NULL) {
		sslm_warnx("out of memory");
		return -1;
	}
	if (o->quiet) {
		rc = 0;
	} else if (!o->json) {
		rc = printf("%s\n", m) < 0 ? -1 : 0;
	} else {
		sslm_fmt_time(r->not_before, nb, sizeof(nb));
		sslm_fmt_time(r->not_after, na, sizeof(na));
		sslm_fmt_time(r->renew_at, at, sizeof(at));
		if (ari != NULL && (aj = sslm_ari_json(ari)) == NULL)
			goto out;
		j = json_pack("{s:s, s:s, s:b, s:s, s:s, s:f, s:f, s:f, s:f, "
		    "s:f, s:s, s:s, s:o}", "file", path, "source",
		    ari != NULL ? "ari" : "table", "due", r->due, "not_before",
		    nb, "not_after", na, "lifetime_days", r->lifetime,
		    "days_left", r->days_left, "target", r->target, "rand_adj",
		    r->rand_adj, "jitter", r->jitter, "renew_at", at, "message",
		    m, "ari", aj != NULL ? aj : json_null());
		aj = NULL;
		if (j == NULL)
			sslm_warnx("out of memory");
		else
			rc = sslm_json_print(stdout, j, 1);
	}
out:
	json_decref(aj);
	json_decref(j);
	free(m);
	return rc;
}

/* -l: the table at a lifetime. */
static int
run_lifetime(const struct opts *o)
{
	struct sslm_renew_point	 p[SSLM_RENEW_MAXPOINTS];
	size_t			 np;
	double			 l, t, r;
	char			*end;
	json_t			*j;
	int			 rc;

	errno = 0;
	l = strtod(o->lifetime, &end);
	if (*o->lifetime == '\0' || *end != '\0' || errno != 0 ||
	    !isfinite(l) || l < 0 || l > 100000) {
		sslm_warnx("%s: a lifetime is a number of days from 0 to "
		    "100000", o->lifetime);
		return -2;
	}
	if (table(o, p, &np) == -1)
		return -1;
	t = sslm_renew_lookup(p, np, l, SSLM_RENEW_TARGET);
	r = sslm_renew_lookup(p, np, l, SSLM_RENEW_RAND_ADJ);
	if (!o->json)
		return printf("lifetime %g days: renew %g days before expiry, "
		    "+/- %g\n", l, t, r) < 0 ? -1 : 0;
	if ((j = json_pack("{s:f, s:f, s:f}", "lifetime", l, "target", t,
	    "rand_adj", r)) == NULL)
		return -1;
	rc = sslm_json_print(stdout, j, 1);
	json_decref(j);
	return rc;
}

/*
 * The ARI state that applies to this certificate: from -A (then written
 * to -S), else from -S when it is about this certificate.  1 when *a
 * holds a usable window, 0 when the table decides.
 */
static int
ari_state(const struct opts *o, const char *sha, time_t not_after,
    struct sslm_ari *a)
{
	struct sslm_ari	 old;
	json_t		*ans = NULL, *sj = NULL;
	char		*txt = NULL;
	int		 have_old = 0, rc = 0;

	memset(&old, 0, sizeof(old));
	memset(a, 0, sizeof(*a));
	if (o->state != NULL && access(o->state, F_OK) == 0) {
		if (sslm_ari_state_read(o->state, &old) == 0 &&
		    strcmp(old.cert_sha256, sha) == 0)
			have_old = 1;
		else
			sslm_ari_free(&old);
	}
	if (o->answer == NULL) {
		if (!have_old || !old.supported)
			goto out;
		*a = old;
		memset(&old, 0, sizeof(old));
		rc = 1;
		goto out;
	}
	/* A bad answer is not stored: the table (or the old window) decides. */
	if ((ans = loadjson(o->answer)) == NULL || !json_is_object(ans) ||
	    (a->cert_sha256 = strdup(sha)) == NULL ||
	    sslm_ari_update(a, have_old ? &old : NULL, ans, o->answer, o->now,
	    not_after) == -1) {
		if (ans != NULL && !json_is_object(ans))
			sslm_warnx("%s: not a JSON object", o->answer);
		sslm_warnx("%s: renewal information not used", o->answer);
		sslm_ari_free(a);
		if (have_old && old.supported) {
			*a = old;
			memset(&old, 0, sizeof(old));
			rc = 1;
		}
		goto out;
	}
	if (o->state != NULL) {
		if ((sj = sslm_ari_json(a)) == NULL ||
		    (txt = json_dumps(sj, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER)) == NULL) {
			sslm_warnx("out of memory");
			rc = -1;
			goto out;
		}
		if (sslm_write_file(o->state, txt, strlen(txt), 0644) == -1) {
			rc = -1;
			goto out;
		}
	}
	rc = a->supported ? 1 : 0;
out:
	if (rc != 1)
		sslm_ari_free(a);
	sslm_ari_free(&old);
	json_decref(ans);
	json_decref(sj);
	free(txt);
	return rc;
}

/* The certificate at path: 1 due, 0 not due, -1 failure. */
static int
run_cert(const struct opts *o, const char *path)
{
	struct sslm_renew_point	 p[SSLM_RENEW_MAXPOINTS];
	struct sslm_renew	 r;
	struct sslm_ari		 a;
	X509			*x;
	char			*sha = NULL;
	size_t			 np;
	int			 rc = -1, have;

	memset(&a, 0, sizeof(a));
	if ((x = readcert(path, &sha)) == NULL)
		return -1;
	if (o->poll) {
		rc = sslm_ari_poll_due(o->state, sha, o->now);
		goto out;
	}
	if (table(o, p, &np) == -1 ||
	    sslm_renew_decide(p, np, x, o->now, &r) == -1 ||
	    (have = ari_state(o, sha, r.not_after, &a)) == -1)
		goto out;
	if (have) {
		r.renew_at = a.renew_at;
		r.due = o->now >= a.renew_at;
	}
	if (output(o, path, &r, have ? &a : NULL) == -1)
		goto out;
	rc = r.due;
out:
	sslm_ari_free(&a);
	free(sha);
	X509_free(x);
	return rc;
}

/*
 * The one job: the table at a lifetime (-l; exits 2 for a bad lifetime)
 * or the decision for the certificate at path (run_cert).  SSLM_EXIT_OK
 * due (or the table printed), SSLM_EXIT_NO not due, SSLM_EXIT_FAIL.
 */
static int
run(const struct opts *o, const char *path)
{
	int rc;

	if (o->lifetime == NULL)
		rc = run_cert(o, path);
	else if ((rc = run_lifetime(o)) == -2)
		usage(SSLM_EXIT_USAGE);
	else
		rc = rc == 0 ? 1 : -1;
	if (rc == -1)
		return SSLM_EXIT_FAIL;
	return rc == 1 ? SSLM_EXIT_OK : SSLM_EXIT_NO;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ari",	required_argument,	NULL, 'A' },
		{ "at",		required_argument,	NULL, 'a' },
		{ "conf",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "lifetime",	required_argument,	NULL, 'l' },
		{ "poll",	no_argument,		NULL, 'P' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "state",	required_argument,	NULL, 'S' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts	o;
	int		ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	o.now = time(NULL);
	while ((ch = getopt_long(argc, argv, "A:a:c:hjl:PqS:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			o.answer = optarg;
			break;
		case 'a':
			if (sslm_parse_time(optarg, &o.now) == -1) {
				sslm_warnx("%s: not a time (YYYY-MM-DD, "
				    "YYYY-MM-DDTHH:MM:SSZ or @seconds)",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			break;
		case 'c':
			o.conf = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'l':
			o.lifetime = optarg;
			break;
		case 'P':
			o.poll = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'S':
			o.state = optarg;
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
	if (o.lifetime != NULL) {
		if (argc != 0 || o.poll || o.answer != NULL || o.state != NULL)
			usage(SSLM_EXIT_USAGE);
	} else if (argc != 1 || (o.poll && (o.state == NULL ||
	    o.answer != NULL || o.json)))
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, argc == 1 ? argv[0] : NULL);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
