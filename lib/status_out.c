/* SPDX-License-Identifier: MIT */
/*
 * status_out.c: the status objects of status.c shown: as JSON in the
 * layout jq -c prints, as ssl-mgr 7.8's text, the one-line reasons of
 * sslm-mgr -s, and as Prometheus metrics (written atomically, with the
 * results of certs/.last-run).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sslm.h"
#include "status_priv.h"

#define LASTRUN_MAX	(16 * 1024 * 1024)	/* bound on certs/.last-run */
#define MSG_MAX		1024			/* a reason from the library */

/* ---- jq's way with numbers and strings ----------------------------------- */

/*
 * A number as jq 1.6 prints it: integers below 1e17 in full, others in
 * the shortest form that reads back the same.
 */
void
sslm_status_jqnum(double v, char *buf, size_t len)
{
	int p;

	if (v == floor(v) && fabs(v) < 1e17) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(buf, len, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

static int
jq_string(FILE *fp, const char *s, size_t n)
{
	size_t		i;
	unsigned char	c;

	if (fputc('"', fp) == EOF)
		return -1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
		}
	}
	return fputc('"', fp) == EOF ? -1 : 0;
}

static int
jq_value(FILE *fp, const json_t *j)
{
	const char	*k;
	const json_t	*v;
	size_t		 i;
	char		 nb[40];
	int		 first = 1;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		fputc('{', fp);
		json_object_foreach((json_t *)j, k, v) {
			if (!first)
				fputc(',', fp);
			first = 0;
			if (jq_string(fp, k, strlen(k)) == -1 ||
			    fputc(':', fp) == EOF || jq_value(fp, v) == -1)
				return -1;
		}
		return fputc('}', fp) == EOF ? -1 : 0;
	case JSON_ARRAY:
		fputc('[', fp);
		json_array_foreach(j, i, v) {
			if (i > 0)
				fputc(',', fp);
			if (jq_value(fp, v) == -1)
				return -1;
		}
		return fputc(']', fp) == EOF ? -1 : 0;
	case JSON_STRING:
		return jq_string(fp, json_string_value(j),
		    json_string_length(j));
	case JSON_INTEGER:
		return fprintf(fp, "%lld",
		    (long long)json_integer_value(j)) < 0 ? -1 : 0;
	case JSON_REAL:
		sslm_status_jqnum(json_real_value(j), nb, sizeof(nb));
		return fputs(nb, fp) == EOF ? -1 : 0;
	case JSON_TRUE:
		return fputs("true", fp) == EOF ? -1 : 0;
	case JSON_FALSE:
		return fputs("false", fp) == EOF ? -1 : 0;
	default:
		return fputs("null", fp) == EOF ? -1 : 0;
	}
}

