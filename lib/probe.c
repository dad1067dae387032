/* SPDX-License-Identifier: MIT */
/*
 * probe.c: what one TLS server presents (sslm-probe).  A TCP connection
 * bounded by a deadline, the STARTTLS dialogue of SMTP, IMAP or POP3
 * with bounded lines, a TLS handshake with SNI and, when TLSA records
 * are given, DANE (OpenSSL matches them), then the PKIX verdict of the
 * presented chain for the name; and the TLSA RRset of a name through a
 * validating resolver.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "sslm.h"

/* Bounds of the plaintext dialogue. */
#define LINE_MAX_	1000	/* bytes of one reply line (RFC 5321: 512) */
#define LINES_MAX	100	/* lines of one reply */
/* What a failed reply shows of itself. */
#define SHOW_MAX	80

static const char *const proto_names[] = { "none", "smtp", "imap", "pop3" };

int
sslm_starttls_proto(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strcmp(name, proto_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sslm_starttls_name(int proto)
{
	if (proto < 0 || proto > SSLM_STARTTLS_POP3)
		return "?";
	return proto_names[proto];
}

int
sslm_starttls_default(int port)
{
	switch (port) {
	case 25:
	case 587:
		return SSLM_STARTTLS_SMTP;
	case 143:
		return SSLM_STARTTLS_IMAP;
	case 110:
		return SSLM_STARTTLS_POP3;
	default:
		return SSLM_STARTTLS_NONE;
	}
}

int
sslm_tlsa_usable(int usage, int selector, int mtype, int smtp)
{
	if (usage < 0 || usage > 3 || selector < 0 || selector > 1 ||
	    mtype < 0 || mtype > 2)
		return 0;
	/* RFC 7672 3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP. */
	if (smtp && usage < 2)
		return 0;
	return 1;
}

/* ---- the connection, its deadline ---------------------------------- */

struct conn {
	int		 fd;
	long long	 deadline;	/* sslm_now_ms */
	char		 buf[LINE_MAX_ + 2];
	size_t		 len;		/* bytes in buf */
	char		*err;
	size_t		 errlen;
};

static int
fail(struct conn *c, const char *fmt, const char *arg)
{
	snprintf(c->err, c->errlen, fmt, arg);
	return -1;
}

/* Wait for events on c->fd until the deadline.  1 ready, 0 timeout, -1. */
static int
wait_fd(struct conn *c, short events)
{
	struct pollfd	 p;
	long long	 left;
	int		 r;

	for (;;) {
		if ((left = c->deadline - sslm_now_ms()) <= 0)
			return 0;
		p.fd = c->fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, left > 86400000 ? 86400000 : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		return r > 0 ? 1 : 0;
	}
}

static int
conn_open(struct conn *c, const struct sslm_dns_srv *a)
{
	socklen_t	 len = sizeof(int);
	int		 e = 0, r;

	c->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return fail(c, "socket: %s", strerror(errno));
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->sslen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return fail(c, "connect: %s", strerror(errno));
	if ((r = wait_fd(c, POLLOUT)) == 0)
		return fail(c, "connect: %s", "timeout");
	if (r == -1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return fail(c, "connect: %s", strerror(errno));
	if (e != 0)
		return fail(c, "connect: %s", strerror(e));
	return 0;
}

static int
send_line(struct conn *c, const char *line)
{
	size_t	 off = 0, n = strlen(line);
	ssize_t	 w;
	int	 r;

	while (off < n) {
		w = send(c->fd, line + off, n - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			return fail(c, "send: %s", strerror(errno));
		if ((r = wait_fd(c, POLLOUT)) <= 0)
			return fail(c, "send: %s", r == 0 ? "timeout" :
			    strerror(errno));
	}
	return 0;
}

/*
 * One reply line without its CRLF into line (LINE_MAX_ + 1 bytes), read
 * byte by byte ahead of nothing: whatever follows the line stays in the
 * socket, so that no plaintext is taken for TLS (or the reverse).
 */
static int
read_line(struct conn *c, char *line)
{
	ssize_t	 r;
	char	 ch;
	int	 w;

	c->len = 0;
	for (;;) {
		r = recv(c->fd, &ch, 1, 0);
		if (r == 1) {
			if (ch == '\n')
				break;
			if (c->len >= LINE_MAX_)
				return fail(c, "reply line longer than %s bytes",
				    "1000");
			c->buf[c->len++] = ch;
			continue;
		}
		if (r == 0)
			return fail(c, "%s", c->len > 0 ?
			    "connection closed inside a reply line" :
			    "connection closed before the reply");
		if (errno != EAGAIN && errno != EINTR)
			return fail(c, "recv: %s", strerror(errno));
		if ((w = wait_fd(c, POLLIN)) <= 0)
			return fail(c, "%s", w == 0 ?
			    "timeout waiting for a reply" : strerror(errno));
	}
	if (c->len > 0 && c->buf[c->len - 1] == '\r')
		c->len--;
	memcpy(line, c->buf, c->len);
	line[c->len] = '\0';
	return 0;
}

/* "what: <reply, printable, cut>" into the error. */
static int
bad_reply(struct conn *c, const char *what, const char *line)
{
	char	*p;
	size_t	 n = strlen(line);

	p = sslm_dns_printable(line, n > SHOW_MAX ? SHOW_MAX : n);
	snprintf(c->err, c->errlen, "%s: \"%s%s\"", what, p != NULL ? p : "",
	    n > SHOW_MAX ? "..." : "");
	free(p);
	return -1;
}

/*
 * A whole SMTP reply (RFC 5321 4.2: "ddd-" continues, "ddd " ends);
 * code is its three digits.  With starttls set, *starttls tells whether
 * a line announced STARTTLS (EHLO keywords).  The last line stays in
 * line.
 */
static int
smtp_reply(struct conn *c, char *line, const char *what, int *code,
    int *starttls)
{
	int	 i;

	for (i = 0; i < LINES_MAX; i++) {
		if (read_line(c, line) == -1)
			return -1;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (line[3] != '\0' && line[3] != ' ' &&
		    line[3] != '-'))
			return bad_reply(c, what, line);
		*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (starttls != NULL && strncasecmp(line + 4, "STARTTLS", 8) ==
		    0 && (line[12] == '\0' || line[12] == ' '))
			*starttls = 1;
		if (line[3] != '-')
			return 0;
	}
	return fail(c, "%s: more than 100 reply lines", what);
}

static int
smtp_starttls(struct conn *c, char *line)
{
	int	 code, tls = 0;

	if (smtp_reply(c, line, "greeting", &code, NULL) == -1)
		return -1;
	if (code != 220)
		return bad_reply(c, "greeting", line);
	if (send_line(c, "EHLO sslm-probe.invalid\r\n") == -1 ||
	    smtp_reply(c, line, "EHLO reply", &code, &tls) == -1)
		return -1;
	if (code != 250)
		return bad_reply(c, "EHLO reply", line);
	if (!tls)
		return fail(c, "%s", "no STARTTLS in the EHLO reply");
	if (send_line(c, "STARTTLS\r\n") == -1 ||
	    smtp_reply(c, line, "STARTTLS reply", &code, NULL) == -1)
		return -1;
	if (code != 220)
		return bad_reply(c, "STARTTLS reply", line);
	return 0;
}

/* IMAP (RFC 9051): untagged lines until "a001 OK". */
static int
imap_starttls(struct conn *c, char *line)
{
	int	 i;

	if (read_line(c, line) == -1)
		return -1;
	if (strncasecmp(line, "* OK", 4) != 0)
		return bad_reply(c, "greeting", line);
	if (send_line(c, "a001 STARTTLS\r\n") == -1)
		return -1;
	for (i = 0; i < LINES_MAX; i++) {
		if (read_line(c, line) == -1)
			return -1;
		if (strncmp(line, "* ", 2) == 0)
			continue;
		if (strncasecmp(line, "a001 OK", 7) == 0 &&
		    (line[7] == '\0' || line[7] == ' '))
			return 0;
		return bad_reply(c, "STARTTLS reply", line);
	}
	return fail(c, "%s", "STARTTLS reply: more than 100 untagged lines");
}

/* POP3 (RFC 2595 4): "+OK" greeting, STLS, "+OK". */
static int
pop3_starttls(struct conn *c, char *line)
{
	if (read_line(c, line) == -1)
		return -1;
	if (strncmp(line, "+OK", 3) != 0)
		return bad_reply(c, "greeting", line);
	if (send_line(c, "STLS\r\n") == -1 || read_line(c, line) == -1)
		return -1;
	if (strncmp(line, "+OK", 3) != 0)
		return bad_reply(c, "STLS reply", line);
	return 0;
}

/* The plaintext dialogue; then nothing may wait in the socket. */
static int
starttls(struct conn *c, int proto)
{
	char	 line[LINE_MAX_ + 1], ch;
	int	 rc;

	switch (proto) {
	case SSLM_STARTTLS_SMTP:
		rc = smtp_starttls(c, line);
		break;
	case SSLM_STARTTLS_IMAP:
		rc = imap_starttls(c, line);
		break;
	case SSLM_STARTTLS_POP3:
		rc = pop3_starttls(c, line);
		break;
	default:
		return 0;
	}
	if (rc == -1)
		return -1;
	/* Plaintext after the go-ahead would be read as TLS: injection. */
	if (recv(c->fd, &ch, 1, MSG_PEEK) == 1)
		return fail(c, "%s", "plaintext after the STARTTLS go-ahead");
	return 0;
}

/* ---- TLS -------------------------------------------------------------- */

static int
handshake(struct conn *c, SSL *ssl)
{
	int	 r, e, w;

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(ssl)) == 1)
			return 0;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			w = wait_fd(c, POLLIN);
		else if (e == SSL_ERROR_WANT_WRITE)
			w = wait_fd(c, POLLOUT);
		else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			return fail(c, "TLS handshake: %s", r == 0 ||
			    errno == 0 ? "connection closed" :
			    strerror(errno));
		else
			return fail(c, "TLS handshake: %s",
			    sslm_ossl_reason());
		if (w <= 0)
			return fail(c, "TLS handshake: %s", w == 0 ?
			    "timeout" : strerror(errno));
	}
}

