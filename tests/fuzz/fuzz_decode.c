/* fuzz_decode.c - fuzz target: encoded-content decoders, candidate
 * detection and UTF-16 transcoding on arbitrary bytes.
 *
 * Oracles: no crash or overread (sanitizers); every decoder stays within
 * its cap; ks_decode_run() stays within its caps (segments, bytes per
 * segment, bytes in all) and every segment maps inside its parent text
 * (the input for layer 0) and back to itself; UTF-16 transcoding gives
 * well-formed UTF-8 of the promised size.
 */
#include "compat.h"
#include "buf.h"
#include "decode.h"
#include "error.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_layers(const struct ks_decoder *d, size_t len)
{
	size_t l, g, total = 0, nr = 0;

	if (d->seg_nr > KS_DECODE_SEG_NR)
		abort();
	for (l = 0; l < KS_DECODE_DEPTH; l++) {
		const struct ks_dlayer *y = &d->layer[l];
		size_t parent_len = l ? d->layer[l - 1].buf.len : len;

		for (g = 0; g < y->seg_nr; g++) {
			const struct ks_dseg *s = &y->seg[g];
			size_t a, b;

			if (s->src_start >= s->src_end || s->src_end > parent_len ||
			    s->start > s->end || s->end >= y->buf.len ||
			    y->buf.ptr[s->end] != '\n' ||
			    s->end - s->start > KS_DECODE_SEG_MAX ||
			    (g && s->start <= y->seg[g - 1].end))
				abort();
			if (ks_decode_seg_at(y, s->start) != g ||
			    ks_decode_seg_at(y, s->end) != g)
				abort();
			if (l && (s->parent == SIZE_MAX ||
				  s->parent >= d->layer[l - 1].seg_nr))
				abort();
			ks_decode_origin(d, (unsigned)l, g, &a, &b);
			if (a >= b || b > len)
				abort();
			total += s->end - s->start;
			nr++;
		}
	}
	if (nr != d->seg_nr || total != d->total ||
	    total > KS_MAX(KS_DECODE_MIN_TOTAL, len) + KS_DECODE_SEG_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_buf out = KS_BUF_INIT;
	struct ks_decoder d;
	size_t cap = size ? data[0] : 0;
	int rc;

	rc = ks_base64_decode(&out, data, size, cap);
	if (rc == KS_EINVALID ? out.len != 0 : rc < 0 || (size_t)rc != out.len ||
					       out.len > cap || out.len > size)
		abort();
	ks_buf_reset(&out);
	ks_percent_decode(&out, data, size, cap);
	if (out.len > cap || out.len > size)
		abort();
	ks_buf_reset(&out);
	ks_escape_decode(&out, data, size, cap);
	if (out.len > cap || out.len > size + 3)
		abort();

	ks_buf_reset(&out);
	ks_utf16_to_utf8(&out, data, size, size && (data[0] & 1));
	if (!ks_utf8_valid((unsigned char *)out.ptr, out.len) ||
	    out.len > size / 2 * 3 + 3)
		abort();
	ks_decode_is_text(data, size);
	ks_utf16_bom(data, size);

	ks_decoder_init(&d);
	ks_decode_run(&d, data, size, 0, SIZE_MAX);
	check_layers(&d, size);
	/* a chunk's bounds */
	ks_decode_run(&d, data, size, size / 3, size / 2 + 1);
	check_layers(&d, size);
	for (rc = 0; rc < KS_DECODE_DEPTH; rc++) {
		size_t g;

		for (g = 0; g < d.layer[rc].seg_nr; g++)
			if (!rc && (d.layer[0].seg[g].src_start < size / 3 ||
				    d.layer[0].seg[g].src_start > size / 2))
				abort();
	}
	/* also the transcoded text */
	ks_decode_run(&d, (unsigned char *)out.ptr, out.len, 0, SIZE_MAX);
	check_layers(&d, out.len);
	ks_decoder_release(&d);
	ks_buf_release(&out);
	return 0;
}
