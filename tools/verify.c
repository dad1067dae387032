/* SPDX-License-Identifier: MIT */
/*
 * sslm-verify: is a certificate valid now (or at a given time), against
 * its chain and a trust store, for a name, with a key?  A predicate: exit
 * 0 valid, 1 not valid (one reason line on stderr), 3 unreadable input.
 * The verdict is a line, JSON, or ssl-mgr's text with the facts of every
 * certificate (sslm-info's summary).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* Bound on the certificates of a -C trust file. */
#define CAFILE_MAX	10000
/* Levels walked up from a store directory to find certs/ca. */
#define UP_MAX		8
/* Local CAs of one store looked at. */
#define ROOTS_MAX	100

struct opts {
	const char	*cafile;
	const char	*keyfile;
	const char	*name;
	char		**chains;	/* -c files */
	int		 nchains;
	int		 purpose;	/* X509_PURPOSE_* */
	int		 json;
	int		 text;		/* -t: ssl-mgr's form */
	int		 at_set;
	time_t		 at;
};

/* The verdict. */
struct result {
	int		 valid;
	const char	*error;		/* NULL when valid */
	int		 depth;		/* -1: none */
	X509		*bad;		/* at depth; not owned */
	int		 keymatch;	/* -1: no key given */
	int		 private_root;	/* 1, 2: say how to trust (-C) */
};

static void
usage(int status)
{
	fprintf(status == SSLM_EXIT_OK ? stdout : stderr,
	    "usage: sslm-verify [-j | -t] [-a time] [-C cafile] [-c chain] "
	    "[-k keyfile] [-n host]\n"
	    "                   [-p any|sslserver|sslclient] "
	    "[cert | dir]\n");
	exit(status);
}

/*
 * The store's form: a directory, or a file of one whose name is one of
 * the store's, holding cert.pem and chain.pem.  Fills cert and chain;
 * returns 1 for that form, 0 for a plain certificate file.
 */
static int
store_form(const char *arg, char *cert, char *chain, size_t sz)
{
	static const char *const names[] = { "cert.pem", "chain.pem",
	    "fullchain.pem", "bundle.pem", "privkey.pem", "csr.pem",
	    "tlsa.rr", "info", NULL };
	struct stat	 st;
	char		 dir[PATH_MAX];
	const char	*base;
	size_t		 len;
	int		 i, isdir;

	if (strcmp(arg, "-") == 0 || stat(arg, &st) == -1)
		return 0;
	if (!(isdir = S_ISDIR(st.st_mode))) {
		base = strrchr(arg, '/');
		base = base != NULL ? base + 1 : arg;
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(base, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return 0;
		/* The directory part, without its final slash. */
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - arg), arg);
	} else
		snprintf(dir, sizeof(dir), "%s/", arg);
	/* "dir/", "dir//" and "/" keep one slash; "" stays (cwd). */
	while ((len = strlen(dir)) > 1 && dir[len - 2] == '/')
		dir[len - 1] = '\0';
	if (snprintf(cert, sz, "%scert.pem", dir) >= (int)sz ||
	    snprintf(chain, sz, "%schain.pem", dir) >= (int)sz)
		return isdir ? -1 : 0;
	if (stat(cert, &st) == -1 || stat(chain, &st) == -1)
		return isdir ? -1 : 0;
	return 1;
}

/* {"subject", "issuer", "not_after"} of a certificate. */
static json_t *
cert_json(X509 *x)
{
	json_t	*j;
	char	*s = NULL, *i = NULL, t[32];
	time_t	 na;

	if (sslm_asn1_time(X509_get0_notAfter(x), &na) == -1)
		na = 0;
	sslm_fmt_time(na, t, sizeof(t));
	s = sslm_info_name(X509_get_subject_name(x));
	i = sslm_info_name(X509_get_issuer_name(x));
	j = json_pack("{s:s?, s:s?, s:s}", "subject", s, "issuer", i,
	    "not_after", t);
	free(s);
	free(i);
	return j;
}

/* ssl-mgr's rule above and below the verdict. */
#define TEXT_RULE	"-------------------"

/*
 * The facts of certs[from..to) as sslm-info's summary, each followed by
 * an empty line.  0, or -1 on a failure (warned) or a write error.
 */
static int
text_certs(STACK_OF(X509) *certs, int from, int to, time_t now)
{
	json_t	*f;
	int	 i, rc;

	for (i = from; i < to; i++) {
		if ((f = sslm_info_cert(sk_X509_value(certs, i), now)) == NULL)
			return -1;
		rc = sslm_info_text(stdout, f, now);
		json_decref(f);
		if (rc == -1 || putchar('\n') == EOF)
			return -1;
	}
	return 0;
}

