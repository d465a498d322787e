/* Unit tests for vdev/vlapic*.c: registers, modes, acceptance and IPIs
 * (the timer: test_vlapic_timer.c). The fake env is vlapic_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "tests/unit/vlapic_fixture.h"

static void test_reset_xapic(void **state)
{
	u32 i, r;

	(void)state;
	assert_true(f.l[0].apic_base == (XAPIC | VLAPIC_BASE_BSP));
	assert_true(f.l[1].apic_base == XAPIC);
	assert_true(vlapic_xapic_enabled(&f.l[1]));
	assert_false(vlapic_x2apic_enabled(&f.l[1]));
	for (i = 0; i < NCPU; i++)
		assert_int_equal(mr(i, VLAPIC_REG_ID), i << 24);
	assert_int_equal(mr(2, VLAPIC_REG_VERSION), VLAPIC_VERSION);
	assert_int_equal(mr(2, VLAPIC_REG_TPR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_APR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_PPR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_LDR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_DFR), 0xffffffffu);
	assert_int_equal(mr(2, VLAPIC_REG_SVR), 0xff);
	assert_int_equal(mr(2, VLAPIC_REG_ESR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_ICR_LO), 0);
	assert_int_equal(mr(2, VLAPIC_REG_ICR_HI), 0);
	for (r = VLAPIC_REG_LVT_TIMER; r <= VLAPIC_REG_LVT_ERROR; r += 0x10)
		assert_int_equal(mr(2, r), VLAPIC_LVT_MASKED);
	for (r = VLAPIC_REG_ISR; r < VLAPIC_REG_ESR; r += 0x10)
		assert_int_equal(mr(2, r), 0);
	assert_int_equal(mr(2, VLAPIC_REG_TIMER_INIT), 0);
	assert_int_equal(mr(2, VLAPIC_REG_TIMER_CUR), 0);
	assert_int_equal(mr(2, VLAPIC_REG_TIMER_DIV), 0);
	assert_int_equal(mr(2, VLAPIC_REG_SELF_IPI), 0);
	assert_int_equal(mr(2, 0x24), 0); /* unaligned: reads 0 */
	/* ID and version are read-only in xAPIC mode too. */
	mw(2, VLAPIC_REG_ID, 0x07000000);
	mw(2, VLAPIC_REG_VERSION, 0);
	assert_int_equal(mr(2, VLAPIC_REG_ID), 2 << 24);
	assert_int_equal(mr(2, VLAPIC_REG_VERSION), VLAPIC_VERSION);
	/* No timer was ever armed: no deadline callback. */
	assert_int_equal(f.timer_calls[0], 0);
}

static void test_reset_x2apic(void **state)
{
	u64 v;
	u32 r;

	(void)state;
	assert_true(vlapic_set_apic_base(&f.l[3], X2APIC));
	assert_true(vlapic_x2apic_enabled(&f.l[3]));
	assert_false(vlapic_xapic_enabled(&f.l[3]));
	assert_true(xr(3, VLAPIC_REG_ID) == 3);
	assert_true(xr(3, VLAPIC_REG_VERSION) == VLAPIC_VERSION);
	assert_true(xr(3, VLAPIC_REG_LDR) == (1u << 3));
	assert_true(xr(3, VLAPIC_REG_SVR) == 0xff);
	assert_true(xr(3, VLAPIC_REG_PPR) == 0);
	assert_true(xr(3, VLAPIC_REG_ICR_LO) == 0);
	for (r = VLAPIC_REG_LVT_TIMER; r <= VLAPIC_REG_LVT_ERROR; r += 0x10)
		assert_true(xr(3, r) == VLAPIC_LVT_MASKED);
	/* No DFR, APR, RRD, CMCI or ICR high half in x2APIC mode. */
	assert_false(vlapic_msr_read(&f.l[3], 0x80e, 0, &v));
	assert_false(vlapic_msr_read(&f.l[3], 0x809, 0, &v));
	assert_false(vlapic_msr_read(&f.l[3], 0x80c, 0, &v));
	assert_false(vlapic_msr_read(&f.l[3], 0x82f, 0, &v));
	assert_false(vlapic_msr_read(&f.l[3], 0x831, 0, &v));
	assert_false(vlapic_msr_write(&f.l[3], 0x831, 0, 0));
	/* The xAPIC page is gone: reads float, writes do nothing. */
	assert_int_equal(mr(3, VLAPIC_REG_ID), 0xffffffffu);
	/* INIT keeps x2APIC mode and the derived IDs, resets the rest. */
	xw(3, VLAPIC_REG_TPR, 0x20);
	vlapic_reset(&f.l[3], true);
	assert_true(vlapic_x2apic_enabled(&f.l[3]));
	assert_true(xr(3, VLAPIC_REG_TPR) == 0);
	assert_true(xr(3, VLAPIC_REG_ID) == 3);
	assert_true(xr(3, VLAPIC_REG_LDR) == (1u << 3));
	/* RESET returns to xAPIC. */
	vlapic_reset(&f.l[3], false);
	assert_true(vlapic_xapic_enabled(&f.l[3]));
	assert_int_equal(mr(3, VLAPIC_REG_ID), 3u << 24);
}

