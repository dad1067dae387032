/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns: DNS answers as sslm-nscheck takes them.  One input is one
 * wire-format message, received for each of the questions nscheck asks
 * of a zone (the apex's SOA, a TXT and a TLSA record it must serve, one
 * it must not, the apex's NS) as the answer over TCP: q_answer checks it
 * against the question (id, QR, opcode, question, TC, rcode); a taken
 * answer goes to take_answer (authority, the SOA serial, the records'
 * values against the wanted ones), and an NS answer to what
 * sslm_dns_zone_servers does with it (the NS names, their glue
 * addresses).  The zone's report is then built (sslm_nscheck_json).
 *
 * lib/dns.c and lib/nscheck.c are #included, so that the harness reaches
 * their static interpreters as they are; their symbols then come from
 * here and not from the archive.  The id of each question is the
 * input's own, so that mutations get past the id check.
 *
 * Promises checked: a query ends with an answer or a reason, never
 * both; a kept answer matches the question; every value noted in the
 * report is printable; every message is one printable line.
 * Seeds: answers built by fuzz/dnsseeds.py (fuzz/seeds.sh).
 */
#include "fuzz.h"

#include "../lib/dns.c"
#include "../lib/nscheck.c"

#define APEX	"example.com"

static const char doc[] = "{\"apex\": \"" APEX "\", "
    "\"primary\": {\"server\": \"127.0.0.1\"}, "
    "\"present\": ["
    "{\"name\": \"_acme-challenge." APEX "\", \"type\": \"TXT\", "
    "\"values\": [\"aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8\"]}, "
    "{\"name\": \"_25._tcp.mail." APEX "\", \"type\": \"TLSA\", "
    "\"values\": [\"3 1 1 " "0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef\"], \"exact\": true}], "
    "\"absent\": [{\"name\": \"_443._tcp.www." APEX "\", "
    "\"type\": \"TLSA\", \"values\": []}]}";

static struct sslm_nscheck_zone	*zone;
static size_t			 nzone;
static ldns_rdf			*apex;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sslm_dns_nsopts	 o;
	json_error_t		 jerr;
	json_t			*j;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	memset(&o, 0, sizeof(o));
	o.family = AF_UNSPEC;
	o.port = 53;
	if ((j = json_loads(doc, 0, &jerr)) == NULL ||
	    (zone = sslm_nscheck_load(j, "fuzz.json", &o, &nzone)) == NULL ||
	    nzone != 1 || (zone->s = calloc(2, sizeof(*zone->s))) == NULL ||
	    (apex = ldns_dname_new_frm_str(APEX ".")) == NULL) {
		fprintf(stderr, "fuzz_dns: %s\n", fuzz_msg);
		abort();
	}
	json_decref(j);
	zone->ns = 2;			/* an NS server and an xtra_ns one */
	snprintf(zone->s[0].name, sizeof(zone->s[0].name), "ns1." APEX);
	snprintf(zone->s[1].name, sizeof(zone->s[1].name), "127.0.0.1");
	zone->s[1].xtra = 1;
	if ((zone->s[0].missing = json_array()) == NULL ||
	    (zone->s[0].unexpected = json_array()) == NULL ||
	    (zone->s[1].missing = json_array()) == NULL ||
	    (zone->s[1].unexpected = json_array()) == NULL)
		abort();
	return 0;
}

/* q (qname, qtype set) as sent with the id of the message m. */
static void
ask(struct sslm_dnsq *q, const uint8_t *m, size_t len)
{
	q->fd = -1;
	q->state = Q_TCP_BODY;
	q->id = len >= 2 ? (uint16_t)(m[0] << 8 | m[1]) : 0;
	q_answer(q, m, len, 0, 1000);
	fuzz_assert(q->state == Q_DONE);
	fuzz_assert((q->ans != NULL) != (q->err[0] != '\0'));
	if (q->ans != NULL)
		fuzz_assert(ldns_pkt_id(q->ans) == q->id && ldns_pkt_qr(q->ans));
	fuzz_msg_ok();
}

/* What sslm_dns_zone_servers takes from an NS answer. */
static void
ns_answer(const ldns_pkt *p)
{
	struct sslm_dns_srv	 addrs[MAX_ADDRS];
	ldns_rr			*rr;
	char			 name[256];
	size_t			 i = 0, n = 0;

	while ((rr = sslm_dns_next(ldns_pkt_answer(p), apex,
	    LDNS_RR_TYPE_NS, &i)) != NULL) {
		if (ldns_rr_rd_count(rr) != 1 ||
		    sslm_dns_dname(ldns_rr_rdf(rr, 0), name,
		    sizeof(name)) == -1 || !sslm_valid_hostname(name, 0))
			continue;
		fuzz_assert(strlen(name) < sizeof(name));
		sslm_dns_addrs(ldns_pkt_additional(p), ldns_rr_rdf(rr, 0), 53,
		    AF_UNSPEC, addrs, MAX_ADDRS, &n);
		fuzz_assert(n <= MAX_ADDRS);
	}
	fuzz_msg_ok();
}

/* Every value of a report list is printable. */
static void
list_ok(const json_t *l)
{
	const unsigned char	*v;
	size_t			 i;

	for (i = 0; i < json_array_size(l); i++) {
		v = (const unsigned char *)json_string_value(json_object_get(
		    json_array_get(l, i), "value"));
		fuzz_assert(v != NULL);
		for (; *v != '\0'; v++)
			fuzz_assert(*v >= 0x20 && *v < 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sslm_dnsq	 q;
	struct qref		 ref;
	json_t			*rep;
	size_t			 i, k;

	if (size > 65535)
		return 0;
	for (k = 0; k < zone->ns; k++) {
		zone->s[k].err[0] = '\0';
		zone->s[k].has_serial = 0;
		zone->s[k].records_ok = 1;
		json_array_clear(zone->s[k].missing);
		json_array_clear(zone->s[k].unexpected);
	}
	/* i == 0: the SOA; 1..nw: the wanted records; nw + 1: NS */
	for (i = 0; i <= zone->nw + 1; i++) {
		memset(&q, 0, sizeof(q));
		q.qname = i == 0 || i > zone->nw ? zone->apex :
		    zone->w[i - 1].name;
		q.qtype = i == 0 ? LDNS_RR_TYPE_SOA : i > zone->nw ?
		    LDNS_RR_TYPE_NS : zone->w[i - 1].type;
		ask(&q, data, size);
		if (q.ans == NULL)
			continue;
		if (i > zone->nw)
			ns_answer(q.ans);
		else
			for (k = 0; k < zone->ns; k++) {
				ref.z = zone;
				ref.s = &zone->s[k];
				ref.want = (int)i - 1;
				take_answer(&ref, &q);
				fuzz_msg_ok();
			}
		ldns_pkt_free(q.ans);
	}
	for (k = 0; k < zone->ns; k++) {
		list_ok(zone->s[k].missing);
		list_ok(zone->s[k].unexpected);
		for (i = 0; zone->s[k].err[i] != '\0'; i++)
			fuzz_assert((unsigned char)zone->s[k].err[i] >= 0x20);
	}
	fuzz_assert((rep = sslm_nscheck_json(zone, 5)) != NULL);
	json_decref(rep);
	return 0;
}
