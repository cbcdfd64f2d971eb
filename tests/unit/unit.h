/* unit.h - helpers shared by the cmocka unit tests: seeded random data,
 * timing, substring search.
 *
 * Include after compat.h and cmocka.h. Random data comes from a splitmix64
 * generator seeded from /dev/urandom, or from $KS_TEST_SEED to replay a
 * failure; the seed is printed once per test program.
 */
#ifndef KS_TEST_UNIT_H
#define KS_TEST_UNIT_H

#include <stdio.h>
#include <time.h>

#define T_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define T_HEX	"0123456789abcdef"

static inline uint64_t *t_rng_state(void)
{
	static uint64_t state;

	return &state;
}

/* Seeds the generator; call once at the start of main(). */
static inline void t_seed(const char *prog)
{
	const char *env = getenv("KS_TEST_SEED");
	uint64_t seed = 0;
	FILE *f;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		f = fopen("/dev/urandom", "rb");
		if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
			seed = (uint64_t)time(NULL);
		if (f)
			fclose(f);
	}
	*t_rng_state() = seed;
	fprintf(stderr, "%s: KS_TEST_SEED=0x%016llx\n", prog,
		(unsigned long long)seed);
}

static inline uint64_t t_rand(void)
{
	uint64_t z = (*t_rng_state() += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A value in [0, n); n > 0. */
static inline size_t t_below(size_t n)
{
	return (size_t)(t_rand() % n);
}

static inline void t_rand_bytes(unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char)t_rand();
}

/* n characters drawn from alphabet, NUL-terminated (out holds n + 1). */
static inline void t_rand_str(char *out, size_t n, const char *alphabet)
{
	size_t i, alen = strlen(alphabet);

	for (i = 0; i < n; i++)
		out[i] = alphabet[t_below(alen)];
	out[n] = '\0';
}

/* Random characters of alphabet in which no character repeats or follows
 * its predecessor in byte order: no run of identical or ascending
 * characters can reach the placeholder filter's threshold of 6. */
static inline void t_rand_norun(char *out, size_t n, const char *alphabet)
{
	size_t i, alen = strlen(alphabet);

	for (i = 0; i < n; i++) {
		char c;

		do
			c = alphabet[t_below(alen)];
		while (i && (c == out[i - 1] || c == out[i - 1] + 1));
		out[i] = c;
	}
	out[n] = '\0';
}

static inline bool t_contains(const void *hay, size_t hay_len,
			      const void *needle, size_t needle_len)
{
	return memmem(hay, hay_len, needle, needle_len) != NULL;
}

static inline double t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