static void test_x2apic_ldr_derivation(void **state)
{
	static const u32 ids[] = { 0, 1, 15, 16, 0x25, 0x1234f };
	struct vlapic l;
	unsigned int i;
	u64 v;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		vlapic_init(&l, &f.env, ids[i], TSC_HZ);
		assert_true(vlapic_set_apic_base(&l, X2APIC));
		assert_true(vlapic_msr_read(&l, 0x80d, 0, &v));
		assert_true(v == (((ids[i] >> 4) << 16) | (1u << (ids[i] & 0xf))));
		assert_true(vlapic_msr_read(&l, 0x802, 0, &v));
		assert_true(v == ids[i]);
		/* LDR is read-only in x2APIC mode. */
		assert_false(vlapic_msr_write(&l, 0x80d, 0, 0));
	}
	assert_true(f.l[0].apic_base & VLAPIC_BASE_BSP);
}

static void test_apic_base_transitions(void **state)
{
	struct vlapic *l = &f.l[1];
	u64 v;

	(void)state;
	/* xAPIC: x2APIC MSRs #GP, but registers have state. */
	assert_false(vlapic_msr_read(l, 0x802, 0, &v));
	assert_false(vlapic_msr_write(l, 0x808, 0, 0));
	mw(1, VLAPIC_REG_TPR, 0x30);
	mw(1, VLAPIC_REG_LDR, 0x04000000);
	/* Bad values. */
	assert_false(vlapic_set_apic_base(l, BASE | VLAPIC_BASE_EXTD));
	assert_false(vlapic_set_apic_base(l, 0xfec00000ull | VLAPIC_BASE_EN));
	assert_false(vlapic_set_apic_base(l, XAPIC | 0x1));
	assert_false(vlapic_set_apic_base(l, XAPIC | (1ull << 9)));
	assert_true(vlapic_set_apic_base(l, XAPIC)); /* no change */
	/* xAPIC -> x2APIC keeps TPR, re-derives LDR. */
	assert_true(vlapic_set_apic_base(l, X2APIC));
	assert_true(xr(1, VLAPIC_REG_TPR) == 0x30);
	assert_true(xr(1, VLAPIC_REG_LDR) == 2);
	/* x2APIC -> xAPIC directly is illegal. */
	assert_false(vlapic_set_apic_base(l, XAPIC));
	assert_true(vlapic_x2apic_enabled(l));
	/* x2APIC -> disabled: registers lost, MSRs and MMIO gone. */
	assert_true(vlapic_set_apic_base(l, BASE));
	assert_false(vlapic_x2apic_enabled(l));
	assert_false(vlapic_xapic_enabled(l));
	assert_false(vlapic_msr_read(l, 0x808, 0, &v));
	assert_int_equal(mr(1, VLAPIC_REG_TPR), 0xffffffffu);
	/* A disabled APIC accepts nothing. */
	vlapic_set_irq(l, 0x40, false);
	assert_int_equal(f.kicks[1], 0);
	/* disabled -> x2APIC is illegal, disabled -> xAPIC is not. */
	assert_false(vlapic_set_apic_base(l, X2APIC));
	assert_true(vlapic_set_apic_base(l, XAPIC));
	assert_int_equal(mr(1, VLAPIC_REG_TPR), 0);
	assert_int_equal(mr(1, VLAPIC_REG_LDR), 0);
	assert_int_equal(mr(1, VLAPIC_REG_ID), 1u << 24);
	assert_false(irr_has(1, 0x40));
	/* xAPIC -> disabled is legal too. */
	assert_true(vlapic_set_apic_base(l, BASE));
	assert_true(vlapic_set_apic_base(l, XAPIC));
	/* BSP is read-only both ways. */
	assert_true(vlapic_set_apic_base(&f.l[0], XAPIC));
	assert_true(f.l[0].apic_base & VLAPIC_BASE_BSP);
	assert_true(vlapic_set_apic_base(l, XAPIC | VLAPIC_BASE_BSP));
	assert_false(l->apic_base & VLAPIC_BASE_BSP);
}

