/* The fake vLAPIC environment shared by the vLAPIC unit tests: four
 * vLAPICs whose callbacks only record what they were asked to do. */
#ifndef HOLDFAST_TEST_VLAPIC_FIXTURE_H
#define HOLDFAST_TEST_VLAPIC_FIXTURE_H

#include "vdev/vlapic.h"


#define NCPU 4
#define TSC_HZ 1000000000ull
#define BASE VLAPIC_BASE_DEFAULT
#define XAPIC (BASE | VLAPIC_BASE_EN)
#define X2APIC (BASE | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)

static struct fake {
	struct vlapic l[NCPU];
	struct vlapic_env env;
	unsigned int kicks[NCPU], inits[NCPU], startups[NCPU], nmis[NCPU];
	u8 sipi_vector[NCPU];
	unsigned int timer_calls[NCPU];
	u64 deadline[NCPU];
	unsigned int eoi_calls;
	u32 eoi_index;
	u8 eoi_vector;
} f;

static struct vlapic *fake_get(void *ctx, u32 i)
{
	return i < NCPU ? &((struct fake *)ctx)->l[i] : NULL;
}

static inline void fake_kick(void *ctx, u32 i)
{
	__atomic_fetch_add(&((struct fake *)ctx)->kicks[i], 1, __ATOMIC_RELAXED);
}

static inline void fake_init(void *ctx, u32 i)
{
	((struct fake *)ctx)->inits[i]++;
}

static inline void fake_startup(void *ctx, u32 i, u8 vector)
{
	((struct fake *)ctx)->startups[i]++;
	((struct fake *)ctx)->sipi_vector[i] = vector;
}

static inline void fake_nmi(void *ctx, u32 i)
{
	((struct fake *)ctx)->nmis[i]++;
}

static inline void fake_timer_changed(void *ctx, u32 i, u64 deadline)
{
	((struct fake *)ctx)->timer_calls[i]++;
	((struct fake *)ctx)->deadline[i] = deadline;
}

static inline void fake_eoi_level(void *ctx, u32 i, u8 vector)
{
	((struct fake *)ctx)->eoi_calls++;
	((struct fake *)ctx)->eoi_index = i;
	((struct fake *)ctx)->eoi_vector = vector;
}

static inline int setup(void **state)
{
	u32 i;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.env = (struct vlapic_env){
		.ctx = &f, .count = NCPU, .get = fake_get, .kick = fake_kick,
		.init = fake_init, .startup = fake_startup, .nmi = fake_nmi,
		.timer_changed = fake_timer_changed,
		.eoi_level = fake_eoi_level,
	};
	for (i = 0; i < NCPU; i++)
		vlapic_init(&f.l[i], &f.env, i, TSC_HZ);
	return 0;
}

static inline u32 mr(u32 i, u32 reg)
{
	return vlapic_mmio_read(&f.l[i], reg, 0);
}

static inline void mw(u32 i, u32 reg, u32 val)
{
	vlapic_mmio_write(&f.l[i], reg, val, 0);
}

static inline u64 xr(u32 i, u32 reg)
{
	u64 v = 0xdeadbeef;

	assert_true(vlapic_msr_read(&f.l[i], VLAPIC_MSR(reg), 0, &v));
	return v;
}

static inline void xw(u32 i, u32 reg, u64 val)
{
	assert_true(vlapic_msr_write(&f.l[i], VLAPIC_MSR(reg), 0, val));
}

static inline bool irr_has(u32 i, u8 v)
{
	return f.l[i].irr[v >> 5] & (1u << (v & 31));
}

static inline void all_xapic_enabled(void)
{
	u32 i;

	for (i = 0; i < NCPU; i++)
		mw(i, VLAPIC_REG_SVR, 0x1ff);
}

static inline void all_x2apic_enabled(void)
{
	u32 i;

	for (i = 0; i < NCPU; i++) {
		assert_true(vlapic_set_apic_base(&f.l[i], X2APIC));
		xw(i, VLAPIC_REG_SVR, 0x1ff);
	}
}

#endif
