/* SPDX-License-Identifier: MIT */
/*
 * dns_ns.c: the authoritative servers of a zone as its primary sees
 * them: the primary's SOA serial, the NS names of the apex and every
 * address of each (sslm-nscheck).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "sslm.h"

#define MAX_NS		32	/* NS names of an apex */
#define MAX_ADDRS	16	/* addresses of one NS name */

static int
family_ok(const struct sslm_dns_nsopts *o, int af)
{
	return o->family == 0 || o->family == af;
}

/* Ask the primary one question; the answer or NULL (warned). */
static ldns_pkt *
ask_primary(const struct sslm_dns_srv *primary, const char *name, int type,
    int timeout_ms)
{
	struct sslm_dnsq q;
	char		 b[96];

	memset(&q, 0, sizeof(q));
	q.srv = primary;
	q.qname = name;
	q.qtype = type;
	q.rd = 1;
	if (sslm_dns_run(&q, 1, timeout_ms) == -1)
		return NULL;
	if (q.ans == NULL)
		sslm_warnx("primary %s: %s %s: %s",
		    sslm_dns_server_str(primary, b, sizeof(b)), name,
		    type == LDNS_RR_TYPE_SOA ? "SOA" : "NS", q.err);
	return q.ans;
}

/* Append name and address a to *out (*n entries). */
static int
ns_push(struct sslm_dns_ns **out, size_t *n, const char *name,
    const struct sslm_dns_srv *a, const char *apex)
{
	struct sslm_dns_ns *p;

	if ((p = reallocarray(*out, *n + 1, sizeof(*p))) == NULL) {
		sslm_warn("%s", apex);
		return -1;
	}
	*out = p;
	snprintf(p[*n].name, sizeof(p[*n].name), "%s", name);
	p[*n].a = *a;
	(*n)++;
	return 0;
}

int
sslm_dns_zone_servers(const struct sslm_dns_srv *primary, const char *apex,
    const struct ldns_struct_rdf *apex_rdf, const struct sslm_dns_nsopts *o,
    uint32_t *serial, struct sslm_dns_ns **out, size_t *nout)
{
	ldns_pkt	*soa = NULL, *nsp = NULL;
	ldns_rr		*rr;
	ldns_rdf	*nsr[MAX_NS];
	struct sslm_dnsq *q = NULL;
	struct sslm_dns_srv addrs[MAX_ADDRS];
	char		 names[MAX_NS][256];
	size_t		 i, j, k, n, nn = 0;
	int		 rc = -1, found;

	*out = NULL;
	*nout = 0;
	memset(nsr, 0, sizeof(nsr));
	if ((soa = ask_primary(primary, apex, LDNS_RR_TYPE_SOA,
	    o->timeout_ms)) == NULL)
		goto out;
	if (sslm_dns_soa_serial(soa, apex_rdf, serial) == -1) {
		sslm_warnx("%s: no SOA record at the primary (not a zone "
		    "apex?)", apex);
		goto out;
	}
	if ((nsp = ask_primary(primary, apex, LDNS_RR_TYPE_NS,
	    o->timeout_ms)) == NULL)
		goto out;
	i = 0;
	while ((rr = sslm_dns_next(ldns_pkt_answer(nsp), apex_rdf,
	    LDNS_RR_TYPE_NS, &i)) != NULL) {
		if (nn == MAX_NS) {
			sslm_warnx("%s: more than %d NS records", apex,
			    MAX_NS);
			goto out;
		}
		if (ldns_rr_rd_count(rr) != 1 ||
		    sslm_dns_dname(ldns_rr_rdf(rr, 0), names[nn],
		    sizeof(names[nn])) == -1 ||
		    !sslm_valid_hostname(names[nn], 0)) {
			sslm_warnx("%s: an NS record that is not a valid "
			    "host name", apex);
			goto out;
		}
		for (j = 0; j < nn; j++)
			if (strcmp(names[j], names[nn]) == 0)
				break;
		if (j == nn && (nsr[nn] = ldns_rdf_clone(
		    ldns_rr_rdf(rr, 0))) != NULL)
			nn++;
	}
	if (nn == 0) {
		sslm_warnx("%s: no NS records at the primary", apex);
		goto out;
	}
	/* A and AAAA of every name, all at once. */
	if ((q = calloc(nn * 2, sizeof(*q))) == NULL) {
		sslm_warn("%s", apex);
		goto out;
	}
	for (i = 0; i < nn * 2; i++) {
		q[i].srv = primary;
		q[i].qname = names[i / 2];
		q[i].qtype = i % 2 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
		q[i].rd = 1;
	}
	if (sslm_dns_run(q, nn * 2, o->timeout_ms) == -1)
		goto out;
	for (i = 0; i < nn; i++) {
		n = 0;
		found = 0;
		for (k = 0; k < o->novr; k++) {
			if (strcmp(o->ovr_name[k], names[i]) != 0)
				continue;
			found = 1;
			if (family_ok(o, o->ovr[k].ss.ss_family) &&
			    n < MAX_ADDRS)
				addrs[n++] = o->ovr[k];
		}
		if (!found) {
			sslm_dns_addrs(ldns_pkt_additional(nsp), nsr[i],
			    o->port, o->family, addrs, MAX_ADDRS, &n);
			for (j = i * 2; j < i * 2 + 2; j++)
				if (q[j].ans != NULL)
					sslm_dns_addrs(ldns_pkt_answer(
					    q[j].ans), nsr[i], o->port,
					    o->family, addrs, MAX_ADDRS, &n);
		}
		if (n == 0 && !found && o->sysres &&
		    sslm_dns_sysresolve(names[i], o->port, o->family, addrs,
		    MAX_ADDRS, &n) == -1)
			goto out;
		if (n == 0) {
			sslm_warnx("%s: NS %s: no %saddress from the primary"
			    "%s", apex, names[i], o->family == AF_INET ?
			    "IPv4 " : o->family == AF_INET6 ? "IPv6 " : "",
			    o->sysres ? "" : " (see --ns-addr and "
			    "--system-resolver)");
			goto out;
		}
		for (j = 0; j < n; j++)
			if (ns_push(out, nout, names[i], &addrs[j], apex) == -1)
				goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	for (i = 0; q != NULL && i < nn * 2; i++)
		ldns_pkt_free(q[i].ans);
	free(q);
	for (i = 0; i < nn; i++)
		ldns_rdf_deep_free(nsr[i]);
	ldns_pkt_free(soa);
	ldns_pkt_free(nsp);
	return rc;
}
