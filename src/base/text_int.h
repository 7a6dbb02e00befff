/* Private to src/base/text.c: the look-alike table (src/base/lookalike_table.c). */
#ifndef MM_TEXT_INT_H
#define MM_TEXT_INT_H

#include <stddef.h>
#include <stdint.h>

struct mm_lookalike {
    uint32_t from; /* the compatibility character */
    uint32_t to;   /* its NFKC form, a standard unified ideograph */
};

/* Sorted by `from`. */
extern const struct mm_lookalike mm_lookalikes[];
extern const size_t mm_lookalikes_len;

#endif
