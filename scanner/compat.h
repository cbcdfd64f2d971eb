/* compat.h - first include of every .c: feature macros and portable helpers. */
#ifndef KS_COMPAT_H
#define KS_COMPAT_H

#ifndef _GNU_SOURCE
#	define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>

#if defined(__GNUC__) || defined(__clang__)
#	define KS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#	define KS_NORETURN	__attribute__((noreturn))
#	define KS_UNUSED	__attribute__((unused))
#else
#	define KS_PRINTF(f, a)
#	define KS_NORETURN
#	define KS_UNUSED
#endif

#define KS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KS_MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define KS_MAX(a, b)	 ((a) > (b) ? (a) : (b))

#endif