/* The PKIX verdict of leaf + chain against store for host. */
static void
pkix_check(const struct sslm_probe_req *q, X509 *leaf,
    STACK_OF(X509) *chain, struct sslm_probe_res *r)
{
	X509_STORE_CTX		*ctx;
	X509_VERIFY_PARAM	*vp;
	int			 ok;

	r->pkix_ok = 0;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, q->store, leaf, chain)) {
		snprintf(r->pkix_err, sizeof(r->pkix_err), "%s",
		    sslm_ossl_reason());
		X509_STORE_CTX_free(ctx);
		return;
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
	if (sslm_ip_literal(q->host) != 0)
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, q->host);
	else
		ok = X509_VERIFY_PARAM_set1_host(vp, q->host, 0);
	if (ok && X509_verify_cert(ctx) == 1)
		r->pkix_ok = 1;
	else
		snprintf(r->pkix_err, sizeof(r->pkix_err), "%s", ok ?
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)) : "bad reference name");
	X509_STORE_CTX_free(ctx);
}

/* DANE through OpenSSL: the records, the reference name, no EE names. */
static int
dane_setup(const struct sslm_probe_req *q, SSL *ssl, struct conn *c)
{
	size_t	 i;
	int	 n = 0;

	/* RFC 7672 3.2.3: a DANE-TA(2) chain may name the TLSA base domain
	 * or the host (the original name of a CNAME'd one). */
	if (SSL_dane_enable(ssl, q->base != NULL ? q->base : q->host) <= 0 ||
	    (q->base != NULL && !SSL_add1_host(ssl, q->host)))
		return fail(c, "DANE: %s", sslm_ossl_reason());
	/* RFC 7671 5.1: a DANE-EE(3) match ignores names (and expiry). */
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < q->ntlsa; i++)
		if (SSL_dane_tlsa_add(ssl, q->tlsa[i].usage,
		    q->tlsa[i].selector, q->tlsa[i].mtype, q->tlsa[i].data,
		    q->tlsa[i].len) > 0)
			n++;
	ERR_clear_error();
	return n;
}

