#!/usr/bin/env python3
"""Regenerates src/base/lookalike_table.c from Python's Unicode database (NFKC mappings of
Kangxi radicals, CJK radicals supplement and CJK compatibility ideographs)."""
import sys
import unicodedata

rows = []
for cp in list(range(0x2E80, 0x2FE0)) + list(range(0xF900, 0xFB00)):
    ch = chr(cp)
    if unicodedata.category(ch) == 'Cn':
        continue
    n = unicodedata.normalize('NFKC', ch)
    if n != ch and len(n) == 1:
        rows.append((cp, ord(n)))
out = ['/*',
       ' * Look-alike compatibility characters and the standard character NFKC maps each to:',
       ' * Kangxi radicals (U+2F00-U+2FD5), the CJK radicals supplement and CJK compatibility',
       ' * ideographs. Generated from the Unicode Character Database (NFKC mappings) by',
       ' * scripts/gen-lookalike.py; facts of Unicode, not code of any project.',
       ' */', '#include <stdint.h>', '', '#include "text_int.h"', '',
       '/* one row per character, as generated */', '// clang-format off',
       'const struct mm_lookalike mm_lookalikes[] = {']
for a, b in rows:
    out.append('    {0x%04X, 0x%04X}, /* %s -> %s */' % (a, b, chr(a), chr(b)))
out.append('};')
out.append('// clang-format on')
out.append('const size_t mm_lookalikes_len = sizeof(mm_lookalikes) / sizeof(mm_lookalikes[0]);')
path = sys.argv[1] if len(sys.argv) > 1 else 'src/base/lookalike_table.c'
open(path, 'w', encoding='utf-8').write('\n'.join(out) + '\n')
