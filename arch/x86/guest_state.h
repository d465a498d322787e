/* Guest register state the CPU does not switch on VM entry and exit: the
 * x87/SSE/AVX registers (XSAVE, or FXSAVE without it) and TSC_AUX. Saved
 * and restored when a physical CPU switches between vCPUs. */
#ifndef HOLDFAST_X86_GUEST_STATE_H
#define HOLDFAST_X86_GUEST_STATE_H

#include "lib/types.h"

struct guest_xstate {
	u8 *area;     /* XSAVE/FXSAVE image, 64-byte aligned */
	u64 xcr0;     /* the guest's XCR0 (XSAVE only) */
	u64 tsc_aux;
};

/* Enable XSAVE/FXSR use on this CPU (host CR4); once per CPU. */
void guest_state_cpu_init(void);
/* Allocate @s's save area, in the CPU's reset state. */
bool guest_state_alloc(struct guest_xstate *s);
void guest_state_save(struct guest_xstate *s);
void guest_state_load(const struct guest_xstate *s);

#endif
