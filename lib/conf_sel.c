/* SPDX-License-Identifier: MIT */
/*
 * conf_sel.c: which groups and services a load resolves: the [groups] of
 * ssl-mgr.conf or the selection operands (sslm_sel_parse), and the
 * service files found in a group's directory.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "conf_priv.h"

#define SEL_KEY_MAX	512	/* "S:" domain "/" service, with room */

/* ---- a group's service files ------------------------------------------- */

/*
 * Is path a service file?  ssl-mgr's test: after deleting white space,
 * some lines start with name=, group=, service=, [KeyOpts] and [X509].
 */
static int
looks_like_service(const char *path)
{
	static const char *const marks[] = { "name=", "group=", "service=",
	    "[KeyOpts]", "[X509]" };
	char	*buf, *line, *save = NULL, *p, *q;
	size_t	 len, k;
	int	 seen = 0;

	if ((buf = sslm_readfile(path, 1 << 20, &len)) == NULL)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (p = q = line; *p != '\0'; p++)
			if (!isspace((unsigned char)*p))
				*q++ = *p;
		*q = '\0';
		for (k = 0; k < 5; k++)
			if (strncmp(line, marks[k], strlen(marks[k])) == 0)
				seen |= 1 << k;
	}
	free(buf);
	return seen == 0x1f;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every service file of group grp, sorted by name, as JSON strings. */
static int
discover(struct ctx *c, const char *grp, json_t *out)
{
	DIR		*d = NULL;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX], **names = NULL, **nn;
	size_t		 n = 0, i;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s", c->confabs, grp);
	if ((d = opendir(path)) == NULL) {
		sslm_warn("%s/%s", c->confdir, grp);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!sslm_valid_filename(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", c->confabs, grp,
		    de->d_name);
		if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    !looks_like_service(path))
			continue;
		if ((nn = reallocarray(names, n + 1, sizeof(*names))) == NULL)
			goto out;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), cmpstr);
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(names[i]));
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d != NULL)
		closedir(d);
	return rc;
}

/* ---- groups and selection ------------------------------------------------ */

/* Append the services named by node v (string or list) to out. */
static int
group_services(struct ctx *c, const struct sslm_toml *v, const char *grp,
    json_t *out)
{
	size_t	i, n = v->type == SSLM_TOML_ARRAY ? v->nkids : 1;
	const struct sslm_toml *e;

	for (i = 0; i < n; i++) {
		e = v->type == SSLM_TOML_ARRAY ? v->kids[i] : v;
		if (want_string(c, e, "groups.services") == -1)
			return -1;
		if (strcmp(e->s, "*") == 0 || strcmp(e->s, "ALL") == 0) {
			json_array_clear(out);
			return discover(c, grp, out);
		}
		if (!sslm_valid_filename(e->s))
			return bad(c, e, "groups.services", "\"%s\" is not a "
			    "safe service name", e->s);
		json_array_append_new(out, json_string(e->s));
	}
	return 0;
}

/*
 * Add group grp with services svcs (taken) to c->groups, or merge them
 * into the group already there (replacing its list unless accumulate).
 * A service is listed once, so its file is read and warned about once.
 */
static void
put_group(struct ctx *c, const char *grp, json_t *svcs, int accumulate)
{
	size_t		 i;
	json_t		*g, *old = NULL, *v, *seen;
	const char	*name;

	json_array_foreach(c->groups, i, g) {
		if (strcmp(json_string_value(json_object_get(g, "domain")),
		    grp) != 0)
			continue;
		old = json_object_get(g, "services");
		if (!accumulate)
			json_array_clear(old);
		break;
	}
	if (old == NULL) {
		old = json_array();
		json_array_append_new(c->groups, json_pack("{s:s,s:o}",
		    "domain", grp, "services", old));
	}
	/* The names listed as a set: a group of 10,000 stays linear. */
	if ((seen = json_object()) != NULL)
		json_array_foreach(old, i, v)
			json_object_set(seen, json_string_value(v), json_true());
	json_array_foreach(svcs, i, v) {
		name = json_string_value(v);
		if (seen != NULL ? json_object_get(seen, name) != NULL :
		    in_list(old, name, 0))
			continue;
		json_array_append(old, v);
		if (seen != NULL)
			json_object_set(seen, name, json_true());
	}
	json_decref(seen);
	json_decref(svcs);
}

