/*
 * Small helpers of the logs module: scratch text for parsers, hashing, IP addresses and CIDR
 * ranges, varints, hex and whole-file reads and writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include "logs_int.h"

mm_sv mm_scratch_put(mm_parse_ctx *c, const char *p, size_t n)
{
    mm_sv v = {"", 0};
    if (n > sizeof(c->scratch) - c->scratch_used)
        return v;
    memcpy(c->scratch + c->scratch_used, p, n);
    v.p = c->scratch + c->scratch_used;
    v.n = (uint32_t)n;
    c->scratch_used += n;
    return v;
}

const char *mm_memmem(const char *p, size_t n, const char *lit, size_t ln)
{
    if (ln == 0)
        return p;
    while (n >= ln) {
        const char *q = memchr(p, lit[0], n - ln + 1);
        if (!q)
            return NULL;
        if (memcmp(q, lit, ln) == 0)
            return q;
        n -= (size_t)(q - p) + 1;
        p = q + 1;
    }
    return NULL;
}

uint64_t mm_hash64(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ (0x9E3779B97F4A7C15ULL * (n + 1));
    while (n >= 8) { /* 8 bytes at a time, then a multiply-xorshift mix */
        uint64_t k;
        memcpy(&k, p, 8);
        h ^= k * 0xff51afd7ed558ccdULL;
        h = (h << 27 | h >> 37) * 0xc4ceb9fe1a85ec53ULL;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t k = 0;
        memcpy(&k, p, n);
        h ^= k * 0xff51afd7ed558ccdULL;
        h = (h << 27 | h >> 37) * 0xc4ceb9fe1a85ec53ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

int mm_ip_parse(const char *p, size_t n, uint8_t out[16], int *is_v4)
{
    char buf[64];
    struct in_addr a4;
    struct in6_addr a6;

    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        if (is_v4)
            *is_v4 = 1;
        return 1;
    }
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        memcpy(out, &a6, 16);
        if (is_v4)
            *is_v4 = 0;
        return 1;
    }
    return 0;
}

int mm_cidr_parse(const char *s, uint8_t net[16], int *bits)
{
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    int v4;
    long b;

    if (!mm_ip_parse(s, n, net, &v4))
        return 0;
    if (!slash) {
        *bits = 128;
        return 1;
    }
    if (mm_parse_long(slash + 1, 0, v4 ? 32 : 128, &b) != MM_OK)
        return 0;
    *bits = (int)b + (v4 ? 96 : 0);
    return 1;
}

int mm_cidr_match(const uint8_t net[16], int bits, const uint8_t ip[16])
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(net, ip, (size_t)full) != 0)
        return 0;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        return (net[full] & mask) == (ip[full] & mask);
    }
    return 1;
}

mm_rc mm_buf_add_varint(mm_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return mm_buf_add(b, tmp, n);
}

int mm_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *pos < n; shift += 7) {
        uint8_t c = p[(*pos)++];
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return 0;
}

void mm_hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mm_unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int a = hexval(s[2 * i]), b;
        if (a < 0)
            return 0;
        b = hexval(s[2 * i + 1]);
        if (b < 0)
            return 0;
        out[i] = (uint8_t)(a * 16 + b);
    }
    return s[2 * n] == '\0' || s[2 * n] == '\n' || s[2 * n] == ' ';
}

mm_rc mm_read_full(int fd, void *buf, size_t n, uint64_t off)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MM_ERR_IO;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return MM_OK;
}

mm_rc mm_write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MM_ERR_IO;
        p += r;
        n -= (size_t)r;
    }
    return MM_OK;
}

void mm_seg_name(uint64_t n, char *out, size_t outsz)
{
    snprintf(out, outsz, "seg-%08llu.mms", (unsigned long long)n);
}

uint64_t mm_seg_number(const char *name)
{
    uint64_t v = 0;
    size_t n = strlen(name);
    if (n != 16 || strncmp(name, "seg-", 4) != 0 || strcmp(name + 12, ".mms") != 0)
        return 0;
    for (int i = 4; i < 12; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    return v;
}