static void test_x2apic_gp_cases(void **state)
{
	static const u32 ro[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817,
				  0x818, 0x81f, 0x820, 0x827, 0x839 };
	struct vlapic *l = &f.l[2];
	unsigned int i;
	u64 v;

	(void)state;
	assert_true(vlapic_set_apic_base(l, X2APIC));
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		assert_true(vlapic_msr_read(l, ro[i], 0, &v));
		assert_false(vlapic_msr_write(l, ro[i], 0, 0));
	}
	/* Write-only. */
	assert_false(vlapic_msr_read(l, 0x80b, 0, &v));
	assert_false(vlapic_msr_read(l, 0x83f, 0, &v));
	/* Holes and foreign MSRs. */
	assert_false(vlapic_msr_read(l, 0x800, 0, &v));
	assert_false(vlapic_msr_read(l, 0x83a, 0, &v));
	assert_false(vlapic_msr_read(l, 0x8ff, 0, &v));
	assert_false(vlapic_msr_read(l, 0x1b, 0, &v));
	assert_false(vlapic_msr_write(l, 0x900, 0, 0));
	/* Reserved bits. */
	assert_false(vlapic_msr_write(l, 0x80b, 0, 1));        /* EOI != 0 */
	assert_false(vlapic_msr_write(l, 0x828, 0, 1));        /* ESR != 0 */
	assert_false(vlapic_msr_write(l, 0x808, 0, 1ull << 32));
	assert_false(vlapic_msr_write(l, 0x83f, 0, 0x100));
	assert_false(vlapic_msr_write(l, 0x830, 0, 1u << 13 | 0x40));
	assert_false(vlapic_msr_write(l, 0x830, 0, 1u << 20 | 0x40));
	/* Allowed writes. */
	assert_true(vlapic_msr_write(l, 0x80b, 0, 0));
	assert_true(vlapic_msr_write(l, 0x828, 0, 0));
	assert_true(vlapic_msr_read(l, 0x828, 0, &v));
	assert_true(v == 0);
	assert_true(vlapic_msr_write(l, 0x808, 0, 0x1ff)); /* TPR: 7:0 kept */
	assert_true(xr(2, VLAPIC_REG_TPR) == 0xff);
}

static void test_tpr_ppr_masking(void **state)
{
	struct vlapic *l = &f.l[0];

	(void)state;
	all_xapic_enabled();
	assert_int_equal(vlapic_pending_vector(l), -1);
	vlapic_set_irq(l, 0x45, false);
	assert_int_equal(f.kicks[0], 1);
	assert_int_equal(vlapic_pending_vector(l), 0x45);
	mw(0, VLAPIC_REG_TPR, 0x50);
	assert_int_equal(mr(0, VLAPIC_REG_PPR), 0x50);
	assert_int_equal(vlapic_pending_vector(l), -1);
	mw(0, VLAPIC_REG_TPR, 0x4f); /* same class: still blocked */
	assert_int_equal(vlapic_pending_vector(l), -1);
	mw(0, VLAPIC_REG_TPR, 0x3f);
	assert_int_equal(vlapic_pending_vector(l), 0x45);
	assert_int_equal(mr(0, VLAPIC_REG_IRR + 0x20), 1u << 5);
	/* PPR: TPR while its class is >= the in-service class. */
	vlapic_accept(l, 0x45);
	assert_int_equal(mr(0, VLAPIC_REG_PPR), 0x40);
	mw(0, VLAPIC_REG_TPR, 0x47);
	assert_int_equal(mr(0, VLAPIC_REG_PPR), 0x47);
	mw(0, VLAPIC_REG_TPR, 0x52);
	assert_int_equal(mr(0, VLAPIC_REG_PPR), 0x52);
}

