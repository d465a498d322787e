/*
 * vLAPIC inter-processor interrupts: an ICR (or x2APIC SELF_IPI) write
 * is routed here after the sender has dropped its own lock.
 *
 * Delivery is instant (the ICR never reads busy). Each possible target
 * is examined under its own lock, one at a time, so no two vLAPIC locks
 * are ever held together and env callbacks run with none held.
 */
#include "vdev/vlapic.h"

#define REG(l, r) ((l)->regs[(r) >> 4])

/* What matching needs from a target, read under its lock. */
struct vlapic_ipi_view {
	bool enabled;   /* IA32_APIC_BASE EN: a disabled APIC is off the bus */
	u32 ldr;
	u32 dfr;
};

static void vlapic_ipi_snapshot(struct vlapic *t, struct vlapic_ipi_view *v)
{
	vlapic_lock(t);
	v->enabled = t->apic_base & VLAPIC_BASE_EN;
	v->ldr = REG(t, VLAPIC_REG_LDR);
	v->dfr = REG(t, VLAPIC_REG_DFR);
	vlapic_unlock(t);
}

/* x2APIC: 32-bit IDs; logical = cluster in 31:16, one bit per member. */
static bool vlapic_match_x2apic(const struct vlapic *t,
				const struct vlapic_ipi_view *v, u32 dest,
				bool logical)
{
	if (dest == 0xffffffffu)
		return true;
	if (!logical)
		return dest == t->index;
	return (dest >> 16) == (v->ldr >> 16) && (dest & v->ldr & 0xffff);
}

/* xAPIC: 8-bit IDs; logical per the target's DFR model (flat: an 8-bit
 * mask; cluster: cluster in 7:4, member mask in 3:0). */
static bool vlapic_match_xapic(const struct vlapic *t,
			       const struct vlapic_ipi_view *v, u32 dest,
			       bool logical)
{
	u32 d = dest & 0xff;
	u32 ldr = v->ldr >> 24;

	if (d == 0xff)
		return true;
	if (!logical)
		return t->index < 0xff && d == t->index;
	switch (v->dfr >> 28) {
	case 0xf:
		return d & ldr;
	case 0x0:
		return (d >> 4) == (ldr >> 4) && (d & ldr & 0xf);
	default:
		return false;
	}
}

static bool vlapic_ipi_match(struct vlapic *src, struct vlapic *t, u32 icr,
			     u32 dest, bool x2apic)
{
	struct vlapic_ipi_view v;
	bool logical = icr & VLAPIC_ICR_LOGICAL;

	vlapic_ipi_snapshot(t, &v);
	if (!v.enabled)
		return false;
	switch (icr & VLAPIC_ICR_SHORTHAND) {
	case VLAPIC_ICR_DEST_SELF:
		return t == src;
	case VLAPIC_ICR_DEST_ALL:
		return true;
	case VLAPIC_ICR_DEST_OTHERS:
		return t != src;
	default:
		if (x2apic)
			return vlapic_match_x2apic(t, &v, dest, logical);
		return vlapic_match_xapic(t, &v, dest, logical);
	}
}

static void vlapic_ipi_deliver(struct vlapic *t, u32 icr)
{
	const struct vlapic_env *env = t->env;
	u8 vector = icr & 0xff;

	switch (icr & VLAPIC_ICR_DM_MASK) {
	case VLAPIC_ICR_DM_FIXED:
	case VLAPIC_ICR_DM_LOWEST:
		vlapic_set_irq(t, vector, icr & VLAPIC_ICR_LEVEL);
		return; /* vlapic_set_irq kicks */
	case VLAPIC_ICR_DM_NMI:
		if (env->nmi)
			env->nmi(env->ctx, t->index);
		break;
	case VLAPIC_ICR_DM_INIT:
		if (env->init)
			env->init(env->ctx, t->index);
		break;
	case VLAPIC_ICR_DM_STARTUP:
		if (env->startup)
			env->startup(env->ctx, t->index, vector);
		break;
	}
	if (env->kick)
		env->kick(env->ctx, t->index);
}

static void vlapic_ipi_error(struct vlapic *src, u32 esr_bit)
{
	struct vlapic_effects fx;

	vlapic_begin(src, &fx);
	fx.kick = vlapic_error_locked(src, esr_bit);
	vlapic_end(src, &fx);
}

void vlapic_send_ipi(struct vlapic *src, u32 icr, u32 dest, bool x2apic)
{
	const struct vlapic_env *env = src->env;
	u32 mode = icr & VLAPIC_ICR_DM_MASK;
	struct vlapic *t;
	u32 i;

	switch (mode) {
	case VLAPIC_ICR_DM_FIXED:
	case VLAPIC_ICR_DM_LOWEST:
		if ((icr & 0xff) < 16) {
			vlapic_ipi_error(src, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
			return;
		}
		break;
	case VLAPIC_ICR_DM_INIT:
		/* Only the assert matters; Linux's de-assert is a no-op. */
		if (!(icr & VLAPIC_ICR_ASSERT))
			return;
		break;
	case VLAPIC_ICR_DM_NMI:
	case VLAPIC_ICR_DM_STARTUP:
		break;
	default:
		return; /* SMI, ExtINT and reserved modes are not modelled */
	}

	for (i = 0; i < env->count; i++) {
		t = env->get(env->ctx, i);
		if (!t || !vlapic_ipi_match(src, t, icr, dest, x2apic))
			continue;
		vlapic_ipi_deliver(t, icr);
		/* Lowest priority: the lowest-index match stands for the
		 * arbitration winner; guests cannot tell the difference. */
		if (mode == VLAPIC_ICR_DM_LOWEST)
			break;
	}
}
