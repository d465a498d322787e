/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hf_hist.h: the latency histogram shared by the kernel module
 * (hf_lockbench.c) and the user-space stressor (initramfs/lockstress.c), so
 * both report percentiles with the same resolution.
 *
 * Log-linear buckets: values below 32 ns have a bucket each; above, every
 * power of two is split into 16 equal sub-buckets, so a bucket's width is at
 * most 1/16 of its lower bound (a percentile is within 6.25% of the truth)
 * and 976 buckets cover the whole 64-bit range. No floating point, no
 * library calls: only the compiler's __builtin_clzll.
 */
#ifndef HF_HIST_H
#define HF_HIST_H

#define HF_HIST_SUB_BITS 4
#define HF_HIST_SUB (1u << HF_HIST_SUB_BITS)
#define HF_HIST_LINEAR (2u * HF_HIST_SUB)	/* exact buckets 0..31 */
#define HF_HIST_BUCKETS (HF_HIST_LINEAR + (64 - HF_HIST_SUB_BITS - 1) * HF_HIST_SUB)

static inline unsigned int hf_hist_bucket(unsigned long long v)
{
	unsigned int msb, sub;

	if (v < HF_HIST_LINEAR)
		return (unsigned int)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);	/* >= 5 */
	sub = (unsigned int)(v >> (msb - HF_HIST_SUB_BITS)) & (HF_HIST_SUB - 1);
	return HF_HIST_LINEAR + (msb - HF_HIST_SUB_BITS - 1) * HF_HIST_SUB + sub;
}

/* The largest value that falls into bucket @b. */
static inline unsigned long long hf_hist_upper(unsigned int b)
{
	unsigned int msb, sub, shift;

	if (b < HF_HIST_LINEAR)
		return b;
	msb = (b - HF_HIST_LINEAR) / HF_HIST_SUB + HF_HIST_SUB_BITS + 1;
	sub = (b - HF_HIST_LINEAR) % HF_HIST_SUB;
	shift = msb - HF_HIST_SUB_BITS;
	return (((unsigned long long)(HF_HIST_SUB + sub) + 1) << shift) - 1;
}

/*
 * The @permille-th percentile of @count samples in @hist (1..1000), as the
 * upper bound of its bucket but never above @max (the exact largest sample),
 * so p50 <= p90 <= p99 <= max always holds. 0 when there are no samples.
 */
static inline unsigned long long hf_hist_percentile(const unsigned long long *hist,
						    unsigned long long count,
						    unsigned long long max,
						    unsigned int permille)
{
	unsigned long long rank, seen = 0, v;
	unsigned int b;

	if (!count)
		return 0;
	/* The smallest rank r with r >= count * permille / 1000, at least 1. */
	rank = (count * permille + 999) / 1000;
	if (!rank)
		rank = 1;
	for (b = 0; b < HF_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			break;
	}
	v = b < HF_HIST_BUCKETS ? hf_hist_upper(b) : max;
	return v < max ? v : max;
}

#endif /* HF_HIST_H */