static void test_isr_nesting_eoi(void **state)
{
	struct vlapic *l = &f.l[1];

	(void)state;
	all_xapic_enabled();
	vlapic_set_irq(l, 0x31, false);
	vlapic_set_irq(l, 0x61, false);
	assert_int_equal(vlapic_pending_vector(l), 0x61);
	vlapic_accept(l, 0x61);
	assert_false(irr_has(1, 0x61));
	assert_int_equal(mr(1, VLAPIC_REG_ISR + 0x30), 1u << 1);
	assert_int_equal(mr(1, VLAPIC_REG_PPR), 0x60);
	assert_int_equal(vlapic_pending_vector(l), -1);
	vlapic_set_irq(l, 0x62, false); /* same class: waits */
	assert_int_equal(vlapic_pending_vector(l), -1);
	vlapic_set_irq(l, 0x81, false); /* higher class: nests */
	assert_int_equal(vlapic_pending_vector(l), 0x81);
	vlapic_accept(l, 0x81);
	assert_int_equal(mr(1, VLAPIC_REG_PPR), 0x80);
	mw(1, VLAPIC_REG_EOI, 0); /* ends 0x81, the highest */
	assert_int_equal(mr(1, VLAPIC_REG_ISR + 0x40), 0);
	assert_int_equal(mr(1, VLAPIC_REG_PPR), 0x60);
	assert_int_equal(vlapic_pending_vector(l), -1);
	mw(1, VLAPIC_REG_EOI, 0); /* ends 0x61 */
	assert_int_equal(mr(1, VLAPIC_REG_PPR), 0);
	assert_int_equal(vlapic_pending_vector(l), 0x62);
	vlapic_accept(l, 0x62);
	mw(1, VLAPIC_REG_EOI, 0);
	assert_int_equal(vlapic_pending_vector(l), 0x31);
	vlapic_accept(l, 0x31);
	mw(1, VLAPIC_REG_EOI, 0);
	assert_int_equal(vlapic_pending_vector(l), -1);
	mw(1, VLAPIC_REG_EOI, 0); /* nothing in service: harmless */
	assert_int_equal(f.eoi_calls, 0);
}

static void test_level_eoi_callback(void **state)
{
	struct vlapic *l = &f.l[2];

	(void)state;
	all_x2apic_enabled();
	vlapic_set_irq(l, 0x50, true);
	assert_true(xr(2, VLAPIC_REG_TMR + 0x20) == (1u << 16));
	vlapic_set_irq(l, 0x70, false);
	vlapic_accept(l, 0x70);
	vlapic_accept(l, 0x50);
	xw(2, VLAPIC_REG_EOI, 0); /* 0x70, edge */
	assert_int_equal(f.eoi_calls, 0);
	xw(2, VLAPIC_REG_EOI, 0); /* 0x50, level */
	assert_int_equal(f.eoi_calls, 1);
	assert_int_equal(f.eoi_index, 2);
	assert_int_equal(f.eoi_vector, 0x50);
	/* The same vector edge-triggered clears its TMR bit. */
	vlapic_set_irq(l, 0x50, false);
	assert_true(xr(2, VLAPIC_REG_TMR + 0x20) == 0);
	vlapic_accept(l, 0x50);
	xw(2, VLAPIC_REG_EOI, 0);
	assert_int_equal(f.eoi_calls, 1);
}

