/* SPDX-License-Identifier: MIT */
/*
 * names.c: syntax checks for every name that comes from configuration or
 * the command line before sh puts it into a path or a command.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "sslm.h"

int
sslm_valid_filename(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return strstr(s, "..") == NULL;
}

static int
ldh_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isascii(c) || (!isalnum(c) && c != '-'))
			return 0;
	}
	return 1;
}

int
sslm_valid_hostname(const char *s, int wildcard)
{
	const char	*p, *dot;
	size_t		 n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	p = s;
	if (wildcard && strncmp(s, "*.", 2) == 0)
		p = s + 2;
	for (;;) {
		dot = strchr(p, '.');
		if (!ldh_label(p, dot ? (size_t)(dot - p) : strlen(p)))
			return 0;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	/* An all-numeric last label would be read as an address. */
	p = strrchr(s, '.');
	p = p ? p + 1 : s;
	return strspn(p, "0123456789") != strlen(p);
}

int
sslm_ip_literal(const char *s)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return 6;
	return 0;
}

int
sslm_valid_host(const char *s)
{
	return sslm_ip_literal(s) != 0 || sslm_valid_hostname(s, 0);
}

int
sslm_hostport(const char *arg, size_t len, char *host, size_t hostlen,
    int *port)
{
	const char	*p, *h = arg, *end = arg + len;
	char		 num[8];
	long long	 v;
	size_t		 n;

	if (len > 0 && arg[0] == '[') {
		if ((p = memchr(arg, ']', len)) == NULL || p + 1 >= end ||
		    p[1] != ':')
			return -1;
		h = arg + 1;
		n = (size_t)(p - h);
		p++;
	} else {
		for (p = end; p > arg && p[-1] != ':'; p--)
			;
		if (p == arg)
			return -1;
		p--;
		if (memchr(arg, ':', (size_t)(p - arg)) != NULL)
			return -1;
		n = (size_t)(p - arg);
	}
	if (n == 0 || n >= hostlen || (size_t)(end - p - 1) >= sizeof(num) ||
	    end - p - 1 == 0)
		return -1;
	memcpy(num, p + 1, (size_t)(end - p - 1));
	num[end - p - 1] = '\0';
	if (sslm_strtonum(num, 1, 65535, &v) == -1)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (sslm_dns_name_norm(host, hostlen, host) == -1 ||
	    !sslm_valid_host(host) ||
	    (arg[0] == '[') != (sslm_ip_literal(host) == 6))
		return -1;
	*port = (int)v;
	return 0;
}

int
sslm_no_ctrl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}
