/* Generic exit handling: one handler per vendor-neutral exit reason. */
#ifndef HOLDFAST_EXIT_H
#define HOLDFAST_EXIT_H

#include "vm/vcpu.h"
#include "arch/x86/insn.h"

void exit_dispatch(struct vcpu *v, const struct vm_exit *exit);
const char *exit_reason_name(enum vm_exit_reason reason);

/* Decode the guest instruction at RIP. False (and the VM stopped, with a
 * message) when it cannot be read or decoded. */
bool vcpu_decode_insn(struct vcpu *v, struct insn *out);
/* The same, quietly: false when the bytes are no instruction we know. */
bool vcpu_try_decode_insn(struct vcpu *v, struct insn *out);

/* Move RIP past the instruction that exited, decoding it when the backend
 * gave no length. False when the VM was stopped instead. */
bool exit_skip_insn(struct vcpu *v, const struct vm_exit *exit);

void exit_handle_cpuid(struct vcpu *v, const struct vm_exit *exit);
void exit_handle_msr(struct vcpu *v, const struct vm_exit *exit);
void exit_handle_io(struct vcpu *v, const struct vm_exit *exit);
void exit_handle_gpa_fault(struct vcpu *v, const struct vm_exit *exit);

#endif
