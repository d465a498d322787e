/* The pure parts of the VT-x backend, unit-tested on the host: exit
 * translation, segment attribute conversion, VM-instruction error names. */
#ifndef HOLDFAST_VMX_EXIT_H
#define HOLDFAST_VMX_EXIT_H

#include "arch/x86/virt.h"

/* What the VMCS says about one exit (read by vmx.c, translated here). */
struct vmx_exit_info {
	u32 reason;        /* VMCS_EXIT_REASON, entry-failure bit included */
	u64 qualification;
	u32 intr_info;     /* VMCS_EXIT_INTR_INFO */
	u32 intr_error;
	u32 insn_len;      /* VMCS_EXIT_INSN_LEN */
	u64 gpa;           /* VMCS_GUEST_PHYS_ADDR (EPT violations) */
};

void vmx_translate_exit(const struct vmx_exit_info *info, struct vm_exit *exit);

/* The guest interruptibility state to enter with when injecting
 * @inject_info (a VM-entry interruption-information field). */
u32 vmx_interruptibility_for_injection(u32 interruptibility, u32 inject_info);

/* Access rights: bit 16 "unusable", AVL/L/DB/G at bits 12-15; the AMD
 * form packs them at 8-11 and has no unusable bit: a segment that is not
 * present is unusable. The DPL survives both ways (SS.DPL is the CPL
 * even when SS is unusable). */
#define VMX_AR_UNUSABLE (1u << 16)

static inline u32 vmx_ar_from_attrib(u16 attrib)
{
	u32 ar = (attrib & 0xffu) | ((u32)(attrib & 0xf00u) << 4);

	return (attrib & 0x80) ? ar : ar | VMX_AR_UNUSABLE;
}

static inline u16 vmx_attrib_from_ar(u32 ar)
{
	u16 attrib = (u16)((ar & 0xffu) | ((ar >> 4) & 0xf00u));

	return (ar & VMX_AR_UNUSABLE) ? attrib & ~0x80 : attrib;
}

/* "VM entry with invalid control field(s)" for error 7, and so on. */
const char *vmx_insn_error_name(u32 error);

#endif