static void test_illegal_vector_and_esr(void **state)
{
	struct vlapic *l = &f.l[0];

	(void)state;
	all_xapic_enabled();
	vlapic_set_irq(l, 5, false);
	assert_int_equal(l->irr[0], 0);
	assert_int_equal(f.kicks[0], 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR), 0); /* not latched yet */
	mw(0, VLAPIC_REG_ESR, 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR), VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
	mw(0, VLAPIC_REG_ESR, 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR), 0);
	/* With the error LVT unmasked, the error raises its vector. */
	mw(0, VLAPIC_REG_LVT_ERROR, 0xfe);
	assert_int_equal(mr(0, VLAPIC_REG_LVT_ERROR), 0xfe);
	vlapic_set_irq(l, 15, false);
	assert_true(irr_has(0, 0xfe));
	assert_int_equal(f.kicks[0], 1);
	/* A fixed IPI with an illegal vector is a send error. */
	mw(0, VLAPIC_REG_ICR_HI, 1u << 24);
	mw(0, VLAPIC_REG_ICR_LO, 0x0e);
	assert_int_equal(f.l[1].irr[0], 0);
	mw(0, VLAPIC_REG_ESR, 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR),
			 VLAPIC_ESR_SEND_ILLEGAL_VECTOR |
			 VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

static void test_software_disable(void **state)
{
	struct vlapic *l = &f.l[1];

	(void)state;
	/* After reset SVR.8 = 0: LVT writes stay masked, fixed dropped. */
	mw(1, VLAPIC_REG_LVT_LINT0, 0x700);
	assert_int_equal(mr(1, VLAPIC_REG_LVT_LINT0), 0x10700);
	vlapic_set_irq(l, 0x40, false);
	assert_false(irr_has(1, 0x40));
	assert_int_equal(f.kicks[1], 0);
	/* NMI, INIT and SIPI still get through. */
	mw(0, VLAPIC_REG_SVR, 0x1ff);
	mw(0, VLAPIC_REG_ICR_HI, 1u << 24);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DM_NMI);
	assert_int_equal(f.nmis[1], 1);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DM_INIT | VLAPIC_ICR_ASSERT |
				 VLAPIC_ICR_LEVEL);
	assert_int_equal(f.inits[1], 1);
	mw(0, VLAPIC_REG_ICR_LO, 0x40);
	assert_false(irr_has(1, 0x40));
	/* Enable, unmask, disable again: the LVTs get masked. */
	mw(1, VLAPIC_REG_SVR, 0x1ff);
	mw(1, VLAPIC_REG_LVT_LINT0, 0x700);
	assert_int_equal(mr(1, VLAPIC_REG_LVT_LINT0), 0x700);
	mw(1, VLAPIC_REG_SVR, 0xff);
	assert_int_equal(mr(1, VLAPIC_REG_LVT_LINT0), 0x10700);
	mw(1, VLAPIC_REG_SVR, 0x1ff);
	assert_int_equal(mr(1, VLAPIC_REG_LVT_LINT0), 0x10700);
}

static void test_ipi_xapic_physical(void **state)
{
	(void)state;
	all_xapic_enabled();
	mw(0, VLAPIC_REG_ICR_HI, 0x02ffffff); /* only 31:24 are kept */
	assert_int_equal(mr(0, VLAPIC_REG_ICR_HI), 0x02000000);
	mw(0, VLAPIC_REG_ICR_LO, 0x40 | VLAPIC_ICR_BUSY);
	assert_true(irr_has(2, 0x40));
	assert_int_equal(f.kicks[2], 1);
	assert_false(irr_has(0, 0x40) || irr_has(1, 0x40) || irr_has(3, 0x40));
	assert_int_equal(mr(0, VLAPIC_REG_ICR_LO), 0x40); /* never busy */
	/* No such ID: nobody. */
	mw(0, VLAPIC_REG_ICR_HI, 0x09000000);
	mw(0, VLAPIC_REG_ICR_LO, 0x41);
	assert_false(irr_has(0, 0x41) || irr_has(1, 0x41) ||
		     irr_has(2, 0x41) || irr_has(3, 0x41));
	/* 0xff broadcasts, sender included. */
	mw(3, VLAPIC_REG_ICR_HI, 0xff000000);
	mw(3, VLAPIC_REG_ICR_LO, 0x42);
	assert_true(irr_has(0, 0x42) && irr_has(1, 0x42) &&
		    irr_has(2, 0x42) && irr_has(3, 0x42));
	/* A hardware-disabled APIC is off the bus. */
	assert_true(vlapic_set_apic_base(&f.l[1], BASE));
	mw(3, VLAPIC_REG_ICR_LO, 0x43);
	assert_false(irr_has(1, 0x43));
	assert_true(irr_has(2, 0x43));
}

