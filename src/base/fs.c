/*
 * Whole-file reads and atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

mm_rc mm_file_read(const char *path, size_t max, char **data, size_t *len, mm_error *err)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t cap = 4096, used = 0;
    mm_rc rc = MM_OK;

    f = fopen(path, "rb");
    if (!f) {
        rc = mm_error_set(err, errno == ENOENT ? MM_ERR_NOTFOUND : MM_ERR_IO, path, 0, 0,
                          "ファイルを開けません (cannot open file: %s)", strerror(errno));
        goto out;
    }
    buf = mm_xmalloc(cap + 1);
    for (;;) {
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (used > max) {
            rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                              "ファイルが大きすぎます (file is larger than %zu bytes)", max);
            goto out;
        }
        if (n == 0) {
            if (ferror(f)) {
                rc = mm_error_set(err, MM_ERR_IO, path, 0, 0,
                                  "ファイルを読めません (read error: %s)", strerror(errno));
                goto out;
            }
            break;
        }
        if (used == cap) {
            cap *= 2;
            buf = mm_xrealloc(buf, cap + 1);
        }
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    buf = NULL;
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

/* A write that failed because the file system is full (or the user's quota is). */
static int full_disk(int e)
{
    return e == ENOSPC || e == EDQUOT;
}

mm_rc mm_file_write_atomic(const char *path, const void *data, size_t len, int mode, mm_error *err)
{
    char tmp[4096], dirbuf[4096];
    int fd = -1, dfd = -1;
    const char *p = data;
    size_t left = len;
    mm_rc rc = MM_OK;

    if (mm_snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, path, 0, 0, "path too long");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません%s (cannot create file: %s%s)",
                          full_disk(errno) ? "。ディスクがいっぱいです" : "", strerror(errno),
                          full_disk(errno) ? ": disk full" : "");
        goto out;
    }
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません%s (write error: %s%s)",
                              full_disk(errno) ? "。ディスクがいっぱいです" : "", strerror(errno),
                              full_disk(errno) ? ": disk full" : "");
            goto out;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません%s (fsync failed: %s%s)",
                          full_disk(errno) ? "。ディスクがいっぱいです" : "", strerror(errno),
                          full_disk(errno) ? ": disk full" : "");
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "書き込めません (rename failed: %s)",
                          strerror(errno));
        goto out;
    }
    mm_strlcpy(dirbuf, path, sizeof(dirbuf));
    dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != MM_OK)
        unlink(tmp);
    return rc;
}

mm_rc mm_mkdir_p(const char *path, int mode, mm_error *err)
{
    char buf[4096];
    size_t n = mm_strlcpy(buf, path, sizeof(buf));

    if (n >= sizeof(buf) - 1)
        return mm_error_set(err, MM_ERR_INVALID, path, 0, 0, "path too long");
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
                return mm_error_set(err, MM_ERR_IO, buf, 0, 0,
                                    "ディレクトリを作れません (cannot create directory: %s)",
                                    strerror(errno));
            buf[i] = c;
        }
    }
    if (!mm_dir_exists(path))
        return mm_error_set(err, MM_ERR_IO, path, 0, 0,
                            "ディレクトリではありません (exists and is not a directory)");
    return MM_OK;
}

int mm_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int mm_dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

mm_rc mm_path_join(char *out, size_t outsz, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n > 0 && dir[n - 1] == '/')
        return mm_snprintf(out, outsz, "%s%s", dir, name);
    return mm_snprintf(out, outsz, "%s/%s", dir, name);
}