/* Which of q->tlsa OpenSSL matched, or -1. */
static int
dane_which(const struct sslm_probe_req *q, SSL *ssl)
{
	const unsigned char	*d;
	uint8_t			 u, s, m;
	size_t			 dl, i;

	if (SSL_get0_dane_tlsa(ssl, &u, &s, &m, &d, &dl) < 0)
		return -1;
	for (i = 0; i < q->ntlsa; i++)
		if (q->tlsa[i].usage == u && q->tlsa[i].selector == s &&
		    q->tlsa[i].mtype == m && q->tlsa[i].len == dl &&
		    memcmp(q->tlsa[i].data, d, dl) == 0)
			return (int)i;
	return -1;
}

int
sslm_probe_run(SSL_CTX *sctx, const struct sslm_probe_req *q,
    struct sslm_probe_res *r)
{
	struct conn	 c;
	SSL		*ssl = NULL;
	STACK_OF(X509)	*sk;
	X509		*leaf;
	long		 vr;
	int		 nusable = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	r->dane_match = -1;
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.err = r->err;
	c.errlen = sizeof(r->err);
	c.deadline = sslm_now_ms() + q->timeout_ms;
	if (conn_open(&c, q->addr) == -1 || starttls(&c, q->proto) == -1)
		goto out;
	if ((ssl = SSL_new(sctx)) == NULL ||
	    !SSL_set_fd(ssl, c.fd) ||
	    (sslm_ip_literal(q->host) == 0 &&
	    !SSL_set_tlsext_host_name(ssl, (q->base != NULL ? q->base :
	    q->host)))) {
		fail(&c, "TLS: %s", sslm_ossl_reason());
		goto out;
	}
	if (q->ntlsa > 0 && (nusable = dane_setup(q, ssl, &c)) == -1)
		goto out;
	r->dane_usable = nusable;
	/* Every verdict is taken after the handshake: never abort it. */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (handshake(&c, ssl) == -1)
		goto out;
	if ((leaf = SSL_get1_peer_certificate(ssl)) == NULL) {
		fail(&c, "%s", "no certificate presented");
		goto out;
	}
	r->leaf = leaf;
	if ((sk = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    (r->chain = X509_chain_up_ref(sk)) == NULL) {
		fail(&c, "%s", "out of memory");
		goto out;
	}
	snprintf(r->version, sizeof(r->version), "%s", SSL_get_version(ssl));
	pkix_check(q, leaf, r->chain, r);
	if (nusable > 0) {
		vr = SSL_get_verify_result(ssl);
		if (vr == X509_V_OK && SSL_get0_dane_authority(ssl, NULL,
		    NULL) >= 0) {
			r->dane_ok = 1;
			r->dane_match = dane_which(q, ssl);
		} else
			snprintf(r->dane_err, sizeof(r->dane_err), "%s",
			    vr == X509_V_OK ? "no TLSA record matched" :
			    X509_verify_cert_error_string(vr));
	}
	/* A polite close; its result does not matter. */
	(void)SSL_shutdown(ssl);
	rc = 0;
out:
	SSL_free(ssl);
	if (c.fd != -1)
		close(c.fd);
	ERR_clear_error();
	return rc;
}

void
sslm_probe_res_free(struct sslm_probe_res *r)
{
	X509_free(r->leaf);
	sk_X509_pop_free(r->chain, X509_free);
	r->leaf = NULL;
	r->chain = NULL;
}

/* ---- TLSA through a validating resolver ------------------------------- */

static void
tlsa_free(struct sslm_probe_tlsa *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		free(t->rr[i].data);
	free(t->rr);
	t->rr = NULL;
	t->n = 0;
}

/*
 * The name whose TLSA records answer qname in p: qname, or the end of
 * the CNAME chain that starts at it in the answer section (at most
 * CNAME_HOPS links).  Records of any other owner are not the answer,
 * whatever the resolver put beside them.  A new rdf, or NULL.
 */
#define CNAME_HOPS	8

static ldns_rdf *
answer_owner(ldns_pkt *p, const char *qname)
{
	ldns_rr_list	*an = ldns_pkt_answer(p);
	ldns_rr		*rr;
	ldns_rdf	*cur, *next;
	size_t		 i, n = ldns_rr_list_rr_count(an);
	int		 hop;

	if (ldns_str2rdf_dname(&cur, qname) != LDNS_STATUS_OK)
		return NULL;
	for (hop = 0; hop < CNAME_HOPS; hop++) {
		next = NULL;
		for (i = 0; i < n && next == NULL; i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    ldns_rr_rd_count(rr) == 1 &&
			    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0)
				next = ldns_rr_rdf(rr, 0);
		}
		if (next == NULL)
			break;
		ldns_rdf_deep_free(cur);
		if ((cur = ldns_rdf_clone(next)) == NULL)
			return NULL;
	}
	return cur;
}

