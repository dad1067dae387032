/* SPDX-License-Identifier: MIT */
/*
 * dns.c: DNS queries sent straight to named servers (never through the
 * system resolver), many in parallel: non-blocking UDP sockets and
 * poll(2), TCP when an answer is truncated, and the single TCP exchange
 * of an RFC 2136 update (signed in tsig.c).  ldns builds and parses the
 * messages; the sockets are ours.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "sslm.h"

#define DNS_MSG_MAX	65535	/* a DNS message, over UDP or TCP */

enum { Q_DONE, Q_UDP, Q_TCP_CONN, Q_TCP_WRITE, Q_TCP_LEN, Q_TCP_BODY };

int
sslm_dns_serial_ge(uint32_t a, uint32_t b)
{
	if (a == b)
		return 1;
	if (a - b == 0x80000000u)
		return 0;
	return (uint32_t)(a - b) < 0x80000000u;
}

static int
parse_port(const char *s, int *port)
{
	long	 v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

void
sslm_dns_server_raw(struct sslm_dns_srv *s, int af, const void *raw,
    int port)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&s->ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&s->ss;

	memset(s, 0, sizeof(*s));
	s->port = port;
	if (af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, raw, 4);
		s->sslen = sizeof(*s4);
		inet_ntop(AF_INET, raw, s->addr, sizeof(s->addr));
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, raw, 16);
		s->sslen = sizeof(*s6);
		inet_ntop(AF_INET6, raw, s->addr, sizeof(s->addr));
	}
}

int
sslm_dns_server(const char *spec, int defport, struct sslm_dns_srv *s,
    char *err, size_t errlen)
{
	char		 host[64];
	const char	*p, *portstr = NULL;
	unsigned char	 raw[16];
	size_t		 n;
	int		 port = defport;

	if (spec[0] == '[') {
		if ((p = strchr(spec, ']')) == NULL)
			goto bad;
		n = (size_t)(p - spec - 1);
		if (p[1] == ':')
			portstr = p + 2;
		else if (p[1] != '\0')
			goto bad;
		spec++;
	} else if ((p = strchr(spec, ':')) != NULL &&
	    strchr(p + 1, ':') == NULL) {
		n = (size_t)(p - spec);
		portstr = p + 1;
	} else
		n = strlen(spec);
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (portstr != NULL && parse_port(portstr, &port) == -1) {
		snprintf(err, errlen, "bad port");
		return -1;
	}
	if (inet_pton(AF_INET, host, raw) == 1)
		sslm_dns_server_raw(s, AF_INET, raw, port);
	else if (inet_pton(AF_INET6, host, raw) == 1)
		sslm_dns_server_raw(s, AF_INET6, raw, port);
	else
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "not an IP address with an optional port");
	return -1;
}

const char *
sslm_dns_server_str(const struct sslm_dns_srv *s, char *buf, size_t len)
{
	if (s->port == 53)
		snprintf(buf, len, "%s", s->addr);
	else
		snprintf(buf, len, "%s port %d", s->addr, s->port);
	return buf;
}

int
sslm_dns_valid_owner(const char *s)
{
	const char	*p = s, *dot;
	size_t		 i, n;

	if (strlen(s) > 253)
		return 0;
	/* Service labels (RFC 8552) come first: _25._tcp, _acme-challenge. */
	while (*p == '_') {
		if ((dot = strchr(p, '.')) == NULL)
			return 0;
		n = (size_t)(dot - p);
		if (n < 2 || n > 63 || p[n - 1] == '-')
			return 0;
		for (i = 1; i < n; i++)
			if (!isascii((unsigned char)p[i]) ||
			    (!isalnum((unsigned char)p[i]) && p[i] != '-'))
				return 0;
		p = dot + 1;
	}
	return sslm_valid_hostname(p, 0);
}

