/* Guest register state the CPU does not switch on VM entry and exit: the
 * XSAVE state (x87, SSE, AVX, PKRU, ...; FXSAVE without XSAVE), XCR0,
 * TSC_AUX and the debug registers DR0-DR3 and DR6. Saved and restored
 * when a physical CPU switches between vCPUs. */
#ifndef HOLDFAST_X86_GUEST_STATE_H
#define HOLDFAST_X86_GUEST_STATE_H

#include "lib/types.h"

/* Owned by the CPU running the vCPU (the scheduler's loop). */
struct guest_xstate {
	u8 *area;     /* XSAVE/FXSAVE image of every component, 64-byte aligned */
	u64 xcr0;     /* the guest's XCR0 (XSAVE only) */
	u64 tsc_aux;
	u64 dr[4];    /* DR0-DR3 */
	u64 dr6;      /* VT-x does not switch it; AMD-V's VMCB does */
};

/* Enable XSAVE/FXSR use on this CPU (host CR4); once per CPU. */
void guest_state_cpu_init(void);
/* Allocate @s's save area, in the CPU's reset state. */
bool guest_state_alloc(struct guest_xstate *s);
void guest_state_save(struct guest_xstate *s);
void guest_state_load(const struct guest_xstate *s);

#endif
