/*
 * Files: read whole (with a size limit) and write atomically (temporary file in the same
 * directory, fsync, rename, fsync of the directory), so a report or config is either the
 * old version or the new one, never half of each.
 */
#ifndef MM_FS_H
#define MM_FS_H

#include "base.h"

/* Reads at most max bytes; a larger file is MM_ERR_INVALID. OUT: *data (NUL-terminated,
 * caller frees), *len. */
mm_rc mm_file_read(const char *path, size_t max, char **data, size_t *len, mm_error *err);

/* Writes data to path atomically with the given mode (e.g. 0644, 0600). */
mm_rc mm_file_write_atomic(const char *path, const void *data, size_t len, int mode, mm_error *err);

/* Creates a directory (and parents) with mode; an existing directory is fine. */
mm_rc mm_mkdir_p(const char *path, int mode, mm_error *err);

int mm_file_exists(const char *path);
int mm_dir_exists(const char *path);

/* Joins dir and name with one '/'. Returns MM_ERR_INVALID when out is too small. */
mm_rc mm_path_join(char *out, size_t outsz, const char *dir, const char *name);

#endif