int
sslm_dns_dname(const struct ldns_struct_rdf *d, char *buf, size_t len)
{
	char	*s = NULL;
	size_t	 n, i;
	int	 rc = -1;

	if (d == NULL || ldns_rdf_get_type(d) != LDNS_RDF_TYPE_DNAME ||
	    (s = ldns_rdf2str(d)) == NULL)
		goto out;
	n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	if (n >= len)
		goto out;
	for (i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	if (!sslm_dns_valid_owner(buf))
		goto out;
	rc = 0;
out:
	free(s);
	return rc;
}

ldns_rr *
sslm_dns_next(const ldns_rr_list *l, const ldns_rdf *name, int type,
    size_t *i)
{
	ldns_rr	*rr;

	if (l == NULL)
		return NULL;
	while (*i < ldns_rr_list_rr_count(l)) {
		rr = ldns_rr_list_rr(l, (*i)++);
		if ((int)ldns_rr_get_type(rr) == type &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
		    ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
			return rr;
	}
	return NULL;
}

static void
q_close(struct sslm_dnsq *q)
{
	if (q->fd != -1)
		close(q->fd);
	q->fd = -1;
}

/* Finish q with an error. */
static void
q_fail(struct sslm_dnsq *q, const char *why)
{
	snprintf(q->err, sizeof(q->err), "%s", why);
	q_close(q);
	q->state = Q_DONE;
}

/* The wire form of the query, with a fresh random id. */
static int
q_build(struct sslm_dnsq *q)
{
	ldns_pkt	*p = NULL;
	ldns_rdf	*name;
	char		 fq[300];
	int		 rc = -1;

	snprintf(fq, sizeof(fq), "%s.", q->qname);
	if ((name = ldns_dname_new_frm_str(fq)) == NULL) {
		q_fail(q, "bad query name");
		return 0;
	}
	if ((p = ldns_pkt_query_new(name, (ldns_rr_type)q->qtype,
	    LDNS_RR_CLASS_IN, q->rd ? LDNS_RD : 0)) == NULL) {
		ldns_rdf_deep_free(name);
		goto out;
	}
	q->id = (uint16_t)arc4random_uniform(65536);
	ldns_pkt_set_id(p, q->id);
	ldns_pkt_set_edns_udp_size(p, SSLM_DNS_EDNS);
	/* RFC 6840 5.7, 4035 3.2.1: ask a validating resolver for AD. */
	if (q->dnssec) {
		ldns_pkt_set_edns_do(p, 1);
		ldns_pkt_set_ad(p, 1);
	}
	if (ldns_pkt2wire(&q->wire, p, &q->wlen) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		sslm_warnx("%s: cannot build a query: out of memory",
		    q->qname);
	ldns_pkt_free(p);
	return rc;
}

static int
q_socket(struct sslm_dnsq *q, int type)
{
	int	 fd;

	fd = socket(q->srv->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		q_fail(q, strerror(errno));
		return -1;
	}
	q->fd = fd;
	if (connect(fd, (const struct sockaddr *)&q->srv->ss,
	    q->srv->sslen) == -1 && errno != EINPROGRESS) {
		q_fail(q, strerror(errno));
		return -1;
	}
	return 0;
}

static void
q_udp_send(struct sslm_dnsq *q)
{
	if (send(q->fd, q->wire, q->wlen, 0) == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR)
		q_fail(q, errno == ECONNREFUSED ? "connection refused" :
		    strerror(errno));
}

static void
q_start_tcp(struct sslm_dnsq *q, long long now, int timeout_ms)
{
	q_close(q);
	q->tcp = 1;
	q->deadline = now + timeout_ms;
	if ((q->buf = malloc(2 + DNS_MSG_MAX)) == NULL) {
		q_fail(q, "out of memory");
		return;
	}
	q->buf[0] = (unsigned char)(q->wlen >> 8);
	q->buf[1] = (unsigned char)(q->wlen & 0xff);
	memcpy(q->buf + 2, q->wire, q->wlen);
	q->off = 0;
	q->need = q->wlen + 2;
	if (q_socket(q, SOCK_STREAM) == 0)
		q->state = Q_TCP_CONN;
}

/*
 * Look at a message received for q.  Over UDP a message that does not
 * match the query is ignored (it may be forged or stale); over TCP it
 * ends the query.
 */
static void
q_answer(struct sslm_dnsq *q, const unsigned char *m, size_t len,
    long long now, int timeout_ms)
{
	ldns_pkt		*p = NULL;
	ldns_rr_list		*ql;
	ldns_rr			*qr;
	ldns_rdf		*name = NULL;
	ldns_lookup_table	*lt;
	char			 fq[300], why[64];
	int			 rcode, match = 0;

	if (ldns_wire2pkt(&p, m, len) != LDNS_STATUS_OK) {
		p = NULL;
		goto mismatch;
	}
	snprintf(fq, sizeof(fq), "%s.", q->qname);
	name = ldns_dname_new_frm_str(fq);
	ql = ldns_pkt_question(p);
	if (name != NULL && ldns_pkt_id(p) == q->id && ldns_pkt_qr(p) &&
	    ldns_pkt_get_opcode(p) == LDNS_PACKET_QUERY && ql != NULL &&
	    ldns_rr_list_rr_count(ql) == 1) {
		qr = ldns_rr_list_rr(ql, 0);
		match = (int)ldns_rr_get_type(qr) == q->qtype &&
		    ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN &&
		    ldns_dname_compare(ldns_rr_owner(qr), name) == 0;
	}
	ldns_rdf_deep_free(name);
	if (!match)
		goto mismatch;
	if (ldns_pkt_tc(p)) {
		ldns_pkt_free(p);
		if (q->state == Q_UDP)
			q_start_tcp(q, now, timeout_ms);
		else
			q_fail(q, "truncated answer over tcp");
		return;
	}
	rcode = ldns_pkt_get_rcode(p);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		lt = ldns_lookup_by_id(ldns_rcodes, rcode);
		if (lt != NULL)
			snprintf(why, sizeof(why), "rcode %s", lt->name);
		else
			snprintf(why, sizeof(why), "rcode %d", rcode);
		ldns_pkt_free(p);
		q_fail(q, why);
		return;
	}
	q->ans = p;
	q_close(q);
	q->state = Q_DONE;
	return;
mismatch:
	ldns_pkt_free(p);
	if (q->state != Q_UDP)
		q_fail(q, "malformed or mismatched answer");
	else
		q->ignored++;
}

/* q's socket is ready (revents): move its state machine on. */
static void
q_event(struct sslm_dnsq *q, short revents, unsigned char *ubuf,
    long long now, int timeout_ms)
{
	ssize_t	 r;
	int	 e = 0;
	socklen_t el = sizeof(e);

	switch (q->state) {
	case Q_UDP:
		r = recv(q->fd, ubuf, DNS_MSG_MAX, 0);
		if (r == -1) {
			if (errno == ECONNREFUSED)
				q_fail(q, "connection refused");
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				q_fail(q, strerror(errno));
			return;
		}
		q_answer(q, ubuf, (size_t)r, now, timeout_ms);
		return;
	case Q_TCP_CONN:
		if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1)
			e = errno;
		if (e != 0) {
			q_fail(q, e == ECONNREFUSED ? "connection refused" :
			    strerror(e));
			return;
		}
		q->state = Q_TCP_WRITE;
		/* FALLTHROUGH */
	case Q_TCP_WRITE:
		r = send(q->fd, q->buf + q->off, q->need - q->off,
		    MSG_NOSIGNAL);
		if (r == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				q_fail(q, strerror(errno));
			return;
		}
		q->off += (size_t)r;
		if (q->off == q->need) {
			q->state = Q_TCP_LEN;
			q->off = 0;
			q->need = 2;
		}
		return;
	case Q_TCP_LEN:
	case Q_TCP_BODY:
		r = recv(q->fd, q->buf + q->off, q->need - q->off, 0);
		if (r == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				q_fail(q, strerror(errno));
			return;
		}
		if (r == 0) {
			q_fail(q, "connection closed");
			return;
		}
		q->off += (size_t)r;
		if (q->off < q->need)
			return;
		if (q->state == Q_TCP_LEN) {
			q->need = (size_t)q->buf[0] << 8 | q->buf[1];
			q->off = 0;
			q->state = Q_TCP_BODY;
			if (q->need == 0)
				q_fail(q, "empty answer over tcp");
			return;
		}
		q_answer(q, q->buf, q->need, now, timeout_ms);
		return;
	default:
		(void)revents;
		return;
	}
}

static int
run_batch(struct sslm_dnsq *q, size_t n, int timeout_ms, unsigned char *ubuf)
{
	struct pollfd	 pfd[SSLM_DNS_MAXQ];
	size_t		 map[SSLM_DNS_MAXQ];
	size_t		 i, np;
	long long	 now, wake;
	int		 wait, step = timeout_ms / 3;

	now = sslm_now_ms();
	for (i = 0; i < n; i++) {
		if (q_build(&q[i]) == -1)
			return -1;
		if (q[i].wire == NULL || q_socket(&q[i], SOCK_DGRAM) == -1)
			continue;
		q[i].state = Q_UDP;
		q[i].ignored = 0;
		q[i].deadline = now + timeout_ms;
		q[i].resend = step > 0 ? now + step : q[i].deadline;
		q_udp_send(&q[i]);
	}
	for (;;) {
		np = 0;
		wake = -1;
		for (i = 0; i < n; i++) {
			if (q[i].state == Q_DONE)
				continue;
			pfd[np].fd = q[i].fd;
			pfd[np].events = q[i].state == Q_TCP_CONN ||
			    q[i].state == Q_TCP_WRITE ? POLLOUT : POLLIN;
			pfd[np].revents = 0;
			map[np++] = i;
			if (wake == -1 || q[i].deadline < wake)
				wake = q[i].deadline;
			if (q[i].state == Q_UDP && q[i].resend < wake)
				wake = q[i].resend;
		}
		if (np == 0)
			break;
		now = sslm_now_ms();
		wait = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, np, wait) == -1 && errno != EINTR) {
			sslm_warn("poll");
			return -1;
		}
		now = sslm_now_ms();
		for (i = 0; i < np; i++) {
			struct sslm_dnsq *x = &q[map[i]];

			if (pfd[i].revents != 0)
				q_event(x, pfd[i].revents, ubuf, now,
				    timeout_ms);
			if (x->state == Q_DONE)
				continue;
			if (now >= x->deadline)
				q_fail(x, x->ignored == 0 ? "timeout" :
				    "timeout, only malformed or mismatched "
				    "answers");
			else if (x->state == Q_UDP && now >= x->resend) {
				x->resend += step;
				if (x->resend >= x->deadline)
					x->resend = x->deadline;
				q_udp_send(x);
			}
		}
	}
	return 0;
}

