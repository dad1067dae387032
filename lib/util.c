/* SPDX-License-Identifier: MIT */
/* util.c: messages, bounded file reading, JSON output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "sslm.h"

static const char *progname = "sslm";
/* Per thread: the batch of sslm-acme-order gives each order its own. */
static _Thread_local char *capbuf;	/* sslm_warn_capture: messages go here */
static _Thread_local size_t caplen;
static _Thread_local int nwarned;	/* messages written to the stream */
static _Thread_local FILE *warnfp;	/* NULL: stderr */

void
sslm_setprogname(const char *argv0)
{
	const char *p;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	progname = p != NULL ? p + 1 : argv0;
}

const char *
sslm_getprogname(void)
{
	return progname;
}

void
sslm_warn_to(FILE *fp)
{
	warnfp = fp;
}

FILE *
sslm_warn_stream(void)
{
	return warnfp != NULL ? warnfp : stderr;
}

void
sslm_warn_capture(char *buf, size_t len)
{
	capbuf = len > 0 ? buf : NULL;
	caplen = len;
	if (capbuf != NULL)
		capbuf[0] = '\0';
}

static void
vmsg(int with_errno, const char *fmt, va_list ap)
{
	FILE	*fp;
	int	 saved = errno;
	size_t	 n;

	if (capbuf != NULL) {
		(void)vsnprintf(capbuf, caplen, fmt, ap);
		n = strlen(capbuf);
		if (with_errno && n < caplen)
			(void)snprintf(capbuf + n, caplen - n, ": %s",
			    strerror(saved));
		errno = saved;
		return;
	}
	nwarned++;
	fp = sslm_warn_stream();
	fprintf(fp, "%s: ", progname);
	vfprintf(fp, fmt, ap);
	if (with_errno)
		fprintf(fp, ": %s", strerror(saved));
	fputc('\n', fp);
	errno = saved;
}

int
sslm_warned(void)
{
	return nwarned;
}

char *
sslm_msgstr(char *buf, size_t len, const char *s)
{
	size_t i;

	if (len == 0)
		return buf;
	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	buf[i] = '\0';
	return buf;
}

void
sslm_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void
sslm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
}

/*
 * The one bounded reader: all of path ("-" is stdin), at most max bytes,
 * into a single allocation of max + 1 bytes that is never reallocated (so
 * no copy of a secret is left in freed memory), NUL-terminated.  On error
 * "path: reason" goes to err and, with wipe, the buffer is cleansed.
 */
static char *
readbounded(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen, int wipe)
{
	char	*buf = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd = -1, rc = -1;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* One byte more than the limit tells an oversized file. */
	if ((buf = malloc(max + 2)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
	rc = 0;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	if (rc == -1 && buf != NULL) {
		if (wipe)
			OPENSSL_cleanse(buf, max + 2);
		free(buf);
		buf = NULL;
	}
	return buf;
}

char *
sslm_readfile_err(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	return readbounded(path, max, lenp, err, errlen, 0);
}

char *
sslm_readfile(const char *path, size_t max, size_t *lenp)
{
	char	 err[PATH_MAX + 64], *buf;

	if ((buf = readbounded(path, max, lenp, err, sizeof(err), 0)) == NULL)
		sslm_warnx("%s", err);
	return buf;
}

char *
sslm_readsecret(const char *path, size_t max, size_t *lenp)
{
	char	 err[PATH_MAX + 64], *buf;

	if ((buf = readbounded(path, max, lenp, err, sizeof(err), 1)) == NULL)
		sslm_warnx("%s", err);
	return buf;
}

void
sslm_freesecret(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

int
sslm_json_print(FILE *fp, const json_t *j, int pretty)
{
	size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);

	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dumpf(j, fp, flags) == -1 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

json_t *
sslm_json_readfile(const char *path, size_t max)
{
	json_error_t	 je;
	json_t		*j;
	char		*buf;
	size_t		 len;

	if ((buf = sslm_readfile(path, max, &len)) == NULL)
		return NULL;
	if ((j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		sslm_warnx("%s:%d:%d: %s", path, je.line, je.column, je.text);
	free(buf);
	return j;
}

int
sslm_flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		sslm_warn("stdout");
		return -1;
	}
	return 0;
}

int
sslm_version(void)
{
	printf("%s %s\n", progname, SSLM_VERSION);
	return sslm_flush_stdout() == 0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
}
