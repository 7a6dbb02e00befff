/*
 * Functions that are easy to misuse and that Mamori never calls. Including this header last
 * turns a call into a compile error that names the replacement (git's banned.h habit).
 */
#ifndef MM_BANNED_H
#define MM_BANNED_H

#define MM_BANNED(func) sorry_##func##_is_banned_use_the_mm_helper

#undef strcpy
#define strcpy(x, y) MM_BANNED(strcpy)
#undef strcat
#define strcat(x, y) MM_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) MM_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) MM_BANNED(strncat)
#undef strtok
#define strtok(x, y) MM_BANNED(strtok)
#undef sprintf
#define sprintf(...) MM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) MM_BANNED(vsprintf)
#undef gets
#define gets(x) MM_BANNED(gets)
#undef atoi
#define atoi(x) MM_BANNED(atoi)
#undef atol
#define atol(x) MM_BANNED(atol)

#endif