/* The TLSA records of p's answer section that answer qname into t. */
static int
tlsa_take(ldns_pkt *p, const char *qname, struct sslm_probe_tlsa *t)
{
	ldns_rr_list	*an = ldns_pkt_answer(p);
	ldns_rr		*rr;
	ldns_rdf	*d, *owner;
	size_t		 i, n = ldns_rr_list_rr_count(an);
	struct sslm_tlsa_rr *x;

	if ((owner = answer_owner(p, qname)) == NULL)
		return -1;
	if ((t->rr = calloc(n + 1, sizeof(*t->rr))) == NULL) {
		ldns_rdf_deep_free(owner);
		return -1;
	}
	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TLSA ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    ldns_rr_rd_count(rr) != 4 ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		x = &t->rr[t->n];
		x->usage = ldns_rdf2native_int8(ldns_rr_rdf(rr, 0));
		x->selector = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
		x->mtype = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
		d = ldns_rr_rdf(rr, 3);
		x->len = ldns_rdf_size(d);
		if ((x->data = malloc(x->len + 1)) == NULL) {
			ldns_rdf_deep_free(owner);
			return -1;
		}
		memcpy(x->data, ldns_rdf_data(d), x->len);
		t->n++;
	}
	ldns_rdf_deep_free(owner);
	return 0;
}

