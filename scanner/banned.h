/* banned.h - functions keysnare never calls (git's banned.h idea). */
#ifndef KS_BANNED_H
#define KS_BANNED_H

#define KS_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) KS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) KS_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) KS_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) KS_BANNED(strncat)
#undef sprintf
#define sprintf(...) KS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) KS_BANNED(vsprintf)
#undef gets
#define gets(x) KS_BANNED(gets)
#undef strtok
#define strtok(x, y) KS_BANNED(strtok)

#endif
