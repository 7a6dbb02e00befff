/*
 * Small pieces the web module shares: role names, the per-request arena, random tokens and
 * hashes (libsodium), the clock.
 */
#include <sodium.h>
#include <time.h>

#include "answer.h"
#include "web_int.h"

static const char *const role_names[MM_ROLE_COUNT] = {"admin", "assessor", "vendor", "viewer"};
static const char *const role_labels[MM_ROLE_COUNT] = {"管理者", "評価担当", "事業者", "閲覧者"};

const char *mm_role_name(mm_role r)
{
    return (unsigned)r < MM_ROLE_COUNT ? role_names[r] : "?";
}

const char *mm_role_label(mm_role r)
{
    return (unsigned)r < MM_ROLE_COUNT ? role_labels[r] : "?";
}

mm_rc mm_role_parse(const char *s, mm_role *out)
{
    for (int i = 0; s && i < MM_ROLE_COUNT; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (mm_role)i;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

struct mm_arena_block {
    mm_arena_block *next;
    max_align_t data[]; /* the allocation */
};

void *mm_arena_alloc(mm_arena *a, size_t n)
{
    mm_arena_block *b = mm_xmalloc(sizeof(*b) + n);

    b->next = a->head;
    a->head = b;
    return b->data;
}

char *mm_arena_strdup(mm_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mm_arena_alloc(a, n);

    memcpy(p, s, n);
    return p;
}

void mm_arena_release(mm_arena *a)
{
    mm_arena_block *b = a->head;

    for (int guard = 0; b && guard < 1000000; guard++) {
        mm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void mm_random_hex(char *out, size_t n)
{
    unsigned char buf[64];

    if (n > sizeof(buf))
        n = sizeof(buf);
    if (sodium_init() < 0)
        abort(); /* no randomness: nothing safe can be done */
    randombytes_buf(buf, n);
    sodium_bin2hex(out, 2 * n + 1, buf, n);
    sodium_memzero(buf, sizeof(buf));
}

void mm_hash_hex(const char *s, char out[65])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

long mm_now_unix(void)
{
    return (long)time(NULL);
}

void mm_web_user_json(mm_buf *b, const mm_web_user *u)
{
    mm_buf_adds(b, "{\"name\":");
    mm_jstr(b, u->name);
    mm_buf_addf(b, ",\"role\":\"%s\",\"role_label\":\"%s\",\"vendor\":", mm_role_name(u->role),
                mm_role_label(u->role));
    if (u->vendor[0])
        mm_jstr(b, u->vendor);
    else
        mm_buf_adds(b, "null");
    mm_buf_addf(b, ",\"totp\":%s,\"disabled\":%s,\"created_at\":\"%s\"}",
                u->totp ? "true" : "false", u->disabled ? "true" : "false", u->created_at);
}

int mm_req_vendor(mm_req *r, const char *name, long *id)
{
    mm_error err;

    mm_error_clear(&err);
    *id = 0;
    if (mm_vendor_find(r->web->st, name, id, &err) == MM_OK && *id)
        return 0;
    if (err.rc != MM_OK && err.rc != MM_ERR_NOTFOUND)
        return mm_req_fail(r, &err);
    return mm_req_error(r, 404, "not_found", "その事業者は登録されていません (no such vendor)");
}