/*
 * ssl-mgr's sslm-verify text: the verdict between rules, "Cert bad:" and
 * the reason when not valid, then the facts of the certificate file's
 * certificates (the first ncert of certs) and of the chain's (the rest).
 */
static int
text_report(const struct opts *o, STACK_OF(X509) *certs, int ncert,
    const struct result *r, const char *why)
{
	time_t	 now = o->at_set ? o->at : time(NULL);

	if (printf("%s\n\tCertificate ** %s **\n", TEXT_RULE,
	    r->valid ? "Verified" : "Failed") < 0 ||
	    (!r->valid && printf("Cert bad: %s\n", why) < 0) ||
	    printf("Certificate Info:\n") < 0 ||
	    text_certs(certs, 0, ncert, now) == -1 ||
	    printf("\n%s\nChain Info:\n", TEXT_RULE) < 0 ||
	    text_certs(certs, ncert, sk_X509_num(certs), now) == -1)
		return -1;
	return 0;
}

/*
 * The verdict: the reason line on stderr when not valid, then on stdout
 * "label: valid", the JSON object or ssl-mgr's text.  certs holds the
 * certificate file's ncert certificates, then the chain's.
 */
static int
report(const struct opts *o, const char *label, X509_STORE_CTX *ctx,
    STACK_OF(X509) *certs, int ncert, const struct result *r)
{
	STACK_OF(X509)	*chain;
	X509		*leaf = sk_X509_value(certs, 0);
	json_t		*j = NULL, *a;
	char		*dn, why[1024] = "";
	int		 i, rc = -1;

	if (!r->valid) {
		dn = sslm_info_name(X509_get_subject_name(r->bad));
		snprintf(why, sizeof(why), "depth %d %s: %s%s", r->depth,
		    dn != NULL ? dn : "?", r->error, r->private_root == 1 ?
		    " (a private root: trust it with -C FILE)" :
		    r->private_root == 2 ? " (a private root: trust it with "
		    "-C FILE; an intermediate: give it with -c FILE)" : "");
		free(dn);
		sslm_warnx("%s: %s", label, why);
	}
	if (o->text)
		return text_report(o, certs, ncert, r, why);
	if (!o->json) {
		if (r->valid && printf("%s: valid\n", label) < 0)
			return -1;
		return 0;
	}
	if ((chain = X509_STORE_CTX_get0_chain(ctx)) == NULL ||
	    sk_X509_num(chain) == 0)
		chain = NULL;
	j = json_pack("{s:b, s:s?, s:o, s:[], s:s?, s:o}",
	    "valid", r->valid, "error", r->error,
	    "depth", r->depth >= 0 ? json_integer(r->depth) : json_null(),
	    "chain", "name", o->name,
	    "key_matches", r->keymatch >= 0 ? json_boolean(r->keymatch) :
	    json_null());
	if (j == NULL)
		goto out;
	a = json_object_get(j, "chain");
	for (i = 0; i < (chain != NULL ? sk_X509_num(chain) : 1); i++)
		if (json_array_append_new(a, cert_json(chain != NULL ?
		    sk_X509_value(chain, i) : leaf)) == -1)
			goto out;
	if (sslm_json_print(stdout, j, 1) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		sslm_warnx("json output failed");
	json_decref(j);
	return rc;
}

/* X509_PURPOSE_* for a -p argument, or -1. */
static int
purpose(const char *s)
{
	if (strcmp(s, "any") == 0)
		return X509_PURPOSE_ANY;
	if (strcmp(s, "sslserver") == 0)
		return X509_PURPOSE_SSL_SERVER;
	if (strcmp(s, "sslclient") == 0)
		return X509_PURPOSE_SSL_CLIENT;
	return -1;
}

/* The trust anchors: -C alone, or the system's store. */
static X509_STORE *
make_store(const char *cafile)
{
	X509_STORE	*st;
	STACK_OF(X509)	*ca = NULL;
	char		*files[1];
	int		 i, ok = 0;

	if ((st = X509_STORE_new()) == NULL)
		goto out;
	if (cafile == NULL) {
		if (!X509_STORE_set_default_paths(st)) {
			sslm_warnx("system trust store: %s",
			    sslm_ossl_reason());
			goto out;
		}
		ok = 1;
		goto out;
	}
	files[0] = (char *)cafile;
	if ((ca = sslm_chain_read(files, 1, CAFILE_MAX)) == NULL)
		goto out;
	if (sk_X509_num(ca) == 0) {
		sslm_warnx("%s: no certificate", cafile);
		goto out;
	}
	for (i = 0; i < sk_X509_num(ca); i++)
		if (!X509_STORE_add_cert(st, sk_X509_value(ca, i))) {
			sslm_warnx("%s: %s", cafile, sslm_ossl_reason());
			goto out;
		}
	ok = 1;
out:
	sk_X509_pop_free(ca, X509_free);
	if (!ok) {
		X509_STORE_free(st);
		st = NULL;
	}
	return st;
}

/* Hand the options to the verification context. */
static int
set_params(const struct opts *o, X509_STORE_CTX *ctx)
{
	X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);

	if (!X509_STORE_CTX_set_purpose(ctx, o->purpose))
		return -1;
	if (o->at_set)
		X509_VERIFY_PARAM_set_time(p, o->at);
	if (o->name == NULL)
		return 0;
	/* RFC 6125: a wildcard is a whole leftmost label. */
	X509_VERIFY_PARAM_set_hostflags(p,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (sslm_ip_literal(o->name) != 0)
		return X509_VERIFY_PARAM_set1_ip_asc(p, o->name) ? 0 : -1;
	return X509_VERIFY_PARAM_set1_host(p, o->name, 0) ? 0 : -1;
}

/*
 * Add to st the self-signed CA certificates of dir/ca/<name>/curr/
 * cert.pem.  Returns how many, 0 when dir has no ca directory, -1 on a
 * failure to add (warned).  Unreadable or non-root entries are skipped.
 */
static int
add_roots(X509_STORE *st, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	X509		*x;
	FILE		*fp;
	char		 ca[PATH_MAX], path[PATH_MAX];
	int		 n = 0, seen = 0;

	if (snprintf(ca, sizeof(ca), "%s/ca", dir) >= (int)sizeof(ca) ||
	    (d = opendir(ca)) == NULL)
		return 0;
	while (n >= 0 && seen < ROOTS_MAX && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || snprintf(path, sizeof(path),
		    "%s/%s/curr/cert.pem", ca, e->d_name) >=
		    (int)sizeof(path) || (fp = fopen(path, "r")) == NULL)
			continue;
		seen++;
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
		if (x != NULL && X509_check_issued(x, x) == X509_V_OK &&
		    X509_check_ca(x) != 0) {
			if (X509_STORE_add_cert(st, x))
				n++;
			else {
				sslm_warnx("%s: %s", path,
				    sslm_ossl_reason());
				n = -1;
			}
		}
		X509_free(x);
	}
	closedir(d);
	ERR_clear_error();
	return n;
}

