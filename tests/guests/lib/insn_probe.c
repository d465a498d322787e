#include "tests/guests/lib/insn_probe.h"

#define P(name) void probe_##name(void *scratch);
#define E(name) { #name, probe_##name },

#define VIRT(X) X(vmrun) X(vmload) X(vmsave) X(clgi) X(stgi) X(skinit) \
	X(invlpga) X(monitor) X(mwait)
#define INVALID(X) X(vmxon) X(ud2) X(push_es) X(pop_es) X(push_cs) \
	X(push_ss) X(pop_ss) X(push_ds) X(pop_ds) X(daa) X(das) X(aaa) \
	X(aas) X(pusha) X(popa) X(grp1_82) X(into) X(aam) X(aad) X(salc)
#define MISC(X) X(int3) X(invd) X(wbinvd)

VIRT(P)
INVALID(P)
MISC(P)

const struct insn_probe insn_probes_virt[] = { VIRT(E) };
const unsigned insn_probes_virt_count = ARRAY_SIZE(insn_probes_virt);
const struct insn_probe insn_probes_invalid[] = { INVALID(E) };
const unsigned insn_probes_invalid_count = ARRAY_SIZE(insn_probes_invalid);
const struct insn_probe insn_probes_misc[] = { MISC(E) };
const unsigned insn_probes_misc_count = ARRAY_SIZE(insn_probes_misc);

u8 insn_probe_scratch[4096] __aligned(4096);