static int
group_dir_ok(struct ctx *c, const struct sslm_toml *n, const char *grp)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", c->confabs, grp);
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		if (n != NULL)
			return bad(c, n, "groups.domain", "no directory %s/%s",
			    c->confdir, grp);
		sslm_warnx("%s/%s: no such group directory", c->confdir, grp);
		return -1;
	}
	return 0;
}

int
select_from_config(struct ctx *c)
{
	const struct sslm_toml	*t = child(c->main, "groups"), *e, *d, *s;
	static const char *const keys[] = { "domain", "services", "active",
	    NULL };
	const char		*dom;
	json_t			*svcs;
	size_t			 i;
	int			 active;

	c->file = c->mainpath;
	if (t == NULL)
		return 0;
	if (t->type != SSLM_TOML_ARRAY)
		return bad(c, t, "groups", "must be a list of tables "
		    "([[groups]])");
	for (i = 0; i < t->nkids; i++) {
		e = t->kids[i];
		if (e->type != SSLM_TOML_TABLE)
			return bad(c, e, "groups", "must be a list of tables");
		warn_unknown(c, e, "groups.", keys);
		if (get_bool(c, e, "active", "groups.active", 0, &active) ==
		    -1 || get_str(c, e, "domain", "groups.domain", "", &dom) ==
		    -1)
			return -1;
		if (!active)
			continue;
		d = child(e, "domain");
		s = child(e, "services");
		if (*dom == '\0' || s == NULL || (s->type == SSLM_TOML_ARRAY &&
		    s->nkids == 0) || (s->type == SSLM_TOML_STRING &&
		    s->slen == 0)) {
			warn_at(c, e, "groups", "active group without domain "
			    "or services, skipped");
			continue;
		}
		if (!valid_group(dom))
			return bad(c, d, "groups.domain", "\"%s\" is not ca or "
			    "a domain", dom);
		if (s->type != SSLM_TOML_STRING && s->type != SSLM_TOML_ARRAY)
			return bad(c, s, "groups.services", "expected a list "
			    "of service names");
		if (group_dir_ok(c, d, dom) == -1)
			return -1;
		svcs = json_array();
		if (group_services(c, s, dom, svcs) == -1) {
			json_decref(svcs);
			return -1;
		}
		put_group(c, dom, svcs, 0);
	}
	return 0;
}

