/*
 * The virtual local APIC: state, interrupt acceptance (IRR -> ISR -> EOI),
 * IA32_APIC_BASE mode transitions and the xAPIC/x2APIC register files.
 * The timer lives in vlapic_timer.c, IPI routing in vlapic_ipi.c.
 *
 * References: Intel SDM vol. 3A chapter "Advanced Programmable Interrupt
 * Controller" (x2APIC register table, state transitions); AMD APM vol. 2
 * chapter 16.
 */
#include "vdev/vlapic.h"
#include "lib/string.h"

#define REG(l, r) ((l)->regs[(r) >> 4])

/* LVT bits each entry keeps; the rest is reserved or read-only. */
#define LVT_EVENT_BITS 0x107ffu   /* vector, delivery mode, mask */
#define LVT_LINT_BITS 0x1a7ffu    /* + polarity, trigger (remote IRR is RO) */
#define LVT_ERROR_BITS 0x100ffu   /* vector, mask */
#define ICR_XAPIC_BITS 0xccfffu   /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_X2APIC_RESERVED 0xfff32000ull /* bits 31:20, 17:16, 13 */
#define SVR_BITS 0x3ffu           /* vector, enable, focus check */

static const u32 vlapic_lvt_regs[] = {
	VLAPIC_REG_LVT_TIMER, VLAPIC_REG_LVT_THERMAL, VLAPIC_REG_LVT_PERF,
	VLAPIC_REG_LVT_LINT0, VLAPIC_REG_LVT_LINT1, VLAPIC_REG_LVT_ERROR,
};

/*
 * A test-and-test-and-set lock: critical sections are a few dozen
 * instructions and contention is rare (an IPI or device interrupt racing
 * the owner's register access), so fairness is not worth a ticket.
 */