static void test_ipi_xapic_logical(void **state)
{
	u32 i;

	(void)state;
	all_xapic_enabled();
	/* Flat: one bit per CPU. */
	for (i = 0; i < NCPU; i++)
		mw(i, VLAPIC_REG_LDR, (1u << i) << 24 | 0xffffff);
	assert_int_equal(mr(3, VLAPIC_REG_LDR), 8u << 24);
	mw(0, VLAPIC_REG_ICR_HI, 0x05000000);
	mw(0, VLAPIC_REG_ICR_LO, 0x50 | VLAPIC_ICR_LOGICAL);
	assert_true(irr_has(0, 0x50) && irr_has(2, 0x50));
	assert_false(irr_has(1, 0x50) || irr_has(3, 0x50));
	/* Cluster: 7:4 cluster, 3:0 members; DFR 27:0 read as ones. */
	for (i = 0; i < NCPU; i++) {
		mw(i, VLAPIC_REG_DFR, 0);
		assert_int_equal(mr(i, VLAPIC_REG_DFR), 0x0fffffff);
	}
	mw(0, VLAPIC_REG_LDR, 0x11000000);
	mw(1, VLAPIC_REG_LDR, 0x12000000);
	mw(2, VLAPIC_REG_LDR, 0x21000000);
	mw(3, VLAPIC_REG_LDR, 0x22000000);
	mw(0, VLAPIC_REG_ICR_HI, 0x23000000);
	mw(0, VLAPIC_REG_ICR_LO, 0x51 | VLAPIC_ICR_LOGICAL);
	assert_true(irr_has(2, 0x51) && irr_has(3, 0x51));
	assert_false(irr_has(0, 0x51) || irr_has(1, 0x51));
	/* Logical 0xff broadcasts. */
	mw(0, VLAPIC_REG_ICR_HI, 0xff000000);
	mw(0, VLAPIC_REG_ICR_LO, 0x52 | VLAPIC_ICR_LOGICAL);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x52));
}

static void test_ipi_shorthands(void **state)
{
	u32 i;

	(void)state;
	all_xapic_enabled();
	/* The destination field is ignored with a shorthand. */
	mw(1, VLAPIC_REG_ICR_HI, 0x03000000);
	mw(1, VLAPIC_REG_ICR_LO, 0x60 | VLAPIC_ICR_DEST_SELF);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x60) == (i == 1));
	mw(1, VLAPIC_REG_ICR_LO, 0x61 | VLAPIC_ICR_DEST_ALL);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x61));
	mw(1, VLAPIC_REG_ICR_LO, 0x62 | VLAPIC_ICR_DEST_OTHERS);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x62) == (i != 1));
	assert_int_equal(f.kicks[1], 2);
	assert_int_equal(f.kicks[0], 2);
}