int
sslm_dns_run(struct sslm_dnsq *q, size_t n, int timeout_ms)
{
	unsigned char	*ubuf;
	size_t		 i, k;
	int		 rc = 0;

	for (i = 0; i < n; i++) {
		q[i].ans = NULL;
		q[i].err[0] = '\0';
		q[i].tcp = 0;
		q[i].fd = -1;
		q[i].state = Q_DONE;
		q[i].wire = NULL;
		q[i].buf = NULL;
	}
	if ((ubuf = malloc(DNS_MSG_MAX)) == NULL) {
		sslm_warn("dns");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i += k) {
		k = n - i < SSLM_DNS_MAXQ ? n - i : SSLM_DNS_MAXQ;
		rc = run_batch(q + i, k, timeout_ms, ubuf);
	}
	for (i = 0; i < n; i++) {
		q_close(&q[i]);
		free(q[i].wire);
		free(q[i].buf);
		q[i].wire = q[i].buf = NULL;
		if (rc == -1) {
			ldns_pkt_free(q[i].ans);
			q[i].ans = NULL;
		}
	}
	free(ubuf);
	return rc;
}

int
sslm_dns_name_norm(char *dst, size_t len, const char *src)
{
	size_t	 i, n = strlen(src);

	if (n > 0 && src[n - 1] == '.')
		n--;
	if (n >= len)
		return -1;
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[n] = '\0';
	return 0;
}