void vlapic_lock(struct vlapic *l)
{
	while (__atomic_exchange_n(&l->lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	}
}

void vlapic_unlock(struct vlapic *l)
{
	__atomic_store_n(&l->lock, 0, __ATOMIC_RELEASE);
}

void vlapic_begin(struct vlapic *l, struct vlapic_effects *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->eoi_level = -1;
	vlapic_lock(l);
	fx->old_deadline = l->timer_deadline;
}

void vlapic_end(struct vlapic *l, struct vlapic_effects *fx)
{
	const struct vlapic_env *env = l->env;
	u64 deadline = l->timer_deadline;

	vlapic_unlock(l);
	if (deadline != fx->old_deadline && env->timer_changed)
		env->timer_changed(env->ctx, l->index, deadline);
	if (fx->eoi_level >= 0 && env->eoi_level)
		env->eoi_level(env->ctx, l->index, (u8)fx->eoi_level);
	if (fx->kick && env->kick)
		env->kick(env->ctx, l->index);
	if (fx->send)
		vlapic_send_ipi(l, fx->send_icr, fx->send_dest, fx->send_x2apic);
}

static bool vec_test(const u32 *bm, u8 v)
{
	return bm[v >> 5] & (1u << (v & 31));
}

static void vec_set(u32 *bm, u8 v)
{
	bm[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(u32 *bm, u8 v)
{
	bm[v >> 5] &= ~(1u << (v & 31));
}

static int vec_highest(const u32 *bm)
{
	int i;

	for (i = 7; i >= 0; i--) {
		if (bm[i])
			return i * 32 + 31 - __builtin_clz(bm[i]);
	}
	return -1;
}

bool vlapic_x2apic_enabled(const struct vlapic *l)
{
	u64 m = VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;

	return (l->apic_base & m) == m;
}

bool vlapic_xapic_enabled(const struct vlapic *l)
{
	u64 m = VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;

	return (l->apic_base & m) == VLAPIC_BASE_EN;
}

bool vlapic_sw_enabled(const struct vlapic *l)
{
	return REG(l, VLAPIC_REG_SVR) & VLAPIC_SVR_ENABLE;
}

static u32 vlapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* ID and LDR follow the mode: x2APIC derives both from the 32-bit ID. */
static void vlapic_refresh_ids(struct vlapic *l)
{
	if (vlapic_x2apic_enabled(l)) {
		REG(l, VLAPIC_REG_ID) = l->index;
		REG(l, VLAPIC_REG_LDR) = vlapic_x2apic_ldr(l->index);
	} else {
		REG(l, VLAPIC_REG_ID) = l->index << 24;
		REG(l, VLAPIC_REG_LDR) = 0;
	}
}

/* Every register to its power-on value; apic_base is the caller's. */
static void vlapic_reset_regs(struct vlapic *l)
{
	unsigned int i;

	memset(l->regs, 0, sizeof(l->regs));
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->esr_pending = 0;
	REG(l, VLAPIC_REG_VERSION) = VLAPIC_VERSION;
	REG(l, VLAPIC_REG_DFR) = 0xffffffffu;
	REG(l, VLAPIC_REG_SVR) = 0xff;
	for (i = 0; i < ARRAY_SIZE(vlapic_lvt_regs); i++)
		REG(l, vlapic_lvt_regs[i]) = VLAPIC_LVT_MASKED;
	vlapic_timer_stop(l);
	vlapic_refresh_ids(l);
}

void vlapic_reset(struct vlapic *l, bool init_only)
{
	struct vlapic_effects fx;

	vlapic_begin(l, &fx);
	/* INIT keeps the mode (even x2APIC) and the base; RESET does not. */
	if (!init_only) {
		l->apic_base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN;
		if (l->index == 0)
			l->apic_base |= VLAPIC_BASE_BSP;
	}
	vlapic_reset_regs(l);
	vlapic_end(l, &fx);
}

void vlapic_init(struct vlapic *l, const struct vlapic_env *env, u32 index,
		 u64 tsc_hz)
{
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->index = index;
	l->tsc_hz = tsc_hz;
	vlapic_reset(l, false);
}

bool vlapic_set_apic_base(struct vlapic *l, u64 val)
{
	const u64 mode_bits = VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;
	struct vlapic_effects fx;
	u64 cur, next;
	bool ok = true;

	/* Bits 7:0 and 9 are reserved; the base cannot move (one MMIO page
	 * per VM is registered at the default address). */
	if (val & 0x2ffull)
		return false;
	if ((val & ~0xfffull) != VLAPIC_BASE_DEFAULT)
		return false;

	vlapic_begin(l, &fx);
	cur = l->apic_base & mode_bits;
	next = val & mode_bits;
	if (next == cur)
		goto out;
	/* Legal: disabled -> xAPIC -> x2APIC -> disabled, xAPIC -> disabled. */
	if (!(cur == 0 && next == VLAPIC_BASE_EN) &&
	    !(cur == VLAPIC_BASE_EN && next == mode_bits) &&
	    !(cur != 0 && next == 0)) {
		ok = false;
		goto out;
	}
	l->apic_base = (l->apic_base & VLAPIC_BASE_BSP) | VLAPIC_BASE_DEFAULT |
		       next;
	if (next == 0)
		vlapic_reset_regs(l); /* nothing but the ID survives disable */
	else
		vlapic_refresh_ids(l);
out:
	vlapic_end(l, &fx);
	return ok;
}

static u32 vlapic_ppr(const struct vlapic *l)
{
	u32 tpr = REG(l, VLAPIC_REG_TPR) & 0xff;
	int isrv = vec_highest(l->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

bool vlapic_error_locked(struct vlapic *l, u32 esr_bit)
{
	u32 lvt = REG(l, VLAPIC_REG_LVT_ERROR);
	u8 vector = lvt & 0xff;

	l->esr_pending |= esr_bit;
	/* An illegal error vector would only report itself again. */
	if ((lvt & VLAPIC_LVT_MASKED) || vector < 16 || !vlapic_sw_enabled(l))
		return false;
	vec_set(l->irr, vector);
	vec_clear(l->tmr, vector);
	return true;
}

bool vlapic_deliver_locked(struct vlapic *l, u8 vector, bool level)
{
	if (!(l->apic_base & VLAPIC_BASE_EN))
		return false;
	if (vector < 16)
		return vlapic_error_locked(l, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
	if (!vlapic_sw_enabled(l))
		return false;
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	return true;
}

void vlapic_set_irq(struct vlapic *l, u8 vector, bool level)
{
	struct vlapic_effects fx;

	vlapic_begin(l, &fx);
	fx.kick = vlapic_deliver_locked(l, vector, level);
	vlapic_end(l, &fx);
}

int vlapic_pending_vector(struct vlapic *l)
{
	int v;

	vlapic_lock(l);
	v = vec_highest(l->irr);
	if (v >= 0 && ((u32)v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		v = -1;
	vlapic_unlock(l);
	return v;
}

void vlapic_accept(struct vlapic *l, u8 vector)
{
	vlapic_lock(l);
	if (vec_test(l->irr, vector)) {
		vec_clear(l->irr, vector);
		vec_set(l->isr, vector);
	}
	vlapic_unlock(l);
}

static void vlapic_eoi_locked(struct vlapic *l, struct vlapic_effects *fx)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, (u8)v);
	if (vec_test(l->tmr, (u8)v))
		fx->eoi_level = v;
}

static void vlapic_write_svr(struct vlapic *l, u32 val)
{
	unsigned int i;

	REG(l, VLAPIC_REG_SVR) = val & SVR_BITS;
	if (val & VLAPIC_SVR_ENABLE)
		return;
	/* Software disable masks every LVT; re-enabling does not unmask. */
	for (i = 0; i < ARRAY_SIZE(vlapic_lvt_regs); i++)
		REG(l, vlapic_lvt_regs[i]) |= VLAPIC_LVT_MASKED;
}

static void vlapic_write_lvt(struct vlapic *l, u32 reg, u32 val, u32 bits)
{
	val &= bits;
	if (!vlapic_sw_enabled(l))
		val |= VLAPIC_LVT_MASKED;
	REG(l, reg) = val;
}

static bool vlapic_in_range(u32 reg, u32 first)
{
	return reg >= first && reg < first + 0x80;
}

/* false: no such register in x2APIC mode (#GP); xAPIC reads 0 instead. */
static bool vlapic_read_locked(struct vlapic *l, u32 reg, u64 now, bool x2,
			       u64 *val)
{
	*val = 0;
	if (vlapic_in_range(reg, VLAPIC_REG_ISR)) {
		*val = l->isr[(reg - VLAPIC_REG_ISR) >> 4];
		return true;
	}
	if (vlapic_in_range(reg, VLAPIC_REG_TMR)) {
		*val = l->tmr[(reg - VLAPIC_REG_TMR) >> 4];
		return true;
	}
	if (vlapic_in_range(reg, VLAPIC_REG_IRR)) {
		*val = l->irr[(reg - VLAPIC_REG_IRR) >> 4];
		return true;
	}
	switch (reg) {
	case VLAPIC_REG_ID:
	case VLAPIC_REG_VERSION:
	case VLAPIC_REG_TPR:
	case VLAPIC_REG_LDR:
	case VLAPIC_REG_SVR:
	case VLAPIC_REG_ESR:
	case VLAPIC_REG_LVT_TIMER:
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PERF:
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
	case VLAPIC_REG_LVT_ERROR:
	case VLAPIC_REG_TIMER_INIT:
	case VLAPIC_REG_TIMER_DIV:
		*val = REG(l, reg);
		return true;
	case VLAPIC_REG_PPR:
		*val = vlapic_ppr(l);
		return true;
	case VLAPIC_REG_TIMER_CUR:
		*val = vlapic_timer_read_current(l, now);
		return true;
	case VLAPIC_REG_ICR_LO:
		/* Delivery is instant, so the busy bit never reads 1. */
		*val = REG(l, reg) & ~VLAPIC_ICR_BUSY;
		if (x2)
			*val |= (u64)REG(l, VLAPIC_REG_ICR_HI) << 32;
		return true;
	case VLAPIC_REG_ICR_HI:
	case VLAPIC_REG_DFR:
		*val = REG(l, reg);
		return !x2;
	default:
		/* APR, RRD, EOI, CMCI (no such LVT), SELF_IPI, holes. */
		return !x2;
	}
}

/* false: #GP in x2APIC mode; xAPIC ignores the same writes. */
static bool vlapic_write_locked(struct vlapic *l, u32 reg, u64 val, u64 now,
				bool x2, struct vlapic_effects *fx)
{
	u32 v = (u32)val;

	if (x2 && reg != VLAPIC_REG_ICR_LO && (val >> 32))
		return false;
	switch (reg) {
	case VLAPIC_REG_TPR:
		REG(l, reg) = v & 0xff;
		return true;
	case VLAPIC_REG_EOI:
		if (x2 && v)
			return false;
		vlapic_eoi_locked(l, fx);
		return true;
	case VLAPIC_REG_LDR:
		if (x2)
			return false;
		REG(l, reg) = v & 0xff000000u;
		return true;
	case VLAPIC_REG_DFR:
		if (x2)
			return false;
		REG(l, reg) = v | 0x0fffffffu;
		return true;
	case VLAPIC_REG_SVR:
		vlapic_write_svr(l, v);
		return true;
	case VLAPIC_REG_ESR:
		if (x2 && v)
			return false;
		/* A write latches the errors seen since the previous one. */
		REG(l, reg) = l->esr_pending;
		l->esr_pending = 0;
		return true;
	case VLAPIC_REG_ICR_LO:
		if (x2) {
			if (val & ICR_X2APIC_RESERVED)
				return false;
			REG(l, VLAPIC_REG_ICR_HI) = (u32)(val >> 32);
		}
		REG(l, reg) = v & ICR_XAPIC_BITS;
		fx->send = true;
		fx->send_x2apic = x2;
		fx->send_icr = REG(l, reg);
		fx->send_dest = x2 ? REG(l, VLAPIC_REG_ICR_HI) :
				     REG(l, VLAPIC_REG_ICR_HI) >> 24;
		return true;
	case VLAPIC_REG_ICR_HI:
		if (x2)
			return false;
		REG(l, reg) = v & 0xff000000u;
		return true;
	case VLAPIC_REG_LVT_TIMER:
		vlapic_timer_write_lvt(l, v);
		return true;
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PERF:
		vlapic_write_lvt(l, reg, v, LVT_EVENT_BITS);
		return true;
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
		vlapic_write_lvt(l, reg, v, LVT_LINT_BITS);
		return true;
	case VLAPIC_REG_LVT_ERROR:
		vlapic_write_lvt(l, reg, v, LVT_ERROR_BITS);
		return true;
	case VLAPIC_REG_TIMER_INIT:
		vlapic_timer_write_initial(l, v, now);
		return true;
	case VLAPIC_REG_TIMER_DIV:
		vlapic_timer_write_divide(l, v, now);
		return true;
	case VLAPIC_REG_SELF_IPI:
		if (!x2)
			return true;
		if (v & ~0xffu)
			return false;
		fx->send = true;
		fx->send_x2apic = true;
		fx->send_icr = VLAPIC_ICR_DEST_SELF | VLAPIC_ICR_DM_FIXED | v;
		fx->send_dest = 0;
		return true;
	default:
		/* Read-only registers (ID, VERSION, PPR, ISR/TMR/IRR, current
		 * count; in xAPIC mode the ID too: vCPUs are named by index)
		 * and holes. */
		return !x2;
	}
}

bool vlapic_msr_read(struct vlapic *l, u32 msr, u64 now, u64 *val)
{
	bool ok;

	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		vlapic_lock(l);
		*val = vlapic_timer_read_tsc_deadline(l);
		vlapic_unlock(l);
		return true;
	}
	if (msr < VLAPIC_X2APIC_MSR_FIRST || msr > VLAPIC_X2APIC_MSR_LAST ||
	    !vlapic_x2apic_enabled(l))
		return false;
	vlapic_lock(l);
	ok = vlapic_read_locked(l, (msr - VLAPIC_X2APIC_MSR_FIRST) << 4, now,
				true, val);
	vlapic_unlock(l);
	return ok;
}

bool vlapic_msr_write(struct vlapic *l, u32 msr, u64 now, u64 val)
{
	struct vlapic_effects fx;
	bool ok;

	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		vlapic_begin(l, &fx);
		vlapic_timer_write_tsc_deadline(l, val);
		vlapic_end(l, &fx);
		return true;
	}
	if (msr < VLAPIC_X2APIC_MSR_FIRST || msr > VLAPIC_X2APIC_MSR_LAST ||
	    !vlapic_x2apic_enabled(l))
		return false;
	vlapic_begin(l, &fx);
	ok = vlapic_write_locked(l, (msr - VLAPIC_X2APIC_MSR_FIRST) << 4, val,
				 now, true, &fx);
	vlapic_end(l, &fx);
	return ok;
}

/* The xAPIC page is not there outside xAPIC mode: reads float high, like
 * any MMIO nobody emulates. */
u32 vlapic_mmio_read(struct vlapic *l, u32 offset, u64 now)
{
	u64 val = 0;

	if (!vlapic_xapic_enabled(l))
		return 0xffffffffu;
	if ((offset & 0xf) || offset >= 0x400)
		return 0;
	vlapic_lock(l);
	vlapic_read_locked(l, offset, now, false, &val);
	vlapic_unlock(l);
	return (u32)val;
}

void vlapic_mmio_write(struct vlapic *l, u32 offset, u32 val, u64 now)
{
	struct vlapic_effects fx;

	if (!vlapic_xapic_enabled(l) || (offset & 0xf) || offset >= 0x400)
		return;
	vlapic_begin(l, &fx);
	vlapic_write_locked(l, offset, val, now, false, &fx);
	vlapic_end(l, &fx);
}