static void test_ipi_x2apic(void **state)
{
	u32 i;

	(void)state;
	all_x2apic_enabled();
	/* Physical: 32-bit destination in 63:32. */
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 32) | 0x70);
	assert_true(xr(0, VLAPIC_REG_ICR_LO) == ((3ull << 32) | 0x70));
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x70) == (i == 3));
	/* An xAPIC-style 3 << 24 reaches nobody. */
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 56) | 0x71);
	for (i = 0; i < NCPU; i++)
		assert_false(irr_has(i, 0x71));
	xw(0, VLAPIC_REG_ICR_LO, (0xffffffffull << 32) | 0x72);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x72));
	/* Logical: cluster 0, members 1 and 3. */
	xw(0, VLAPIC_REG_ICR_LO, (0xaull << 32) | VLAPIC_ICR_LOGICAL | 0x73);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x73) == (i == 1 || i == 3));
	/* Wrong cluster. */
	xw(0, VLAPIC_REG_ICR_LO, (0x1000full << 32) | VLAPIC_ICR_LOGICAL |
				 0x74);
	for (i = 0; i < NCPU; i++)
		assert_false(irr_has(i, 0x74));
	xw(2, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DEST_OTHERS | 0x75);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x75) == (i != 2));
	/* Level-triggered fixed IPI sets TMR. */
	xw(0, VLAPIC_REG_ICR_LO, (1ull << 32) | VLAPIC_ICR_LEVEL |
				 VLAPIC_ICR_ASSERT | 0x76);
	assert_true(f.l[1].tmr[0x76 >> 5] & (1u << (0x76 & 31)));
}

static void test_ipi_lowest_priority(void **state)
{
	u32 i;

	(void)state;
	all_x2apic_enabled();
	xw(0, VLAPIC_REG_ICR_LO, (0xeull << 32) | VLAPIC_ICR_LOGICAL |
				 VLAPIC_ICR_DM_LOWEST | 0x80);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x80) == (i == 1));
	/* xAPIC physical lowest priority is just that one CPU. */
	setup(NULL);
	all_xapic_enabled();
	mw(0, VLAPIC_REG_ICR_HI, 0x02000000);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DM_LOWEST | 0x81);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x81) == (i == 2));
}

static void test_init_sipi(void **state)
{
	(void)state;
	all_xapic_enabled();
	/* Linux's sequence: INIT assert, INIT de-assert, SIPI, SIPI. */
	mw(0, VLAPIC_REG_ESR, 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR), 0);
	mw(0, VLAPIC_REG_ICR_HI, 0x01000000);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_LEVEL | VLAPIC_ICR_ASSERT |
				 VLAPIC_ICR_DM_INIT);
	assert_int_equal(f.inits[1], 1);
	assert_int_equal(f.kicks[1], 1);
	assert_int_equal(mr(0, VLAPIC_REG_ICR_LO) & VLAPIC_ICR_BUSY, 0);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_LEVEL | VLAPIC_ICR_DM_INIT);
	assert_int_equal(f.inits[1], 1);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DM_STARTUP | 0x9a);
	mw(0, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DM_STARTUP | 0x9a);
	assert_int_equal(f.startups[1], 2);
	assert_int_equal(f.sipi_vector[1], 0x9a);
	assert_int_equal(f.inits[0] + f.inits[2] + f.inits[3], 0);
	assert_int_equal(f.startups[0] + f.startups[2] + f.startups[3], 0);
	assert_int_equal(mr(0, VLAPIC_REG_ESR), 0);
	/* SIPI does not touch the target's IRR. */
	assert_int_equal(f.l[1].irr[0x9a >> 5], 0);

	/* x2APIC: one 64-bit write, no busy polling. */
	assert_true(vlapic_set_apic_base(&f.l[0], X2APIC));
	assert_true(vlapic_set_apic_base(&f.l[3], X2APIC));
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 32) | VLAPIC_ICR_LEVEL |
				 VLAPIC_ICR_ASSERT | VLAPIC_ICR_DM_INIT);
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 32) | VLAPIC_ICR_DM_STARTUP | 0x10);
	assert_int_equal(f.inits[3], 1);
	assert_int_equal(f.startups[3], 1);
	assert_int_equal(f.sipi_vector[3], 0x10);
	/* SMI and ExtINT are ignored. */
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 32) | VLAPIC_ICR_DM_SMI);
	xw(0, VLAPIC_REG_ICR_LO, (3ull << 32) | VLAPIC_ICR_DM_EXTINT);
	assert_int_equal(f.kicks[3], 2);
}