int
sslm_status_print(FILE *fp, const json_t *j)
{
	if (jq_value(fp, j) == -1 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

/* A boolean member: 1 true, 0 false, -1 anything else (null, absent). */
int
sslm_status_flag(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* ---- text ------------------------------------------------------------------- */

/* ssl-mgr's "%4dd HH:MM:SS" of a (possibly negative) delta, jq's way. */
static void
dur(double s, char *buf, size_t len)
{
	double		a = fabs(s);
	long long	ia = (long long)a;
	char		d[32];

	snprintf(d, sizeof(d), "%s%.0f", s < 0 ? "-" : "", floor(a / 86400));
	snprintf(buf, len, "%4sd %02lld:%02lld:%02lld", d, ia % 86400 / 3600,
	    ia % 3600 / 60, ia % 60);
}

/* "YYYY-MM-DD HH:MM:SS UTC" of "YYYY-MM-DDTHH:MM:SSZ" (first T, Z). */
static void
day(const char *iso, char *buf, size_t len)
{
	char	*p;

	snprintf(buf, len, "%s", iso != NULL ? iso : "");
	if ((p = strchr(buf, 'T')) != NULL)
		*p = ' ';
	if ((p = strchr(buf, 'Z')) != NULL) {
		*p = '\0';
		strncat(buf, " UTC", len - strlen(buf) - 1);
	}
}

/* The value of the first k=... of a DN split at every comma, or "". */
static void
rdn(const char *dn, const char *k, char *buf, size_t len)
{
	const char	*p = dn != NULL ? dn : "", *e;
	size_t		 kl = strlen(k);

	buf[0] = '\0';
	for (;;) {
		e = strchr(p, ',');
		if (strncmp(p, k, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			snprintf(buf, len, "%.*s", (int)(e != NULL ?
			    (size_t)(e - p) : strlen(p)), p);
			return;
		}
		if (e == NULL)
			return;
		p = e + 1;
	}
}

/* pubkey-secp384r1, pubkey-rsa-4096, pubkey-ed25519 */
static void
pubkey(const json_t *key, char *buf, size_t len)
{
	const char	*t = json_string_value(json_object_get(key, "type"));
	const char	*c = json_string_value(json_object_get(key, "curve"));

	if (t != NULL && strcmp(t, "ec") == 0) {
		if (c != NULL && (strcmp(c, "P-256") == 0 ||
		    strcmp(c, "P-384") == 0 || strcmp(c, "P-521") == 0))
			snprintf(buf, len, "secp%sr1", c + 2);
		else
			snprintf(buf, len, "%s", c != NULL ? c : "null");
	} else if (t != NULL && strcmp(t, "rsa") == 0)
		snprintf(buf, len, "rsa-%lld", (long long)json_integer_value(
		    json_object_get(key, "bits")));
	else
		snprintf(buf, len, "%s", t != NULL ? t : "null");
}

static int
sans_line(FILE *fp, const json_t *sans)
{
	const char	*kinds[] = { "dns", "ip" };
	const json_t	*e;
	size_t		 i, k;
	int		 n = 0;

	fputs("                 sans : [", fp);
	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(sans, kinds[k]), i, e)
			fprintf(fp, "%s'%s'", n++ > 0 ? ", " : "",
			    json_string_value(e));
	return fputs("]\n", fp) == EOF ? -1 : 0;
}

static int
set_text(FILE *fp, const char *l, const json_t *c, int verbose)
{
	const char	*mark = "";
	char		 d1[48], d2[48], u1[48], u2[48], cn[256], on[256];
	char		 sc[256], pk[96];
	double		 life = json_number_value(json_object_get(c,
			    "lifetime_days"));
	double		 left = json_number_value(json_object_get(c,
			    "seconds_left"));

	if (json_object_get(c, "error") != NULL)
		return fprintf(fp, "         %-12s : failed to read cert\n",
		    l) < 0 ? -1 : 0;
	if (sslm_status_flag(c, "expired") == 1)
		mark = "  ** EXPIRED **";
	else if (strcmp(l, "curr") == 0 && sslm_status_flag(c, "due") == 1)
		mark = "  ** DUE **";
	else if (sslm_status_flag(c, "late") == 1)
		mark = "  ** LATE **";
	day(json_string_value(json_object_get(c, "not_after")), d1,
	    sizeof(d1));
	day(json_string_value(json_object_get(c, "not_before")), d2,
	    sizeof(d2));
	dur(left, u1, sizeof(u1));
	dur(life * 86400 - left, u2, sizeof(u2));
	rdn(json_string_value(json_object_get(c, "issuer")), "CN", cn,
	    sizeof(cn));
	rdn(json_string_value(json_object_get(c, "issuer")), "O", on,
	    sizeof(on));
	rdn(json_string_value(json_object_get(c, "subject")), "CN", sc,
	    sizeof(sc));
	pubkey(json_object_get(c, "key"), pk, sizeof(pk));
	fprintf(fp, "         %-12s : expires: %s (%s)%s\n", l, d1, u1, mark);
	fprintf(fp, "                      : issued : %s (%s ago) (%.0f day "
	    "cert)\n", d2, u2, round(life));
	fprintf(fp, "               issuer : CN=%s O=%s\n", cn, on);
	fprintf(fp, "              subject : CN=%s\n", sc);
	fprintf(fp, "               pubkey : pubkey-%s\n", pk);
	if (verbose && (sans_line(fp, json_object_get(c, "sans")) == -1 ||
	    fprintf(fp, "             sig_algo : %s\n", json_string_value(
	    json_object_get(c, "sig_alg"))) < 0))
		return -1;
	return fprintf(fp, "               status : %s\n", json_string_value(
	    json_object_get(c, "reason"))) < 0 ? -1 : 0;
}

int
sslm_status_text(FILE *fp, const json_t *st, int verbose)
{
	const char	*sets[] = { "curr", "next" };
	const json_t	*c;
	size_t		 i;

	/* ssl-mgr's verbose trace of the status task */
	if (verbose && fputs("    cert status\n", fp) == EOF)
		return -1;
	if (json_object_get(st, "error") != NULL)
		return fprintf(fp, "         %-12s : error: %s\n", "config",
		    json_string_value(json_object_get(st, "error"))) < 0 ?
		    -1 : 0;
	if (json_is_null(json_object_get(st, "curr")) &&
	    fprintf(fp, "         %-12s : MISSING: no curr link\n", "curr") < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		c = json_object_get(st, sets[i]);
		if (json_is_object(c) && set_text(fp, sets[i], c, verbose) ==
		    -1)
			return -1;
	}
	return 0;
}

/* One set of a status line: "curr DIR expires DATE: REASON". */
static int
line_set(FILE *fp, const char *l, const json_t *c)
{
	const char *e;

	if (!json_is_object(c))
		return fprintf(fp, "%s none", l) < 0 ? -1 : 0;
	if ((e = json_string_value(json_object_get(c, "error"))) != NULL)
		return fprintf(fp, "%s %s: %s", l, json_string_value(
		    json_object_get(c, "dir")), e) < 0 ? -1 : 0;
	return fprintf(fp, "%s %s expires %s: %s", l, json_string_value(
	    json_object_get(c, "dir")), json_string_value(json_object_get(c,
	    "not_after")), json_string_value(json_object_get(c, "reason"))) <
	    0 ? -1 : 0;
}

int
sslm_status_line(FILE *fp, const json_t *st)
{
	const char	*e;
	json_int_t	 status = json_integer_value(json_object_get(st,
			    "status"));

	if (fprintf(fp, "%s:%s: status %d (%s): ", json_string_value(
	    json_object_get(st, "group")), json_string_value(
	    json_object_get(st, "service")), (int)status, status == 0 ?
	    "fine" : status == 1 ? "due or late" : "failed") < 0)
		return -1;
	if ((e = json_string_value(json_object_get(st, "error"))) != NULL)
		return fprintf(fp, "configuration: %s\n", e) < 0 ? -1 : 0;
	if (line_set(fp, "curr", json_object_get(st, "curr")) == -1 ||
	    fputs("; ", fp) == EOF ||
	    line_set(fp, "next", json_object_get(st, "next")) == -1)
		return -1;
	return fputc('\n', fp) == EOF ? -1 : 0;
}

char *
sslm_status_why(const json_t *st)
{
	const json_t	*cu = json_object_get(st, "curr");
	const json_t	*nx = json_object_get(st, "next");
	const char	*g, *s, *what, *txt;
	json_int_t	 status = json_integer_value(json_object_get(st,
			    "status"));
	char		*line = NULL;

	if (status <= 0)
		return NULL;
	g = json_string_value(json_object_get(st, "group"));
	s = json_string_value(json_object_get(st, "service"));
	if (json_object_get(st, "error") != NULL) {
		what = "configuration: ";
		txt = json_string_value(json_object_get(st, "error"));
	} else if (json_is_null(cu)) {
		what = "no curr";
		txt = "";
	} else if (json_object_get(cu, "error") != NULL) {
		what = "curr: ";
		txt = json_string_value(json_object_get(cu, "error"));
	} else if (status == 3 || sslm_status_flag(nx, "late") != 1) {
		what = "curr: ";
		txt = json_string_value(json_object_get(cu, "reason"));
	} else {
		what = "next: ";
		txt = json_string_value(json_object_get(nx, "reason"));
	}
	if (asprintf(&line, "%s:%s: %s%s", g, s, what, txt != NULL ? txt :
	    "") == -1)
		return NULL;
	return line;
}

/* ---- metrics ----------------------------------------------------------------- */

/* One label value, escaped as the text format wants (\\, \", \n). */
static void
prom_esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* name{group="..",service=".."[,set=".."]} */
static void
prom_sample(FILE *fp, const char *name, const json_t *sv, const char *set,
    long long v)
{
	fprintf(fp, "%s{group=\"", name);
	prom_esc(fp, json_string_value(json_object_get(sv, "group")));
	fputs("\",service=\"", fp);
	prom_esc(fp, json_string_value(json_object_get(sv, "service")));
	if (set != NULL)
		fprintf(fp, "\",set=\"%s", set);
	fprintf(fp, "\"} %lld\n", v);
}

static void
prom_head(FILE *fp, const char *name, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A run record of certs/.last-run: "grp<TAB>svc<TAB>epoch<TAB>ok|...". */
struct run {
	char		*grp, *svc;
	long long	 at;
	int		 ok;
};

/* The records of path (none when it is absent or empty).  -1 warned. */
static int
read_runs(const char *path, char **bufp, struct run **rp, size_t *np)
{
	struct run	*r = NULL, *nr;
	char		*buf, *line, *next, *f[4], err[MSG_MAX];
	size_t		 len, n = 0, lno = 0;
	int		 k;

	*bufp = NULL;
	*rp = NULL;
	*np = 0;
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if ((buf = sslm_readfile_err(path, LASTRUN_MAX, &len, err,
	    sizeof(err))) == NULL) {
		sslm_warnx("%s", err);
		return -1;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		lno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		for (k = 0; k < 4; k++) {
			f[k] = line;
			if (k < 3 && (line = strchr(line, '\t')) != NULL)
				*line++ = '\0';
			if (line == NULL)
				break;
		}
		if ((nr = reallocarray(r, n + 1, sizeof(*r))) == NULL)
			goto fail;
		r = nr;
		if (k < 4 || sslm_strtonum(f[2], 0, LLONG_MAX, &r[n].at) == -1) {
			sslm_warnx("%s:%zu: not a run record", path, lno);
			goto fail;
		}
		r[n].grp = f[0];
		r[n].svc = f[1];
		r[n].ok = strcmp(f[3], "ok") == 0;
		n++;
	}
	*bufp = buf;
	*rp = r;
	*np = n;
	return 0;
fail:
	free(r);
	free(buf);
	return -1;
}

/* Has the status array a service grp:svc? */
static int
known(const json_t *sv, const char *grp, const char *svc)
{
	const json_t	*s;
	size_t		 i;

	json_array_foreach(sv, i, s)
		if (strcmp(json_string_value(json_object_get(s, "group")),
		    grp) == 0 && strcmp(json_string_value(json_object_get(s,
		    "service")), svc) == 0)
			return 1;
	return 0;
}

/* The families of the sets (curr, next) of every service. */
static void
prom_sets(FILE *fp, const json_t *sv)
{
	static const struct {
		const char	*name, *help, *key;
	} fam[] = {
		{ "sslm_cert_not_after_seconds", "Expiry (notAfter) of the "
		    "certificate in seconds since the epoch.", "not_after" },
		{ "sslm_cert_renew_at_seconds", "When the certificate is due "
		    "for renewal, seconds since the epoch (sslm-due).",
		    "renew_at" },
		{ "sslm_cert_due", "1 when the certificate is due for "
		    "renewal.", "due" },
		{ "sslm_cert_expired", "1 when the certificate has expired.",
		    "expired" },
	};
	const char	*sets[] = { "curr", "next" };
	const json_t	*s, *c, *v;
	size_t		 f, i, k;
	time_t		 t;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		prom_head(fp, fam[f].name, fam[f].help);
		json_array_foreach(sv, i, s) {
			if (json_object_get(s, "error") != NULL)
				continue;
			for (k = 0; k < 2; k++) {
				c = json_object_get(s, sets[k]);
				if (!json_is_object(c) ||
				    json_object_get(c, "error") != NULL)
					continue;
				v = json_object_get(c, fam[f].key);
				if (json_is_string(v)) {
					if (sslm_parse_time(
					    json_string_value(v), &t) == 0)
						prom_sample(fp, fam[f].name, s,
						    sets[k], (long long)t);
				} else if (json_is_boolean(v))
					prom_sample(fp, fam[f].name, s,
					    sets[k], json_is_true(v));
			}
		}
	}
}

/* The families of next and of the service. */
static void
prom_services(FILE *fp, const json_t *sv)
{
	const json_t	*s, *n;
	size_t		 i;

	prom_head(fp, "sslm_next_roll_ready", "1 when next may become curr "
	    "now (complete, old enough, DANE gate as recorded).");
	json_array_foreach(sv, i, s) {
		n = json_object_get(s, "next");
		if (json_is_object(n) && json_object_get(n, "error") == NULL)
			prom_sample(fp, "sslm_next_roll_ready", s, NULL,
			    sslm_status_flag(n, "roll_ready") == 1);
	}
	prom_head(fp, "sslm_next_late", "1 when next has waited longer than "
	    "min_roll_mins plus the late limit.");
	json_array_foreach(sv, i, s) {
		n = json_object_get(s, "next");
		if (json_is_object(n) && json_object_get(n, "error") == NULL)
			prom_sample(fp, "sslm_next_late", s, NULL,
			    sslm_status_flag(n, "late") == 1);
	}
	prom_head(fp, "sslm_service_status", "What the service adds to the "
	    "exit status of sslm-mgr -s: 0 fine, 1 due or late, 3 expired, "
	    "missing or failed.");
	json_array_foreach(sv, i, s)
		prom_sample(fp, "sslm_service_status", s, NULL,
		    json_integer_value(json_object_get(s, "status")));
}

static void
prom_runs(FILE *fp, const json_t *sv, const struct run *r, size_t n)
{
	size_t	i;
	json_t	*lab;

	prom_head(fp, "sslm_last_run_success", "1 when the last -renew or "
	    "-roll run handled the service without failure, 0 when it "
	    "failed.");
	for (i = 0; i < n; i++)
		if (known(sv, r[i].grp, r[i].svc) && (lab = json_pack(
		    "{s:s, s:s}", "group", r[i].grp, "service",
		    r[i].svc)) != NULL) {
			prom_sample(fp, "sslm_last_run_success", lab, NULL,
			    r[i].ok);
			json_decref(lab);
		}
	prom_head(fp, "sslm_last_run_timestamp_seconds", "When the last "
	    "-renew or -roll run for the service ended, seconds since the "
	    "epoch.");
	for (i = 0; i < n; i++)
		if (known(sv, r[i].grp, r[i].svc) && (lab = json_pack(
		    "{s:s, s:s}", "group", r[i].grp, "service",
		    r[i].svc)) != NULL) {
			prom_sample(fp, "sslm_last_run_timestamp_seconds", lab,
			    NULL, r[i].at);
			json_decref(lab);
		}
}

int
sslm_status_prom(const char *path, const json_t *sv, const char *lastrun,
    time_t now)
{
	struct run	*r = NULL;
	FILE		*fp = NULL;
	char		*buf = NULL, *rbuf = NULL, err[MSG_MAX];
	size_t		 len = 0, nr = 0;
	int		 rc = -1, wr;

	if (read_runs(lastrun, &rbuf, &r, &nr) == -1)
		goto out;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		sslm_warn("%s", path);
		goto out;
	}
	prom_sets(fp, sv);
	prom_services(fp, sv);
	prom_runs(fp, sv, r, nr);
	prom_head(fp, "sslm_status_timestamp_seconds", "When these metrics "
	    "were written, seconds since the epoch.");
	fprintf(fp, "sslm_status_timestamp_seconds %lld\n", (long long)now);
	if (ferror(fp) || fclose(fp) == EOF) {
		fp = NULL;
		sslm_warnx("%s: out of memory", path);
		goto out;
	}
	fp = NULL;
	sslm_warn_capture(err, sizeof(err));
	wr = sslm_write_file(path, buf, len, 0644);
	sslm_warn_capture(NULL, 0);
	if (wr == -1) {
		sslm_warnx("%s: cannot write the metrics: %s", path, err);
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	free(r);
	free(rbuf);
	return rc;
}