/*
 * The roots of the store that holds the directory of path: walking up
 * from it, the first CERTS/ca (or TOP/certs/ca) found.  0 or -1.
 */
static int
store_roots(X509_STORE *st, const char *path)
{
	char	*real, *slash, top[PATH_MAX];
	int	 i, n = 0;

	if ((real = realpath(path, NULL)) == NULL)
		return 0;
	for (i = 0; i < UP_MAX && n == 0; i++) {
		if ((slash = strrchr(real, '/')) == NULL || slash == real)
			break;
		*slash = '\0';
		if ((n = add_roots(st, real)) == 0 &&
		    snprintf(top, sizeof(top), "%s/certs", real) <
		    (int)sizeof(top))
			n = add_roots(st, top);
	}
	free(real);
	return n < 0 ? -1 : 0;
}

/*
 * Could a trust anchor given with -C have made this error go away?  1:
 * the chain ends in a self-signed certificate nobody trusts; 2: the top
 * certificate's issuer is not known (a root or an intermediate); 0 no.
 */
static int
private_root(int err)
{
	if (err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
		return 1;
	return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ? 2 : 0;
}

static int
run(struct opts *o, const char *arg)
{
	STACK_OF(X509)	*certs = NULL, *more = NULL;
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*ctx = NULL;
	EVP_PKEY	*key = NULL;
	X509		*leaf, *x;
	struct result	 r = { 1, NULL, -1, NULL, -1, 0 };
	char		 cert[PATH_MAX], chain[PATH_MAX], *files[1];
	int		 form, ncert, v, rc = SSLM_EXIT_FAIL;

	if ((form = store_form(arg, cert, chain, sizeof(cert))) == -1) {
		sslm_warnx("%s: no cert.pem and chain.pem there", arg);
		goto out;
	}
	files[0] = form ? cert : (char *)arg;
	if ((certs = sslm_chain_read(files, 1, SSLM_CHAIN_MAX)) == NULL)
		goto out;
	if ((leaf = sk_X509_value(certs, 0)) == NULL) {
		sslm_warnx("%s: no certificate", files[0]);
		goto out;
	}
	/* chain.pem of the store's form first, then the -c files. */
	ncert = sk_X509_num(certs);
	if (form)
		o->chains[o->nchains++] = chain;
	if ((more = sslm_chain_read(o->chains, o->nchains,
	    SSLM_CHAIN_MAX)) == NULL)
		goto out;
	while ((x = sk_X509_shift(more)) != NULL)
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			sslm_warnx("out of memory");
			goto out;
		}
	if (o->keyfile != NULL &&
	    (key = sslm_key_load(o->keyfile, NULL, NULL)) == NULL)
		goto out;
	if ((store = make_store(o->cafile)) == NULL ||
	    (form && o->cafile == NULL && store_roots(store, cert) == -1))
		goto out;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, store, leaf, certs) ||
	    set_params(o, ctx) == -1) {
		sslm_warnx("verify: %s", sslm_ossl_reason());
		goto out;
	}
	if ((v = X509_verify_cert(ctx)) < 0) {
		sslm_warnx("verify: %s", sslm_ossl_reason());
		goto out;
	}
	ERR_clear_error();
	if (key != NULL)
		r.keymatch = sslm_chain_keymatch(leaf, key);
	if (v == 0) {
		r.valid = 0;
		r.depth = X509_STORE_CTX_get_error_depth(ctx);
		r.error = X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx));
		r.private_root = o->cafile != NULL ? 0 :
		    private_root(X509_STORE_CTX_get_error(ctx));
		if ((r.bad = X509_STORE_CTX_get_current_cert(ctx)) == NULL)
			r.bad = leaf;
	} else if (r.keymatch == 0) {
		r.valid = 0;
		r.depth = 0;
		r.error = "key does not match the certificate";
		r.bad = leaf;
	}
	if (report(o, form ? cert : arg, ctx, certs, ncert, &r) == -1)
		goto out;
	rc = r.valid ? SSLM_EXIT_OK : SSLM_EXIT_NO;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	EVP_PKEY_free(key);
	sk_X509_pop_free(more, X509_free);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/*
 * The options into o, checked with the operand: the certificate, "-"
 * for stdin.  Exits on a usage error.
 */