static void test_nmi_ipi(void **state)
{
	u32 i;

	(void)state;
	all_x2apic_enabled();
	xw(1, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DEST_ALL | VLAPIC_ICR_DM_NMI);
	for (i = 0; i < NCPU; i++) {
		assert_int_equal(f.nmis[i], 1);
		assert_int_equal(f.kicks[i], 1);
		assert_int_equal(f.l[i].irr[0], 0); /* vector 0 is no error */
	}
	xw(1, VLAPIC_REG_ESR, 0);
	assert_true(xr(1, VLAPIC_REG_ESR) == 0);
}

static void test_self_ipi(void **state)
{
	u64 v;
	u32 i;

	(void)state;
	all_x2apic_enabled();
	xw(2, VLAPIC_REG_SELF_IPI, 0x55);
	for (i = 0; i < NCPU; i++)
		assert_true(irr_has(i, 0x55) == (i == 2));
	assert_int_equal(f.kicks[2], 1);
	assert_false(vlapic_msr_read(&f.l[2], 0x83f, 0, &v));
	/* The ICR is untouched by SELF_IPI. */
	assert_true(xr(2, VLAPIC_REG_ICR_LO) == 0);
	/* xAPIC has no SELF_IPI register. */
	setup(NULL);
	all_xapic_enabled();
	mw(2, VLAPIC_REG_SELF_IPI, 0x55);
	assert_false(irr_has(2, 0x55));
}

#define STRESS_ROUNDS 2000

/* Each vCPU thread broadcasts IPIs (taking every other vLAPIC's lock)
 * while taking its own interrupts: no deadlock, nothing lost. */
static void *stress_vcpu(void *arg)
{
	u32 me = (u32)(uintptr_t)arg;
	struct vlapic *l = &f.l[me];
	unsigned int i, taken = 0;
	int v;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		xw(me, VLAPIC_REG_ICR_LO, VLAPIC_ICR_DEST_ALL | (0x40 + me));
		while ((v = vlapic_pending_vector(l)) >= 0) {
			vlapic_accept(l, (u8)v);
			xw(me, VLAPIC_REG_EOI, 0);
			taken++;
		}
	}
	return (void *)(uintptr_t)taken;
}

static void test_concurrent_ipis(void **state)
{
	pthread_t th[NCPU];
	void *ret;
	u32 i;

	(void)state;
	all_x2apic_enabled();
	for (i = 0; i < NCPU; i++)
		assert_int_equal(pthread_create(&th[i], NULL, stress_vcpu,
						 (void *)(uintptr_t)i), 0);
	for (i = 0; i < NCPU; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_true((uintptr_t)ret > 0);
	}
	for (i = 0; i < NCPU; i++) {
		assert_int_equal(f.kicks[i], NCPU * STRESS_ROUNDS);
		assert_int_equal(xr(i, VLAPIC_REG_ISR + 0x20), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_xapic, setup),
		cmocka_unit_test_setup(test_reset_x2apic, setup),
		cmocka_unit_test_setup(test_x2apic_ldr_derivation, setup),
		cmocka_unit_test_setup(test_apic_base_transitions, setup),
		cmocka_unit_test_setup(test_x2apic_gp_cases, setup),
		cmocka_unit_test_setup(test_tpr_ppr_masking, setup),
		cmocka_unit_test_setup(test_isr_nesting_eoi, setup),
		cmocka_unit_test_setup(test_level_eoi_callback, setup),
		cmocka_unit_test_setup(test_illegal_vector_and_esr, setup),
		cmocka_unit_test_setup(test_software_disable, setup),
		cmocka_unit_test_setup(test_ipi_xapic_physical, setup),
		cmocka_unit_test_setup(test_ipi_xapic_logical, setup),
		cmocka_unit_test_setup(test_ipi_shorthands, setup),
		cmocka_unit_test_setup(test_ipi_x2apic, setup),
		cmocka_unit_test_setup(test_ipi_lowest_priority, setup),
		cmocka_unit_test_setup(test_init_sipi, setup),
		cmocka_unit_test_setup(test_nmi_ipi, setup),
		cmocka_unit_test_setup(test_self_ipi, setup),
		cmocka_unit_test_setup(test_concurrent_ipis, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