/* Operands "grp[:svc,...]": validated like config values. */
int
select_from_args(struct ctx *c)
{
	struct sslm_sel	*sel = NULL;
	json_t		*svcs;
	int		 i, k, n = 0, rc = -1;

	if (sslm_sel_parse(c->o->sel, c->o->nsel, &sel, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (group_dir_ok(c, NULL, sel[i].grp) == -1)
			goto out;
		svcs = json_array();
		if (sel[i].nsvc == 0 && discover(c, sel[i].grp, svcs) == -1) {
			json_decref(svcs);
			goto out;
		}
		for (k = 0; k < sel[i].nsvc; k++)
			json_array_append_new(svcs, json_string(sel[i].svc[k]));
		put_group(c, sel[i].grp, svcs, 1);
	}
	rc = 0;
out:
	sslm_sel_free(sel, n);
	return rc;
}

/* ---- selection operands -------------------------------------------------- */

/* Drop white space at both ends of s, in place; returns the start. */
static char *
trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * One operand (whole, brackets closed) into sel: the group checked and
 * copied, the services checked, copied once each; ALL or * anywhere
 * means every service.  0 or -1 (warned, naming the operand).
 */
static int
sel_one(const char *shown, char *arg, struct sslm_sel *sel)
{
	char	*colon, *list, *e, *save = NULL, **nv;
	size_t	 n;
	int	 k, all = 0;

	if ((colon = strchr(arg, ':')) != NULL)
		*colon++ = '\0';
	if (!valid_group(arg)) {
		sslm_warnx("%s: \"%s\" is not ca or a domain", shown, arg);
		return -1;
	}
	if ((sel->grp = strdup(arg)) == NULL)
		return -1;
	if (colon == NULL || *(list = trim(colon)) == '\0')
		return 0;
	if (*list == '[') {
		n = strlen(list);
		if (list[n - 1] != ']') {
			sslm_warnx("%s: text after ]", shown);
			return -1;
		}
		list[n - 1] = '\0';
		if (*trim(++list) == '\0') {
			sslm_warnx("%s: no service between [ and ]", shown);
			return -1;
		}
	}
	if (strpbrk(list, "[]") != NULL) {
		sslm_warnx("%s: unexpected [ or ]", shown);
		return -1;
	}
	for (e = strtok_r(list, ",", &save); e != NULL;
	    e = strtok_r(NULL, ",", &save)) {
		if (*(e = trim(e)) == '\0')
			continue;
		if (strcmp(e, "ALL") == 0 || strcmp(e, "*") == 0) {
			all = 1;
			continue;
		}
		if (!sslm_valid_filename(e)) {
			sslm_warnx("%s: \"%s\" is not a safe service name",
			    shown, e);
			return -1;
		}
		for (k = 0; k < sel->nsvc; k++)
			if (strcmp(sel->svc[k], e) == 0)
				break;
		if (k < sel->nsvc)
			continue;
		if ((nv = reallocarray(sel->svc, (size_t)sel->nsvc + 1,
		    sizeof(*nv))) == NULL)
			return -1;
		sel->svc = nv;
		if ((sel->svc[sel->nsvc] = strdup(e)) == NULL)
			return -1;
		sel->nsvc++;
	}
	if (all) {
		for (k = 0; k < sel->nsvc; k++)
			free(sel->svc[k]);
		free(sel->svc);
		sel->svc = NULL;
		sel->nsvc = 0;
	}
	return 0;
}

/*
 * The index key pfx grp[/svc] into buf.  0, or -1 when it does not fit:
 * no checked name makes so long a key (a domain is at most 253 bytes, a
 * service 64), so such a name is in no index.
 */
static int
sel_key(char *buf, size_t len, const char *pfx, const char *grp,
    const char *svc)
{
	int n;

	n = snprintf(buf, len, "%s%s%s%s", pfx, grp, svc != NULL ? "/" : "",
	    svc != NULL ? svc : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Keep v under the key of pfx, grp and svc unless it is there already:
 * the first operand wins.  0 or -1 (out of memory).
 */
static int
index_first(json_t *ix, const char *pfx, const char *grp, const char *svc,
    json_int_t v)
{
	char key[SEL_KEY_MAX];

	if (sel_key(key, sizeof(key), pfx, grp, svc) == -1)
		return -1;
	if (json_object_get(ix, key) != NULL)
		return 0;
	return json_object_set_new(ix, key, json_integer(v));
}

/*
 * The index of sslm_sel_match in sel[0]: for each group the first
 * operand that names it ("G:grp") and the first that takes all of it
 * ("W:grp"), for each service the first operand that lists it and its
 * place there ("S:grp/svc": operand << 32 | place).  Group and service
 * names hold no "/".  0 or -1 (out of memory).
 */
static int
sel_index(struct sslm_sel *sel, int n)
{
	json_t	*ix;
	int	 i, k;

	if ((ix = json_object()) == NULL)
		return -1;
	sel[0].index = ix;
	for (i = 0; i < n; i++) {
		if (index_first(ix, "G:", sel[i].grp, NULL, i) == -1 ||
		    (sel[i].nsvc == 0 && index_first(ix, "W:", sel[i].grp,
		    NULL, i) == -1))
			return -1;
		for (k = 0; k < sel[i].nsvc; k++)
			if (index_first(ix, "S:", sel[i].grp, sel[i].svc[k],
			    (json_int_t)i << 32 | k) == -1)
				return -1;
	}
	return 0;
}

int
sslm_sel_parse(char *const *argv, int argc, struct sslm_sel **out, int *nout)
{
	struct sslm_sel	*sel;
	char		*arg = NULL, *p, *colon;
	int		 i, n = 0, rc = -1;

	*out = NULL;
	*nout = 0;
	if ((sel = calloc((size_t)argc + 1, sizeof(*sel))) == NULL)
		return -1;
	for (i = 0; i < argc; i++) {
		free(arg);
		if ((arg = strdup(argv[i])) == NULL)
			goto out;
		/* "grp:[a, b]" unquoted reaches us as "grp:[a," "b]". */
		colon = strchr(arg, ':');
		while (colon != NULL && strchr(colon, '[') != NULL &&
		    strchr(colon, ']') == NULL) {
			if (i + 1 == argc) {
				sslm_warnx("%s: no closing ]", arg);
				goto out;
			}
			if (asprintf(&p, "%s %s", arg, argv[++i]) == -1)
				goto out;
			free(arg);
			arg = p;
			colon = strchr(arg, ':');
		}
		if ((p = strdup(arg)) == NULL)
			goto out;
		n++;
		rc = sel_one(arg, p, &sel[n - 1]);
		free(p);
		if (rc == -1 || (sel[n - 1].used = calloc(
		    (size_t)sel[n - 1].nsvc + 1, 1)) == NULL)
			goto out;
		rc = -1;
	}
	if (n > 0 && sel_index(sel, n) == -1)
		goto out;
	rc = 0;
out:
	free(arg);
	if (rc == -1) {
		sslm_sel_free(sel, n);
		return -1;
	}
	*out = sel;
	*nout = n;
	return 0;
}

void
sslm_sel_free(struct sslm_sel *sel, int n)
{
	int i, k;

	if (sel == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(sel[i].grp);
		for (k = 0; k < sel[i].nsvc; k++)
			free(sel[i].svc[k]);
		free(sel[i].svc);
		free(sel[i].used);
		json_decref(sel[i].index);
	}
	free(sel);
}

/* The value of the index for the key of pfx, grp and svc; -1: none. */
static json_int_t
index_get(const json_t *ix, const char *pfx, const char *grp,
    const char *svc)
{
	char	 key[SEL_KEY_MAX];
	json_t	*v;

	if (sel_key(key, sizeof(key), pfx, grp, svc) == -1 ||
	    (v = json_object_get(ix, key)) == NULL)
		return -1;
	return json_integer_value(v);
}

/*
 * The first operand, in order, that chooses grp (svc NULL) or grp:svc:
 * the one that names the group, or the earlier of the first that takes
 * all of it and the first that lists svc.  Through the index, so that
 * 10,000 operands cost 10,000 look-ups, not 10,000 scans.
 */
int
sslm_sel_match(struct sslm_sel *sel, int n, const char *grp,
    const char *svc)
{
	json_int_t	w, l;

	if (n == 0)
		return 1;
	if (svc == NULL) {
		if ((w = index_get(sel[0].index, "G:", grp, NULL)) == -1)
			return 0;
		sel[w].used[0] = 1;
		return 1;
	}
	w = index_get(sel[0].index, "W:", grp, NULL);
	l = index_get(sel[0].index, "S:", grp, svc);
	if (w != -1 && (l == -1 || w < l >> 32)) {
		sel[w].used[0] = 1;
		return 1;
	}
	if (l == -1)
		return 0;
	sel[l >> 32].used[(l & 0xffffffff) + 1] = 1;
	return 1;
}

int
sslm_sel_check(const struct sslm_sel *sel, int n)
{
	int i, k, rc = 0;

	for (i = 0; i < n; i++) {
		if (sel[i].nsvc == 0 && !sel[i].used[0]) {
			sslm_warnx("%s: no such group", sel[i].grp);
			rc = -1;
		}
		for (k = 0; k < sel[i].nsvc; k++)
			if (!sel[i].used[k + 1]) {
				sslm_warnx("%s:%s: no such service",
				    sel[i].grp, sel[i].svc[k]);
				rc = -1;
			}
	}
	return rc;
}

/* The [[dns_primary]] entry for apex, or JSON null. */
json_t *
primary_for(struct ctx *c, const char *grp)
{
	char		 host[256], *p, *q;
	const char	*apex = grp;
	size_t		 i;
	json_t		*e, *def = NULL;

	if (strcmp(grp, "ca") == 0) {
		/* ssl-mgr: the host's own domain, its last two labels. */
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		apex = host;
		if ((p = strrchr(host, '.')) != NULL) {
			*p = '\0';
			q = strrchr(host, '.');
			*p = '.';
			if (q != NULL)
				apex = q + 1;
		}
	}
	json_array_foreach(c->dns_primary, i, e) {
		const char *d = json_string_value(json_object_get(e, "domain"));

		if (strcasecmp(d, apex) == 0)
			return json_pack("{s:O,s:O}", "server",
			    json_object_get(e, "server"), "port",
			    json_object_get(e, "port"));
		if (def == NULL && (strcmp(d, "default") == 0 ||
		    strcmp(d, "*") == 0))
			def = e;
	}
	if (def != NULL)
		return json_pack("{s:O,s:O}", "server",
		    json_object_get(def, "server"), "port",
		    json_object_get(def, "port"));
	return json_null();
}