static const char *
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "at",		required_argument,	NULL,	'a' },
		{ "ca-file",	required_argument,	NULL,	'C' },
		{ "chain",	required_argument,	NULL,	'c' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "key",	required_argument,	NULL,	'k' },
		{ "name",	required_argument,	NULL,	'n' },
		{ "purpose",	required_argument,	NULL,	'p' },
		{ "text",	no_argument,		NULL,	't' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->purpose = X509_PURPOSE_SSL_SERVER;
	if ((o->chains = calloc((size_t)argc + 1, sizeof(char *))) == NULL) {
		sslm_warn("argv");
		exit(SSLM_EXIT_FAIL);
	}
	while ((ch = getopt_long(argc, argv, "a:C:c:hjk:n:p:tV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (sslm_parse_time(optarg, &o->at) == -1) {
				sslm_warnx("%s: not a time", optarg);
				usage(SSLM_EXIT_USAGE);
			}
			o->at_set = 1;
			break;
		case 'C':
			o->cafile = optarg;
			break;
		case 'c':
			o->chains[o->nchains++] = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'k':
			o->keyfile = optarg;
			break;
		case 'n':
			if (!sslm_valid_host(optarg)) {
				sslm_warnx("%s: not a host name or address",
				    optarg);
				usage(SSLM_EXIT_USAGE);
			}
			o->name = optarg;
			break;
		case 'p':
			if ((o->purpose = purpose(optarg)) == -1)
				usage(SSLM_EXIT_USAGE);
			break;
		case 't':
			o->text = 1;
			break;
		case 'V':
			free(o->chains);
			exit(sslm_version());
		case 'h':
			usage(SSLM_EXIT_OK);
			break;
		default:
			usage(SSLM_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (o->json && o->text))
		usage(SSLM_EXIT_USAGE);
	if (o->keyfile != NULL && strcmp(o->keyfile, "-") == 0 &&
	    (argc == 0 || strcmp(argv[0], "-") == 0)) {
		sslm_warnx("the key and the certificate cannot both come "
		    "from stdin");
		usage(SSLM_EXIT_USAGE);
	}
	return argc == 1 ? argv[0] : "-";
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	const char	*cert;
	int		 rc;

	sslm_setprogname(argv[0]);
	cert = parse_opts(argc, argv, &o);
	rc = run(&o, cert);
	free(o.chains);
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