int
sslm_dns_in_zone(const char *name, const char *apex)
{
	size_t	 n = strlen(name), a = strlen(apex);

	if (n == a)
		return strcasecmp(name, apex) == 0;
	return n > a && name[n - a - 1] == '.' &&
	    strcasecmp(name + n - a, apex) == 0;
}

char *
sslm_dns_tlsa_norm(const char *v)
{
	char		*out = NULL, *h;
	const char	*p = v;
	long		 f[3];
	size_t		 i, n = 0;

	for (i = 0; i < 3; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			return NULL;
		f[i] = 0;
		while (isdigit((unsigned char)*p) && f[i] < 1000)
			f[i] = f[i] * 10 + (*p++ - '0');
		if (f[i] > 255 || (*p != ' ' && *p != '\t'))
			return NULL;
	}
	if ((out = malloc(strlen(v) + 16)) == NULL)
		return NULL;
	h = out + snprintf(out, 16, "%ld %ld %ld ", f[0], f[1], f[2]);
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (!isxdigit((unsigned char)*p))
			goto bad;
		h[n++] = (char)tolower((unsigned char)*p);
	}
	h[n] = '\0';
	if (n == 0 || n % 2 != 0)
		goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

char *
sslm_dns_rr_value(const ldns_rr *rr, size_t *len)
{
	ldns_rdf	*d;
	char		*v, *hex;
	size_t		 i, n = 0, sz;

	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TLSA) {
		if (ldns_rr_rd_count(rr) != 4)
			return NULL;
		for (i = 0; i < 3; i++)
			if (ldns_rdf_size(ldns_rr_rdf(rr, i)) != 1)
				return NULL;
		d = ldns_rr_rdf(rr, 3);
		if ((hex = sslm_hex(ldns_rdf_data(d), ldns_rdf_size(d))) ==
		    NULL)
			return NULL;
		sz = strlen(hex) + 16;
		if ((v = malloc(sz)) != NULL)
			*len = (size_t)snprintf(v, sz, "%u %u %u %s",
			    ldns_rdf_data(ldns_rr_rdf(rr, 0))[0],
			    ldns_rdf_data(ldns_rr_rdf(rr, 1))[0],
			    ldns_rdf_data(ldns_rr_rdf(rr, 2))[0], hex);
		free(hex);
		return v;
	}
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
		return NULL;
	for (i = 0; i < ldns_rr_rd_count(rr); i++)
		n += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if ((v = malloc(n + 1)) == NULL)
		return NULL;
	n = 0;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		d = ldns_rr_rdf(rr, i);
		sz = ldns_rdf_size(d);
		/* A character-string: its length byte, then the bytes. */
		if (sz == 0 || ldns_rdf_data(d)[0] != sz - 1) {
			free(v);
			return NULL;
		}
		memcpy(v + n, ldns_rdf_data(d) + 1, sz - 1);
		n += sz - 1;
	}
	v[n] = '\0';
	*len = n;
	return v;
}

