/*
 * Replay driver for the fuzz targets: a main() that feeds every file named on the command
 * line, or found in a directory named there (and in its subdirectories, one level down), to
 * LLVMFuzzerTestOneInput once. CTest runs it on each seed corpus under ASan and UBSan so an
 * input that once crashed keeps being tried (SQLite's fuzzcheck habit). libFuzzer builds
 * (tests/fuzz/build-libfuzzer.sh) use libFuzzer's own main instead.
 *
 * Exit status: 0 when every input ran; 1 when a path is missing, a directory holds no input,
 * or a file cannot be read. A crash ends the process through the sanitizer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u * 1024 * 1024)

static int run_file(const char *path, long *ran)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    size_t got;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (unsigned long)n > REPLAY_MAX_INPUT ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: %s: cannot size the file (or larger than %u bytes)\n", path,
                REPLAY_MAX_INPUT);
        fclose(f);
        return -1;
    }
    /* Exactly n bytes, no terminator: a target that reads past the end is caught by ASan. */
    buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
        fclose(f);
        return -1;
    }
    got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    if (got != (size_t)n) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    (*ran)++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the files in dir, and when depth > 0 the files of its subdirectories. Returns the
 * number of inputs run, or -1 on an error. Names are sorted so runs are reproducible. */
static long run_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long ran = 0;
    int bad = 0;

    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **grown;
            cap = cap ? cap * 2 : 64;
            grown = realloc(names, cap * sizeof(*names));
            if (!grown) {
                bad = 1;
                break;
            }
            names = grown;
        }
        names[n] = malloc(strlen(de->d_name) + 1);
        if (!names[n]) {
            bad = 1;
            break;
        }
        memcpy(names[n], de->d_name, strlen(de->d_name) + 1);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        struct stat st;

        if (!path) {
            bad = 1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        if (stat(path, &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (depth > 0) {
                long r = run_dir(path, depth - 1);
                if (r < 0)
                    bad = 1;
                else
                    ran += r;
            }
        } else if (S_ISREG(st.st_mode) && run_file(path, &ran) != 0) {
            bad = 1;
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return bad ? -1 : ran;
}

int main(int argc, char **argv)
{
    long total = 0;
    int status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long ran = 0;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            ran = run_dir(argv[i], 1);
            if (ran == 0) {
                fprintf(stderr, "replay: %s: no inputs in the directory\n", argv[i]);
                status = 1;
            }
        } else if (run_file(argv[i], &ran) != 0) {
            ran = -1;
        }
        if (ran < 0) {
            status = 1;
            continue;
        }
        printf("replay: %s: %ld input%s\n", argv[i], ran, ran == 1 ? "" : "s");
        total += ran;
    }
    printf("replay: %ld input%s ran\n", total, total == 1 ? "" : "s");
    return status;
}
