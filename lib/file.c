/* SPDX-License-Identifier: MIT */
/*
 * file.c: crash-safe file writes.  A replaced file is written to a
 * temporary file in the same directory, fsynced and renamed over the old
 * one, then the directory is fsynced: a reader sees the old or the new
 * file, never a mix, and a crash never leaves a partial file under the
 * real name.  New secret files are created 0600 from the start.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

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

/*
 * Files and directories relative to a directory fd.  Nothing here follows
 * a symbolic link below the directory it starts from, so a tree can be
 * read and replaced without ever leaving it.
 */

#define RMTREE_DEPTH	8	/* sslm_rmtree_at recursion bound */

/* The caller's hook before each change (a test kills the run there). */
#define STEP(f)		do { if ((f) != NULL) (f)(); } while (0)

void
sslm_fset_free(struct sslm_fset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->f[i].data != NULL)
			OPENSSL_cleanse(s->f[i].data, s->f[i].len);
		free(s->f[i].data);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}

static int
fbuf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sslm_fbuf *)a)->name,
	    ((const struct sslm_fbuf *)b)->name);
}

int
sslm_read_at(int dfd, const char *name, size_t max, struct sslm_fbuf *f)
{
	struct stat	 st;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd, rc = -1, saved;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	if ((f->data = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	/* One more byte than the size: a file that grew is noticed. */
	while (got <= (size_t)st.st_size) {
		r = read(fd, f->data + got, (size_t)st.st_size + 1 - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		errno = EAGAIN;
		goto out;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->len = got;
	f->mode = st.st_mode & 0777;
	f->mtime = st.st_mtim;
	rc = 0;
out:
	saved = errno;
	if (rc == -1 && f->data != NULL) {
		OPENSSL_cleanse(f->data, (size_t)st.st_size + 1);
		free(f->data);
		f->data = NULL;
	}
	close(fd);
	errno = saved;
	return rc;
}

int
sslm_fset_read(int dfd, const char *what, int strict, size_t maxn,
    size_t max, struct sslm_fset *s)
{
	DIR		*d = NULL;
	struct dirent	*de;
	struct sslm_fbuf *nf;
	int		 fd, rc = -1;

	memset(s, 0, sizeof(*s));
	s->present = 1;
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		sslm_warn("%s", what);
		goto out;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!sslm_valid_filename(de->d_name) || s->n >= maxn) {
			if (strict)
				sslm_warnx("%s/%s: unexpected entry", what,
				    de->d_name);
			goto bad;
		}
		if ((nf = reallocarray(s->f, s->n + 1, sizeof(*nf))) == NULL) {
			sslm_warn("%s", what);
			goto out;
		}
		s->f = nf;
		memset(&s->f[s->n], 0, sizeof(s->f[s->n]));
		if (sslm_read_at(dfd, de->d_name, max, &s->f[s->n]) == -1) {
			if (strict && (errno == ELOOP || errno == EINVAL))
				sslm_warnx("%s/%s: not a regular file", what,
				    de->d_name);
			else if (strict)
				sslm_warn("%s/%s", what, de->d_name);
			goto bad;
		}
		s->n++;
	}
	if (errno != 0) {
		if (strict)
			sslm_warn("%s", what);
		goto bad;
	}
	qsort(s->f, s->n, sizeof(*s->f), fbuf_cmp);
	rc = 0;
	goto out;
bad:
	if (!strict) {
		s->bad = 1;
		rc = 0;
	}
out:
	if (d != NULL)
		closedir(d);
	if (rc == -1)
		sslm_fset_free(s);
	return rc;
}

int
sslm_fset_equal(const struct sslm_fset *a, const struct sslm_fset *b)
{
	size_t i;

	if (a->bad || b->bad)
		return 0;
	if (!a->present || !b->present)
		return a->present == b->present;
	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->f[i].name, b->f[i].name) != 0 ||
		    a->f[i].len != b->f[i].len ||
		    a->f[i].mode != b->f[i].mode ||
		    memcmp(a->f[i].data, b->f[i].data, a->f[i].len) != 0)
			return 0;
	}
	return 1;
}

int
sslm_write_at(int dfd, const char *name, const struct sslm_fbuf *f)
{
	struct timespec	 ts[2];
	int		 fd, rc = -1;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = f->mtime;
	if (sslm_write_all(fd, f->data, f->len) == -1 ||
	    fchmod(fd, f->mode) == -1 || futimens(fd, ts) == -1 ||
	    fsync(fd) == -1) {
		close(fd);
		goto out;
	}
	if (close(fd) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		unlinkat(dfd, name, 0);
	return rc;
}

static int
rmtree(int dfd, const char *name, int depth, void (*step)(void))
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		STEP(step);
		return unlinkat(dfd, name, 0) == -1 && errno != ENOENT ? -1 : 0;
	}
	if (depth > RMTREE_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			rc = rmtree(dirfd(d), de->d_name, depth + 1, step);
	}
	closedir(d);
	if (rc == 0) {
		STEP(step);
		if (unlinkat(dfd, name, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT)
			rc = -1;
	}
	return rc;
}

