/* SPDX-License-Identifier: MIT */
/*
 * sslm-dnsupdate: replace or delete TXT and TLSA records of one zone on
 * its primary with a single RFC 2136 UPDATE, signed with TSIG (RFC 8945)
 * when a key file is given, sent over TCP; print a JSON result.
 *
 * The secret stays in one structure that is wiped before exit; it is
 * read from a file the caller alone can read, never from argv.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <ldns/ldns.h>
#include <openssl/crypto.h>

#include "sslm.h"

#define IN_MAX		(1024 * 1024)	/* the JSON input */
#define MAX_ENTRIES	256		/* replace + delete entries */
#define MAX_VALS	64		/* values of one entry */
#define MAX_TXT		4000		/* bytes of one TXT value */
#define DEF_TTL		300
#define DEF_TIMEOUT	5000		/* ms for the whole exchange */

struct opts {
	const char	*server;
	const char	*zone;
	const char	*keyfile;
	int		 port;
	int		 timeout_ms;
	int		 verbose;
};

struct upd {
	char		 zone[256];
	ldns_rr_list	*rrs;		/* the update section */
	size_t		 added;
	size_t		 deleted;
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: sslm-dnsupdate [-v] -s server[:port] [-p port] -z zone "
	    "[-k tsigfile]\n"
	    "                      [-t timeout_ms] [file | -]\n");
	exit(status);
}

static int
bad(const char *file, const char *path, const char *why)
{
	sslm_warnx("%s: %s: %s", file, path, why);
	return -1;
}

/* A new RR of the update section: owner name, type, class, TTL. */
static ldns_rr *
new_rr(const char *name, int type, int cls, uint32_t ttl)
{
	ldns_rr		*rr;
	ldns_rdf	*owner;
	char		 fq[260];

	snprintf(fq, sizeof(fq), "%s.", name);
	if ((owner = ldns_dname_new_frm_str(fq)) == NULL)
		return NULL;
	if ((rr = ldns_rr_new()) == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	ldns_rr_set_class(rr, (ldns_rr_class)cls);
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* Push rdata for value v (TXT as is, TLSA in normal form) onto rr. */
static int
push_rdata(ldns_rr *rr, int type, const char *v)
{
	ldns_rdf	*d;
	unsigned char	 s[256];
	unsigned	 f[3];
	size_t		 n, len = strlen(v), i;
	int		 off;

	if (type == LDNS_RR_TYPE_TLSA) {
		if (sscanf(v, "%u %u %u %n", &f[0], &f[1], &f[2], &off) != 3)
			return -1;
		for (i = 0; i < 3; i++)
			if ((d = ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8,
			    (uint8_t)f[i])) == NULL ||
			    !ldns_rr_push_rdf(rr, d)) {
				ldns_rdf_deep_free(d);
				return -1;
			}
		if (ldns_str2rdf_hex(&d, v + off) != LDNS_STATUS_OK)
			return -1;
		if (!ldns_rr_push_rdf(rr, d)) {
			ldns_rdf_deep_free(d);
			return -1;
		}
		return 0;
	}
	/* TXT: character-strings of up to 255 bytes (one, maybe empty). */
	i = 0;
	do {
		n = len - i > 255 ? 255 : len - i;
		s[0] = (unsigned char)n;
		memcpy(s + 1, v + i, n);
		if ((d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, n + 1,
		    s)) == NULL || !ldns_rr_push_rdf(rr, d)) {
			ldns_rdf_deep_free(d);
			return -1;
		}
		i += n;
	} while (i < len);
	return 0;
}

/* Append one RR; v NULL: no rdata (delete the RRset). */
static int
add_rr(struct upd *u, const char *name, int type, int cls, uint32_t ttl,
    const char *v)
{
	ldns_rr	*rr;

	if ((rr = new_rr(name, type, cls, ttl)) == NULL)
		return -1;
	if ((v != NULL && push_rdata(rr, type, v) == -1) ||
	    !ldns_rr_list_push_rr(u->rrs, rr)) {
		ldns_rr_free(rr);
		return -1;
	}
	if (cls == LDNS_RR_CLASS_IN)
		u->added++;
	else
		u->deleted++;
	return 0;
}

/* A TLSA value in normal form, checked against RFC 6698's fields; new
 * string or NULL. */
static char *
tlsa_value(const char *s)
{
	char		*v;
	unsigned	 u, sel, mt;
	int		 off;
	size_t		 hexlen;

	if ((v = sslm_dns_tlsa_norm(s)) == NULL)
		return NULL;
	if (sscanf(v, "%u %u %u %n", &u, &sel, &mt, &off) != 3)
		goto bad;
	hexlen = strlen(v + off);
	if (u > 3 || sel > 1 || mt > 2 || (mt == 1 && hexlen != 64) ||
	    (mt == 2 && hexlen != 128) || hexlen > 2 * 8192)
		goto bad;
	return v;
bad:
	free(v);
	return NULL;
}