int
sslm_probe_tlsa(const struct sslm_dns_srv *res, const char *host, int port,
    int timeout_ms, struct sslm_probe_tlsa *t)
{
	struct sslm_dnsq	 q;
	char			 name[300];
	int			 rc = -1;

	memset(t, 0, sizeof(*t));
	if (snprintf(name, sizeof(name), "_%d._tcp.%s", port, host) >=
	    (int)sizeof(name)) {
		snprintf(t->err, sizeof(t->err), "name too long");
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.srv = res;
	q.qname = name;
	q.qtype = LDNS_RR_TYPE_TLSA;
	q.rd = 1;
	q.dnssec = 1;
	if (sslm_dns_run(&q, 1, timeout_ms) == -1)
		return -1;
	if (q.ans == NULL) {
		/* A validating resolver answers SERVFAIL for bogus data. */
		if (strcmp(q.err, "rcode SERVFAIL") == 0) {
			t->state = SSLM_TLSA_BOGUS;
			snprintf(t->err, sizeof(t->err), "%s: SERVFAIL "
			    "(bogus or unreachable)", name);
			return 0;
		}
		snprintf(t->err, sizeof(t->err), "%s: %s", name, q.err);
		return -1;
	}
	if (tlsa_take(q.ans, name, t) == -1) {
		snprintf(t->err, sizeof(t->err), "out of memory");
		tlsa_free(t);
		goto out;
	}
	t->secure = ldns_pkt_ad(q.ans);
	if (t->n == 0)
		t->state = SSLM_TLSA_NONE;
	else
		t->state = t->secure ? SSLM_TLSA_SECURE : SSLM_TLSA_INSECURE;
	rc = 0;
out:
	ldns_pkt_free(q.ans);
	return rc;
}

void
sslm_probe_tlsa_free(struct sslm_probe_tlsa *t)
{
	tlsa_free(t);
}

int
sslm_probe_addr_dnssec(const struct sslm_dns_srv *res, const char *host,
    int timeout_ms, struct sslm_probe_addr *st)
{
	struct sslm_dnsq	 q[3];
	ldns_rdf		*end = NULL, *h = NULL;
	ldns_rr_list		*an;
	ldns_rr			*rr;
	size_t			 i;
	int			 rc = -1, nq = 2;

	memset(st, 0, sizeof(*st));
	memset(q, 0, sizeof(q));
	for (i = 0; i < 3; i++) {
		q[i].srv = res;
		q[i].qname = host;
		q[i].rd = 1;
		q[i].dnssec = 1;
	}
	q[0].qtype = LDNS_RR_TYPE_A;
	q[1].qtype = LDNS_RR_TYPE_AAAA;
	q[2].qtype = LDNS_RR_TYPE_CNAME;
	if (sslm_dns_run(q, 2, timeout_ms) == -1) {
		snprintf(st->err, sizeof(st->err), "address lookup failed");
		return -1;
	}
	for (i = 0; i < 2; i++)
		if (q[i].ans == NULL) {
			snprintf(st->err, sizeof(st->err), "%s lookup: %.96s",
			    i == 0 ? "A" : "AAAA", q[i].err);
			/* A validating resolver's answer to bogus data. */
			if (strcmp(q[i].err, "rcode SERVFAIL") == 0) {
				st->bogus = 1;
				rc = 0;
			}
			goto out;
		}
	st->secure = ldns_pkt_ad(q[0].ans) && ldns_pkt_ad(q[1].ans);
	/* Where the chain ends (the same for A and AAAA). */
	if ((end = answer_owner(q[0].ans, host)) == NULL ||
	    ldns_str2rdf_dname(&h, host) != LDNS_STATUS_OK)
		goto oom;
	if (ldns_dname_compare(end, h) != 0) {
		st->cname = 1;
		if (sslm_dns_dname(end, st->expanded, sizeof(st->expanded)) ==
		    -1)
			st->expanded[0] = '\0';
	}
	st->first_secure = st->secure;
	if (!st->secure && st->cname) {
		/* An insecure chain may still start with a signed CNAME: ask
		 * for the CNAME itself, whose answer does not follow it. */
		nq = 3;
		if (sslm_dns_run(&q[2], 1, timeout_ms) == -1 ||
		    q[2].ans == NULL) {
			snprintf(st->err, sizeof(st->err), "CNAME lookup: %.96s",
			    q[2].err[0] != '\0' ? q[2].err : "failed");
			goto out;
		}
		an = ldns_pkt_answer(q[2].ans);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_dname_compare(ldns_rr_owner(rr), h) == 0)
				st->first_secure = ldns_pkt_ad(q[2].ans);
		}
	}
	rc = 0;
	goto out;
