/*
 * The vLAPIC timer: one-shot, periodic and TSC-deadline modes.
 *
 * The timer's input clock is the guest TSC (the "bus clock" equals the
 * TSC rate), so one count lasts `divide` TSC ticks. No count is kept:
 * the state is the guest TSC of the next expiry (timer_deadline), and the
 * current count is derived from it and @now. The host programs a real
 * timer from timer_deadline (env->timer_changed) and calls
 * vlapic_timer_poll(), which delivers the interrupt.
 *
 * Everything here but vlapic_timer_poll() runs under the vLAPIC lock.
 */
#include "vdev/vlapic.h"

#define REG(l, r) ((l)->regs[(r) >> 4])

#define LVT_TIMER_BITS 0x700ffu /* vector, mask, mode */
#define TIMER_DIV_BITS 0xbu

static u32 vlapic_timer_mode(const struct vlapic *l)
{
	return REG(l, VLAPIC_REG_LVT_TIMER) & VLAPIC_LVT_TIMER_MODE;
}

static bool vlapic_timer_is_deadline(const struct vlapic *l)
{
	return vlapic_timer_mode(l) == VLAPIC_LVT_TIMER_TSC_DEADLINE;
}

/* Divide configuration bits 3,1:0: 000 -> 2, 001 -> 4 ... 110 -> 128,
 * 111 -> 1. */
static u32 vlapic_timer_divide(const struct vlapic *l)
{
	u32 v = REG(l, VLAPIC_REG_TIMER_DIV);
	u32 code = (v & 3) | ((v >> 1) & 4);

	return 1u << ((code + 1) & 7);
}

/* 0 means "not armed", so an expiry at TSC 0 is moved to 1. */
static void vlapic_timer_arm(struct vlapic *l, u64 deadline)
{
	l->timer_deadline = deadline ? deadline : 1;
}

void vlapic_timer_stop(struct vlapic *l)
{
	l->timer_deadline = 0;
	l->timer_period = 0;
	l->tsc_deadline = 0;
}

void vlapic_timer_write_lvt(struct vlapic *l, u32 val)
{
	bool was_deadline = vlapic_timer_is_deadline(l);

	val &= LVT_TIMER_BITS;
	if (!vlapic_sw_enabled(l))
		val |= VLAPIC_LVT_MASKED;
	REG(l, VLAPIC_REG_LVT_TIMER) = val;
	/*
	 * Entering or leaving TSC-deadline mode disarms the timer (SDM); a
	 * switch between one-shot and periodic keeps counting and only
	 * changes what happens at the next expiry.
	 */
	if (was_deadline != vlapic_timer_is_deadline(l)) {
		REG(l, VLAPIC_REG_TIMER_INIT) = 0;
		vlapic_timer_stop(l);
	}
}

void vlapic_timer_write_initial(struct vlapic *l, u32 val, u64 now)
{
	if (vlapic_timer_is_deadline(l))
		return; /* ignored in TSC-deadline mode */
	REG(l, VLAPIC_REG_TIMER_INIT) = val;
	if (!val) {
		vlapic_timer_stop(l);
		return;
	}
	l->timer_period = (u64)val * vlapic_timer_divide(l);
	vlapic_timer_arm(l, now + l->timer_period);
}

u32 vlapic_timer_read_current(const struct vlapic *l, u64 now)
{
	u64 left;

	if (vlapic_timer_is_deadline(l) || !l->timer_deadline)
		return 0;
	if (now < l->timer_deadline)
		left = l->timer_deadline - now;
	else if (vlapic_timer_mode(l) == VLAPIC_LVT_TIMER_PERIODIC &&
		 l->timer_period)
		/* Expired but not yet polled: periodic has already reloaded. */
		left = l->timer_period - (now - l->timer_deadline) %
					 l->timer_period;
	else
		return 0;
	return (u32)(left / vlapic_timer_divide(l));
}

/* A new divisor applies from now on: the remaining count is kept and
 * runs at the new rate. */
void vlapic_timer_write_divide(struct vlapic *l, u32 val, u64 now)
{
	u32 count = vlapic_timer_read_current(l, now);
	u32 div;

	REG(l, VLAPIC_REG_TIMER_DIV) = val & TIMER_DIV_BITS;
	if (vlapic_timer_is_deadline(l) || !l->timer_deadline)
		return;
	div = vlapic_timer_divide(l);
	l->timer_period = (u64)REG(l, VLAPIC_REG_TIMER_INIT) * div;
	vlapic_timer_arm(l, now + (u64)count * div);
}

/* IA32_TSC_DEADLINE reads 0 and ignores writes outside deadline mode. */
u64 vlapic_timer_read_tsc_deadline(const struct vlapic *l)
{
	return vlapic_timer_is_deadline(l) ? l->tsc_deadline : 0;
}

void vlapic_timer_write_tsc_deadline(struct vlapic *l, u64 val)
{
	if (!vlapic_timer_is_deadline(l))
		return;
	l->tsc_deadline = val;
	l->timer_deadline = val; /* 0 disarms; a past value fires at poll */
}

u64 vlapic_timer_poll(struct vlapic *l, u64 now)
{
	struct vlapic_effects fx;
	u32 lvt;
	u64 next;

	vlapic_begin(l, &fx);
	if (l->timer_deadline && now >= l->timer_deadline) {
		lvt = REG(l, VLAPIC_REG_LVT_TIMER);
		if (!(lvt & VLAPIC_LVT_MASKED))
			fx.kick = vlapic_deliver_locked(l, lvt & 0xff, false);
		if (vlapic_timer_mode(l) == VLAPIC_LVT_TIMER_PERIODIC &&
		    l->timer_period) {
			/* Periods missed while the vCPU was not polled
			 * collapse into this one interrupt, as the IRR would. */
			l->timer_deadline += ((now - l->timer_deadline) /
					      l->timer_period + 1) *
					     l->timer_period;
		} else {
			l->timer_deadline = 0;
			l->tsc_deadline = 0;
		}
	}
	next = l->timer_deadline;
	vlapic_end(l, &fx);
	return next;
}
