/* SPDX-License-Identifier: MIT */
/*
 * file.c: crash-safe file writes.  A replaced file is written to a
 * temporary file in the same directory, fsynced and renamed over the old
 * one, then the directory is fsynced: a reader sees the old or the new
 * file, never a mix, and a crash never leaves a partial file under the
 * real name.  New secret files are created 0600 from the start.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sslm.h"

int
sslm_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
sslm_fsync_dir(const char *path)
{
	char	 dir[PATH_MAX], *slash;
	int	 fd, rc = 0;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1 && errno != EINVAL)
		rc = -1;
	close(fd);
	return rc;
}

int
sslm_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	char	tmp[PATH_MAX];
	int	fd = -1, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		sslm_warnx("%s: path too long", path);
		return -1;
	}
	/* mkstemp creates the file 0600: secrets are never readable. */
	if ((fd = mkstemp(tmp)) == -1) {
		sslm_warn("%s", tmp);
		return -1;
	}
	if (mode != 0600 && fchmod(fd, mode) == -1) {
		sslm_warn("%s", tmp);
		goto out;
	}
	if (sslm_write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		sslm_warn("%s", tmp);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		sslm_warn("%s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		sslm_warn("%s", path);
		goto out;
	}
	tmp[0] = '\0';
	if (sslm_fsync_dir(path) == -1) {
		sslm_warn("%s: fsync of its directory", path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

int
sslm_create_excl(const char *path, const void *buf, size_t len)
{
	int	fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		sslm_warn("%s", path);
		return -1;
	}
	if (sslm_write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		sslm_warn("%s", path);
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		sslm_warn("%s", path);
		goto out;
	}
	if (sslm_fsync_dir(path) == -1) {
		sslm_warn("%s: fsync of its directory", path);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		unlink(path);
	return rc;
}
