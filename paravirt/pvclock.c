#include "paravirt/pvclock.h"

void pvclock_scale(u64 tsc_hz, u32 *mul, s8 *shift)
{
	const u64 ns_per_s_shifted = 1000000000ull << 32; /* fits in 64 bits */
	u64 hz = tsc_hz;
	s8 s = 0;

	/* mul = 2^32 * 1e9 / (hz * 2^shift) must fit in 32 bits: scale the
	 * rate into (1e9, 2e9], where mul keeps 31 significant bits. Halving
	 * an odd rate is off by less than one part in 10^9. */
	while (hz <= 1000000000ull) {
		hz <<= 1;
		s++;
	}
	while (hz > 2000000000ull) {
		hz >>= 1;
		s--;
	}
	*mul = (u32)(ns_per_s_shifted / hz);
	*shift = s;
}

u64 pvclock_ticks_to_ns(u64 delta, u32 mul, s8 shift)
{
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return (u64)(((unsigned __int128)delta * mul) >> 32);
}
