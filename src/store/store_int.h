/* Private to src/store: the migration table. */
#ifndef MM_STORE_INT_H
#define MM_STORE_INT_H

struct mm_migration {
    int version;      /* 1, 2, 3 … in order, never reused */
    const char *name; /* what it does, stored with the version */
    const char *sql;
};

extern const struct mm_migration mm_migrations[];
extern const int mm_migrations_len;

#endif