int
sslm_rmtree_at(int dfd, const char *name, void (*step)(void))
{
	return rmtree(dfd, name, 0, step);
}

int
sslm_opendir_at(int dfd, const char *name, int create, const char *path)
{
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd != -1)
		return fd;
	if (errno != ENOENT) {
		sslm_warn("%s", path);
		return -1;
	}
	if (!create)
		return -2;
	if (mkdirat(dfd, name, 0700) == -1 && errno != EEXIST) {
		sslm_warn("%s", path);
		return -1;
	}
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fchmod(fd, 0750) == -1) {
		sslm_warn("%s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if ((dfd == AT_FDCWD ? sslm_fsync_dir(name) : fsync(dfd)) == -1 &&
	    errno != EINVAL) {
		sslm_warn("%s: fsync of its directory", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
sslm_opendir_path(const char *path, int create)
{
	struct stat	 st;
	char		 parent[PATH_MAX], *slash;
	const char	*why = NULL;
	size_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		return fd;
	if (errno == ENOENT && !create)
		return -2;
	if (errno != ENOENT) {
		sslm_warn("%s", path);
		return -1;
	}
	if (snprintf(parent, sizeof(parent), "%s", path) >=
	    (int)sizeof(parent)) {
		sslm_warnx("%s: path too long", path);
		return -1;
	}
	n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	if ((slash = strrchr(parent, '/')) == NULL)
		snprintf(parent, sizeof(parent), ".");
	else
		*(slash == parent ? slash + 1 : slash) = '\0';
	/* Only the last part is made: a typing mistake grows no new tree. */
	if (stat(parent, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		sslm_warnx("%s: parent %s: %s", path, parent, why);
		return -1;
	}
	return sslm_opendir_at(AT_FDCWD, path, 1, path);
}

int
sslm_fset_install(int dfd, const char *dpath, const char *name,
    const struct sslm_fset *s, void (*step)(void))
{
	char		 nw[NAME_MAX + 1], old[NAME_MAX + 1], path[PATH_MAX];
	struct stat	 st;
	size_t		 i;
	int		 nfd = -1, rc = -1, live;

	if (snprintf(nw, sizeof(nw), ".%s.new", name) >= (int)sizeof(nw) ||
	    snprintf(old, sizeof(old), ".%s.old", name) >= (int)sizeof(old) ||
	    snprintf(path, sizeof(path), "%s/%s", dpath, nw) >=
	    (int)sizeof(path)) {
		sslm_warnx("%s/%s: name too long", dpath, name);
		return -1;
	}
	if ((nfd = sslm_opendir_at(dfd, nw, 1, path)) < 0)
		goto out;
	STEP(step);
	for (i = 0; i < s->n; i++) {
		if (sslm_write_at(nfd, s->f[i].name, &s->f[i]) == -1) {
			sslm_warn("%s/%s", path, s->f[i].name);
			goto out;
		}
		STEP(step);
	}
	if (fsync(nfd) == -1) {
		sslm_warn("%s", path);
		goto out;
	}
	STEP(step);
	(void)snprintf(path, sizeof(path), "%s/%s", dpath, name);
	live = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (live && renameat2(dfd, nw, dfd, name, RENAME_EXCHANGE) == 0) {
		/* .new now holds the old set. */
		if (renameat(dfd, nw, dfd, old) == -1) {
			sslm_warn("%s", path);
			goto out;
		}
	} else if (live && errno != EINVAL && errno != ENOSYS) {
		sslm_warn("%s: exchange", path);
		goto out;
	} else {
		/* No live set, or no RENAME_EXCHANGE here: two renames. */
		if (live && renameat(dfd, name, dfd, old) == -1) {
			sslm_warn("%s", path);
			goto out;
		}
		if (live)
			STEP(step);
		if (renameat(dfd, nw, dfd, name) == -1) {
			sslm_warn("%s", path);
			goto out;
		}
	}
	if (fsync(dfd) == -1 && errno != EINVAL) {
		sslm_warn("%s: fsync of its directory", path);
		goto out;
	}
	STEP(step);
	if (rmtree(dfd, old, 0, step) == -1) {
		sslm_warn("%s/%s", dpath, old);
		goto out;
	}
	rc = 0;
out:
	if (nfd >= 0)
		close(nfd);
	return rc;
}

int
sslm_dir_remove(int dfd, const char *dpath, const char *name,
    void (*step)(void))
{
	char	 old[NAME_MAX + 1];

	if (snprintf(old, sizeof(old), ".%s.old", name) >= (int)sizeof(old)) {
		sslm_warnx("%s/%s: name too long", dpath, name);
		return -1;
	}
	if (renameat(dfd, name, dfd, old) == -1 ||
	    (fsync(dfd) == -1 && errno != EINVAL)) {
		sslm_warn("%s/%s", dpath, name);
		return -1;
	}
	STEP(step);
	if (rmtree(dfd, old, 0, step) == -1) {
		sslm_warn("%s/%s", dpath, old);
		return -1;
	}
	return 0;
}

int
sslm_fset_link(int sfd, const char *spath, const char *lname, size_t maxn,
    size_t max, struct sslm_fset *s)
{
	char	 target[PATH_MAX], name[80], path[PATH_MAX];
	ssize_t	 n;
	size_t	 i;
	int	 dbfd = -1, dfd = -1, rc = -1;

	memset(s, 0, sizeof(*s));
	(void)snprintf(path, sizeof(path), "%s/%s", spath, lname);
	if (sfd < 0)
		return 0;
	if ((n = readlinkat(sfd, lname, target, sizeof(target) - 1)) == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == EINVAL)
			sslm_warnx("%s: not a symbolic link", path);
		else
			sslm_warn("%s", path);
		return -1;
	}
	target[n] = '\0';
	/* Stamps hold ':' (YYYYMMDD-HH:MM:SS); otherwise a safe file name. */
	if (strncmp(target, "db/", 3) != 0 ||
	    snprintf(name, sizeof(name), "%s", target + 3) >= (int)sizeof(name))
		goto unsafe;
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == ':')
			name[i] = '-';
	if (!sslm_valid_filename(name))
		goto unsafe;
	if ((dbfd = openat(sfd, "db", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 ||
	    (dfd = openat(dbfd, target + 3, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		sslm_warn("%s -> %s", path, target);
		goto out;
	}
	if (sslm_fset_read(dfd, path, 1, maxn, max, s) == -1)
		goto out;
	rc = 0;
	goto out;
unsafe:
	sslm_warnx("%s: link target \"%s\" is not db/<name>", path, target);
out:
	if (dfd != -1)
		close(dfd);
	if (dbfd != -1)
		close(dbfd);
	return rc;
}

void
sslm_fset_peek(int dfd, const char *name, size_t maxn, size_t max,
    struct sslm_fset *s)
{
	struct stat	 st;
	int		 fd;

	memset(s, 0, sizeof(*s));
	if (dfd < 0)
		return;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT)
			s->bad = s->present = 1;
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1) {
		s->bad = s->present = 1;
		return;
	}
	(void)sslm_fset_read(fd, name, 0, maxn, max, s);
	close(fd);
}

int
sslm_file_put_at(int dfd, const char *dpath, const char *name,
    const struct sslm_fbuf *f, void (*step)(void))
{
	char	 nw[NAME_MAX + 1];

	if (snprintf(nw, sizeof(nw), ".%s.new", name) >= (int)sizeof(nw)) {
		sslm_warnx("%s/%s: name too long", dpath, name);
		return -1;
	}
	if (f == NULL) {
		if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT) {
			sslm_warn("%s/%s", dpath, name);
			return -1;
		}
	} else {
		(void)unlinkat(dfd, nw, 0);
		if (sslm_write_at(dfd, nw, f) == -1) {
			sslm_warn("%s/%s", dpath, nw);
			return -1;
		}
		STEP(step);
		if (renameat(dfd, nw, dfd, name) == -1) {
			sslm_warn("%s/%s", dpath, name);
			return -1;
		}
	}
	if (fsync(dfd) == -1 && errno != EINVAL) {
		sslm_warn("%s/%s: fsync of its directory", dpath, name);
		return -1;
	}
	STEP(step);
	return 0;
}

int
sslm_remove_matching(int dfd, const char *dpath,
    int (*match)(const char *name),
    void (*dry)(const char *dpath, const char *name), void (*step)(void))
{
	DIR		*d;
	struct dirent	*de;
	int		 fd, rc = 0;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		sslm_warn("%s", dpath);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!match(de->d_name))
			continue;
		if (dry != NULL) {
			dry(dpath, de->d_name);
			continue;
		}
		if (rmtree(dfd, de->d_name, 0, step) == -1) {
			sslm_warn("%s/%s", dpath, de->d_name);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}