/*
 * One entry of "replace" (replace 1) or "delete": check it and append
 * its RRs to the update.
 */
static int
parse_entry(const json_t *o, int replace, struct upd *u, const char *file,
    const char *path)
{
	const char	*k, *s;
	json_t		*v, *vals;
	json_int_t	 ttl = DEF_TTL;
	char		*val[MAX_VALS];
	char		 name[256], p[300];
	size_t		 i, j, n = 0, len;
	int		 type, rc = -1;

	if (!json_is_object(o))
		return bad(file, path, "not an object");
	json_object_foreach((json_t *)o, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "type") != 0 &&
		    strcmp(k, "values") != 0 &&
		    (!replace || strcmp(k, "ttl") != 0)) {
			snprintf(p, sizeof(p), "%.200s.%.64s", path, k);
			return bad(file, p, "unknown key");
		}
	}
	snprintf(p, sizeof(p), "%.200s.name", path);
	if ((s = json_string_value(json_object_get(o, "name"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (sslm_dns_name_norm(name, sizeof(name), s) == -1 ||
	    !sslm_dns_valid_owner(name))
		return bad(file, p, "not a valid DNS name");
	if (!sslm_dns_in_zone(name, u->zone))
		return bad(file, p, "not at or under the zone");
	snprintf(p, sizeof(p), "%.200s.type", path);
	if ((s = json_string_value(json_object_get(o, "type"))) == NULL)
		return bad(file, p, "missing or not a string");
	if (strcasecmp(s, "TXT") == 0)
		type = LDNS_RR_TYPE_TXT;
	else if (strcasecmp(s, "TLSA") == 0)
		type = LDNS_RR_TYPE_TLSA;
	else
		return bad(file, p, "not TXT or TLSA");
	snprintf(p, sizeof(p), "%.200s.ttl", path);
	if ((v = json_object_get(o, "ttl")) != NULL) {
		if (!json_is_integer(v) || (ttl = json_integer_value(v)) < 0 ||
		    ttl > 0x7fffffff)
			return bad(file, p, "not an integer 0..2147483647");
	}
	snprintf(p, sizeof(p), "%.200s.values", path);
	/* Without values (delete only), the whole RRset goes. */
	if ((vals = json_object_get(o, "values")) != NULL || replace) {
		if (!json_is_array(vals))
			return bad(file, p, "missing or not an array");
		if (json_array_size(vals) > MAX_VALS)
			return bad(file, p, "too many values");
	}
	json_array_foreach(vals, i, v) {
		snprintf(p, sizeof(p), "%.200s.values[%zu]", path, i);
		if ((s = json_string_value(v)) == NULL) {
			bad(file, p, "not a string");
			goto out;
		}
		len = json_string_length(v);
		if (len != strlen(s) || (type == LDNS_RR_TYPE_TXT &&
		    len > MAX_TXT)) {
			bad(file, p, "holds NUL or is too long");
			goto out;
		}
		if (type == LDNS_RR_TYPE_TLSA)
			val[n] = tlsa_value(s);
		else
			val[n] = strdup(s);
		if (val[n] == NULL) {
			bad(file, p, type == LDNS_RR_TYPE_TLSA ?
			    "not \"usage selector mtype hex\" (RFC 6698)" :
			    "out of memory");
			goto out;
		}
		for (j = 0; j < n; j++)
			if (strcmp(val[j], val[n]) == 0)
				break;
		if (j < n)
			free(val[n]);		/* a duplicate */
		else
			n++;
	}
	snprintf(p, sizeof(p), "%.200s", path);
	/* RFC 2136 2.5.2: class ANY, no rdata deletes the RRset. */
	if ((replace || n == 0) &&
	    add_rr(u, name, type, LDNS_RR_CLASS_ANY, 0, NULL) == -1) {
		bad(file, p, "out of memory");
		goto out;
	}
	/* 2.5.1 adds (class IN), 2.5.4 deletes one RR (class NONE). */
	for (i = 0; i < n; i++)
		if (add_rr(u, name, type, replace ? LDNS_RR_CLASS_IN :
		    LDNS_RR_CLASS_NONE, replace ? (uint32_t)ttl : 0,
		    val[i]) == -1) {
			bad(file, p, "out of memory");
			goto out;
		}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(val[i]);
	return rc;
}

/* The document: deletes first, then replacements (so these win). */
static int
parse_doc(const json_t *doc, struct upd *u, const char *file)
{
	static const char *const lists[2] = { "delete", "replace" };
	const char	*k;
	json_t		*l, *e;
	char		 p[64];
	size_t		 i, t, n = 0;

	if (!json_is_object(doc))
		return bad(file, "(top)", "not an object");
	json_object_foreach((json_t *)doc, k, l)
		if (strcmp(k, lists[0]) != 0 && strcmp(k, lists[1]) != 0)
			return bad(file, k, "unknown key");
	for (t = 0; t < 2; t++) {
		if ((l = json_object_get(doc, lists[t])) == NULL)
			continue;
		if (!json_is_array(l))
			return bad(file, lists[t], "not an array");
		n += json_array_size(l);
		if (n > MAX_ENTRIES)
			return bad(file, lists[t], "too many entries");
		json_array_foreach(l, i, e) {
			snprintf(p, sizeof(p), "%s[%zu]", lists[t], i);
			if (parse_entry(e, t == 1, u, file, p) == -1)
				return -1;
		}
	}
	if (n == 0)
		return bad(file, "(top)", "nothing to update");
	return 0;
}

/* The wire form of the UPDATE message, with a fresh id.  NULL (warned). */
static unsigned char *
build(struct upd *u, uint16_t id, size_t *len)
{
	ldns_pkt	*p = NULL;
	ldns_rdf	*z;
	unsigned char	*w = NULL;
	char		 fq[260];

	snprintf(fq, sizeof(fq), "%s.", u->zone);
	if ((z = ldns_dname_new_frm_str(fq)) == NULL)
		goto out;
	/* The packet takes z and a copy of the RRs. */
	if ((p = ldns_update_pkt_new(z, LDNS_RR_CLASS_IN, NULL, u->rrs,
	    NULL)) == NULL) {
		ldns_rdf_deep_free(z);
		goto out;
	}
	ldns_pkt_set_id(p, id);
	if (ldns_pkt2wire(&w, p, len) != LDNS_STATUS_OK)
		w = NULL;
	else if (*len > 65535 - 512) {
		/* room for the TSIG RR */
		free(w);
		w = NULL;
	}
out:
	if (w == NULL)
		sslm_warnx("%s: cannot build the update message (too large?)",
		    u->zone);
	ldns_pkt_free(p);
	return w;
}

/*
 * Check the answer a to the update with id: that it is one, its TSIG
 * when signed, and its RCODE.  The RCODE name goes to rcode.  0 or -1
 * (warned).
 */
static int
check_answer(const unsigned char *a, size_t alen, uint16_t id,
    const struct sslm_tsig *key, const unsigned char *mac, size_t maclen,
    const char *where, char *rcode, size_t rlen)
{
	ldns_pkt		*p = NULL;
	ldns_lookup_table	*lt;
	char			 err[128], tname[16];
	int			 rc = -1, vr = 1, terr = 0, r;

	if (ldns_wire2pkt(&p, a, alen) != LDNS_STATUS_OK) {
		p = NULL;
		sslm_warnx("%s: malformed answer", where);
		goto out;
	}
	if (ldns_pkt_id(p) != id || !ldns_pkt_qr(p) ||
	    ldns_pkt_get_opcode(p) != LDNS_PACKET_UPDATE) {
		sslm_warnx("%s: the answer does not match the update", where);
		goto out;
	}
	r = ldns_pkt_get_rcode(p);
	if ((lt = ldns_lookup_by_id(ldns_rcodes, r)) != NULL)
		snprintf(rcode, rlen, "%s", lt->name);
	else
		snprintf(rcode, rlen, "%d", r);
	if (key != NULL && (vr = sslm_tsig_verify(key, mac, maclen, a, alen,
	    time(NULL), &terr, err, sizeof(err))) == -1) {
		sslm_warnx("%s: %s", where, err);
		goto out;
	}
	if (terr != 0) {
		sslm_warnx("%s: rcode %s, tsig %s", where, rcode,
		    sslm_tsig_error_name(terr, tname, sizeof(tname)));
		goto out;
	}
	if (r != LDNS_RCODE_NOERROR) {
		sslm_warnx("%s: rcode %s%s", where, rcode, key == NULL ? "" :
		    vr == 1 ? " (signed answer)" : " (unsigned answer)");
		goto out;
	}
	if (vr != 1) {
		sslm_warnx("%s: %s", where, err);
		goto out;
	}
	rc = 0;
out:
	ldns_pkt_free(p);
	return rc;
}

static int
run(const struct opts *o, const char *file)
{
	struct sslm_tsig	 key, *kp = NULL;
	struct sslm_dns_srv	 srv;
	struct upd		 u;
	json_t			*in = NULL, *res = NULL;
	unsigned char		*w = NULL, *a = NULL, mac[SSLM_TSIG_MAC_MAX];
	char			 err[128], where[400], rcode[16];
	char			 sstr[96];
	size_t			 wlen, alen, maclen = 0;
	uint16_t		 id;
	int			 rc = SSLM_EXIT_FAIL;

	memset(&key, 0, sizeof(key));
	memset(&u, 0, sizeof(u));
	if (sslm_dns_server(o->server, o->port, &srv, err, sizeof(err)) ==
	    -1) {
		sslm_warnx("%s: %s", o->server, err);
		goto out;
	}
	if (sslm_dns_name_norm(u.zone, sizeof(u.zone), o->zone) == -1 ||
	    !sslm_dns_valid_owner(u.zone)) {
		sslm_warnx("%s: not a valid zone name", o->zone);
		goto out;
	}
	snprintf(where, sizeof(where), "%s at %s", u.zone,
	    sslm_dns_server_str(&srv, sstr, sizeof(sstr)));
	if (o->keyfile != NULL) {
		if (sslm_tsig_load(o->keyfile, &key) == -1)
			goto out;
		kp = &key;
	}
	if ((in = sslm_json_readfile(file, IN_MAX)) == NULL)
		goto out;
	if ((u.rrs = ldns_rr_list_new()) == NULL) {
		sslm_warn("%s", file);
		goto out;
	}
	if (parse_doc(in, &u, file) == -1)
		goto out;
	id = (uint16_t)arc4random_uniform(65536);
	if ((w = build(&u, id, &wlen)) == NULL)
		goto out;
	if (kp != NULL && sslm_tsig_sign(kp, &w, &wlen, time(NULL), mac,
	    &maclen) == -1)
		goto out;
	if (o->verbose)
		sslm_warnx("%s: sending %zu additions, %zu deletions "
		    "(%zu bytes)%s%s", where, u.added, u.deleted, wlen,
		    kp != NULL ? ", tsig key " : ", unsigned",
		    kp != NULL ? kp->name : "");
	if (sslm_dns_tcp_exchange(&srv, w, wlen, o->timeout_ms, &a, &alen,
	    err, sizeof(err)) == -1) {
		sslm_warnx("%s: %s", where, err);
		goto out;
	}
	if (check_answer(a, alen, id, kp, mac, maclen, where, rcode,
	    sizeof(rcode)) == -1)
		goto out;
	if (o->verbose)
		sslm_warnx("%s: rcode %s%s", where, rcode,
		    kp != NULL ? ", answer tsig verified" : "");
	if ((res = json_pack("{s:s, s:s, s:i, s:s?, s:s, s:I, s:I}",
	    "zone", u.zone, "server", srv.addr, "port", srv.port,
	    "key", kp != NULL ? kp->name : NULL, "rcode", rcode,
	    "added", (json_int_t)u.added,
	    "deleted", (json_int_t)u.deleted)) == NULL) {
		sslm_warnx("%s: out of memory", where);
		goto out;
	}
	if (sslm_json_print(stdout, res, 1) == -1)
		goto out;
	rc = SSLM_EXIT_OK;
out:
	sslm_tsig_clear(&key);
	OPENSSL_cleanse(mac, sizeof(mac));
	json_decref(res);
	json_decref(in);
	ldns_rr_list_deep_free(u.rrs);
	free(w);
	free(a);
	return rc;
}

/* A number within lo..hi for option opt; exits 2 otherwise. */
static int
number(const char *s, int lo, int hi, const char *opt)
{
	long long v;

	if (sslm_strtonum(s, lo, hi, &v) == -1) {
		sslm_warnx("%s %s: not a number %d..%d", opt, s, lo, hi);
		usage(SSLM_EXIT_USAGE);
	}
	return (int)v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL,	's' },
		{ "port",	required_argument,	NULL,	'p' },
		{ "zone",	required_argument,	NULL,	'z' },
		{ "key",	required_argument,	NULL,	'k' },
		{ "timeout",	required_argument,	NULL,	't' },
		{ "verbose",	no_argument,		NULL,	'v' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	struct opts	 o;
	int		 ch, rc;

	sslm_setprogname(argv[0]);
	memset(&o, 0, sizeof(o));
	o.port = 53;
	o.timeout_ms = DEF_TIMEOUT;
	while ((ch = getopt_long(argc, argv, "hk:p:s:t:Vvz:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k':
			o.keyfile = optarg;
			break;
		case 'p':
			o.port = number(optarg, 1, 65535, "-p");
			break;
		case 's':
			o.server = optarg;
			break;
		case 't':
			o.timeout_ms = number(optarg, 1, 600000, "-t");
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'z':
			o.zone = optarg;
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
	if (argc > 1 || o.server == NULL || o.zone == NULL)
		usage(SSLM_EXIT_USAGE);
	rc = run(&o, argc == 1 ? argv[0] : "-");
	if (sslm_flush_stdout() == -1)
		rc = SSLM_EXIT_FAIL;
	return rc;
}