oom:
	snprintf(st->err, sizeof(st->err), "out of memory");
out:
	ldns_rdf_deep_free(end);
	ldns_rdf_deep_free(h);
	for (i = 0; i < (size_t)nq; i++)
		ldns_pkt_free(q[i].ans);
	return rc;
}

int
sslm_probe_resolve(const struct sslm_dns_srv *res, const char *host,
    int port, int timeout_ms, struct sslm_dns_srv *out, size_t max,
    size_t *n, char *err, size_t errlen)
{
	struct sslm_dnsq	 q[2];
	ldns_rr_list		*an;
	ldns_rr			*rr;
	ldns_rdf		*d;
	size_t			 i, j;
	int			 t;

	*n = 0;
	memset(q, 0, sizeof(q));
	for (i = 0; i < 2; i++) {
		q[i].srv = res;
		q[i].qname = host;
		q[i].qtype = i == 0 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
		q[i].rd = 1;
	}
	if (sslm_dns_run(q, 2, timeout_ms) == -1) {
		snprintf(err, errlen, "address lookup failed");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (q[i].ans == NULL) {
			snprintf(err, errlen, "%s lookup: %s", i == 0 ? "A" :
			    "AAAA", q[i].err);
			*n = 0;
			goto out;
		}
		/* Every address of the answer: the end of a CNAME chain. */
		an = ldns_pkt_answer(q[i].ans);
		for (j = 0; j < ldns_rr_list_rr_count(an) && *n < max; j++) {
			rr = ldns_rr_list_rr(an, j);
			t = (int)ldns_rr_get_type(rr);
			d = ldns_rr_rdf(rr, 0);
			if (d == NULL)
				continue;
			if (t == LDNS_RR_TYPE_A && ldns_rdf_size(d) == 4)
				sslm_dns_server_raw(&out[(*n)++], AF_INET,
				    ldns_rdf_data(d), port);
			else if (t == LDNS_RR_TYPE_AAAA &&
			    ldns_rdf_size(d) == 16)
				sslm_dns_server_raw(&out[(*n)++], AF_INET6,
				    ldns_rdf_data(d), port);
		}
	}
	if (*n == 0)
		snprintf(err, errlen, "no address");
out:
	for (i = 0; i < 2; i++)
		ldns_pkt_free(q[i].ans);
	return *n > 0 ? 0 : -1;
}