char *
sslm_dns_printable(const char *v, size_t len)
{
	char	*o, *p;
	size_t	 i;

	if ((o = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (p = o, i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c >= 0x7f)
			p += sprintf(p, "\\%03u", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return o;
}

int
sslm_dns_soa_serial(const ldns_pkt *p, const ldns_rdf *apex,
    uint32_t *serial)
{
	ldns_rr	*rr;
	size_t	 i = 0;

	rr = sslm_dns_next(ldns_pkt_answer(p), apex, LDNS_RR_TYPE_SOA, &i);
	if (rr == NULL || ldns_rr_rd_count(rr) < 3 ||
	    ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 4)
		return -1;
	*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
	return 0;
}

void
sslm_dns_addrs(const ldns_rr_list *l, const ldns_rdf *name, int port,
    int family, struct sslm_dns_srv *out, size_t max, size_t *n)
{
	static const int types[2] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
	struct sslm_dns_srv a;
	ldns_rr		*rr;
	ldns_rdf	*d;
	size_t		 i, k, t;
	int		 af;

	for (t = 0; t < 2; t++) {
		af = t ? AF_INET6 : AF_INET;
		i = 0;
		while ((rr = sslm_dns_next(l, name, types[t], &i)) != NULL) {
			d = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) :
			    NULL;
			if (d == NULL || ldns_rdf_size(d) != (t ? 16 : 4) ||
			    (family != 0 && family != af))
				continue;
			sslm_dns_server_raw(&a, af, ldns_rdf_data(d), port);
			for (k = 0; k < *n; k++)
				if (strcmp(out[k].addr, a.addr) == 0)
					break;
			if (k == *n && *n < max)
				out[(*n)++] = a;
		}
	}
}

int
sslm_dns_sysresolve(const char *host, int port, int family,
    struct sslm_dns_srv *out, size_t max, size_t *n)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	if ((e = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		/* The same words as an empty answer: the name has none. */
		if (e == EAI_NONAME || e == EAI_NODATA)
			sslm_warnx("%s: no address", host);
		else
			sslm_warnx("%s: %s", host, gai_strerror(e));
		return -1;
	}
	*n = 0;
	for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			sslm_dns_server_raw(&out[(*n)++], AF_INET,
			    &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
			    port);
		else if (ai->ai_family == AF_INET6)
			sslm_dns_server_raw(&out[(*n)++], AF_INET6,
			    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			    port);
	}
	freeaddrinfo(res);
	if (*n == 0) {
		sslm_warnx("%s: no address", host);
		return -1;
	}
	return 0;
}

/* ---- one TCP exchange (the updates of sslm-dnsupdate) ---------------- */

int
sslm_dns_tcp_exchange(const struct sslm_dns_srv *s, const unsigned char *msg,
    size_t len, int timeout_ms, unsigned char **ans, size_t *anslen,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	unsigned char	*out = NULL, *buf = NULL;
	unsigned char	 hdr[2];
	size_t		 off = 0, need;
	long long	 deadline;
	socklen_t	 el = sizeof(int);
	ssize_t		 r;
	int		 fd = -1, e = 0, phase = 0, rc = -1;

	*ans = NULL;
	*anslen = 0;
	if (len == 0 || len > DNS_MSG_MAX) {
		snprintf(err, errlen, "message too large");
		return -1;
	}
	deadline = sslm_now_ms() + timeout_ms;
	if ((out = malloc(len + 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	out[0] = (unsigned char)(len >> 8);
	out[1] = (unsigned char)(len & 0xff);
	memcpy(out + 2, msg, len);
	need = len + 2;
	fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (connect(fd, (const struct sockaddr *)&s->ss, s->sslen) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(err, errlen, "%s", errno == ECONNREFUSED ?
		    "connection refused" : strerror(errno));
		goto out;
	}
	/* phase 0: connect, 1: write, 2: read the length, 3: the body */
	for (;;) {
		long long now = sslm_now_ms();

		if (now >= deadline) {
			snprintf(err, errlen, "timeout");
			goto out;
		}
		pfd.fd = fd;
		pfd.events = phase < 2 ? POLLOUT : POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		if (pfd.revents == 0)
			continue;
		if (phase == 0) {
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1)
				e = errno;
			if (e != 0) {
				snprintf(err, errlen, "%s", e == ECONNREFUSED ?
				    "connection refused" : strerror(e));
				goto out;
			}
			phase = 1;
		}
		if (phase == 1) {
			r = send(fd, out + off, need - off, MSG_NOSIGNAL);
			if (r == -1) {
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR)
					continue;
				snprintf(err, errlen, "%s", strerror(errno));
				goto out;
			}
			off += (size_t)r;
			if (off == need) {
				phase = 2;
				off = 0;
				need = 2;
			}
			continue;
		}
		r = recv(fd, phase == 2 ? hdr + off : buf + off, need - off, 0);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			snprintf(err, errlen, "%s", errno == ECONNRESET ?
			    "connection reset" : strerror(errno));
			goto out;
		}
		if (r == 0) {
			snprintf(err, errlen, "connection closed");
			goto out;
		}
		off += (size_t)r;
		if (off < need)
			continue;
		if (phase == 3)
			break;
		need = (size_t)hdr[0] << 8 | hdr[1];
		if (need < 12) {
			snprintf(err, errlen, "malformed answer");
			goto out;
		}
		if ((buf = malloc(need)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		off = 0;
		phase = 3;
	}
	*ans = buf;
	*anslen = need;
	buf = NULL;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(out);
	free(buf);
	return rc;
}
