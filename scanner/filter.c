/* filter.c - entropy and placeholder filters. */
#include "compat.h"
#include <ctype.h>
#include <math.h>
#include "filter.h"

const char *ks_drop_name(enum ks_drop d)
{
	switch (d) {
	case KS_DROP_NONE:
		return "kept";
	case KS_DROP_ENTROPY:
		return "entropy";
	case KS_DROP_PLACEHOLDER:
		return "placeholder";
	case KS_DROP_CONTEXT:
		return "no-context";
	case KS_DROP_OVERLAP:
		return "overlap";
	case KS_DROP_NR:
		break;
	}
	return "?";
}

double ks_entropy(const unsigned char *data, size_t len)
{
	size_t count[256] = { 0 }, i;
	double h = 0;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		count[data[i]]++;
	for (i = 0; i < 256; i++) {
		double p;

		if (!count[i])
			continue;
		p = (double)count[i] / (double)len;
		h -= p * log2(p);
	}
	if (h < 0)
		h = 0;
	if (h > 8)
		h = 8;
	return h;
}

const unsigned char *ks_memcasemem(const unsigned char *hay, size_t hay_len,
				   const char *needle, size_t needle_len)
{
	size_t i, j;
	unsigned char first;

	if (!needle_len)
		return hay;
	if (needle_len > hay_len)
		return NULL;
	first = (unsigned char)needle[0];
	for (i = 0; i + needle_len <= hay_len; i++) {
		if (tolower(hay[i]) != first)
			continue;
		for (j = 1; j < needle_len; j++)
			if (tolower(hay[i + j]) != (unsigned char)needle[j])
				break;
		if (j == needle_len)
			return hay + i;
	}
	return NULL;
}

static const char *const placeholder_words[] = {
	"xxxx",	     "****",	 "...",	    "${",      "{{",	 "<",
	">",	     "example", "sample",  "placeholder", "redacted",
	"changeme", "dummy",	 "your_",   "your-",
};

const char *ks_placeholder_reason(const unsigned char *data, size_t len)
{
	static _Thread_local char reason[64];
	size_t i, run_same = 1, run_seq = 1;

	if (len > KS_PLACEHOLDER_MAX_LEN)
		return NULL;
	for (i = 0; i < KS_ARRAY_SIZE(placeholder_words); i++) {
		const char *w = placeholder_words[i];

		if (ks_memcasemem(data, len, w, strlen(w))) {
			snprintf(reason, sizeof(reason), "contains '%s'", w);
			return reason;
		}
	}
	for (i = 1; i < len; i++) {
		run_same = data[i] == data[i - 1] ? run_same + 1 : 1;
		run_seq = isalnum(data[i]) && data[i] == data[i - 1] + 1
				  ? run_seq + 1
				  : 1;
		if (run_same >= 6)
			return "run of 6 identical characters";
		if (run_seq >= 6)
			return "run of 6 consecutive characters";
	}
	return NULL;
}
