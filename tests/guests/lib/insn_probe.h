/* Single-instruction probes (insn_probe.S), run under try_call(). */
#ifndef GUEST_INSN_PROBE_H
#define GUEST_INSN_PROBE_H

#include "lib/types.h"

struct insn_probe {
	const char *name;
	void (*fn)(void *scratch);
};

/* The AMD-V instructions, MONITOR and MWAIT: each must raise #UD.
 * CLGI comes right before STGI, which undoes it should it ever run. */
extern const struct insn_probe insn_probes_virt[];
extern const unsigned insn_probes_virt_count;

/* VMXON, UD2 and opcodes invalid in 64-bit mode: #UD too. */
extern const struct insn_probe insn_probes_invalid[];
extern const unsigned insn_probes_invalid_count;

/* INT3, INVD, WBINVD: a trap or nothing visible. */
extern const struct insn_probe insn_probes_misc[];
extern const unsigned insn_probes_misc_count;

/* A page the probes' memory operands point at. */
extern u8 insn_probe_scratch[4096];

#endif
