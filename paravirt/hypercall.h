/* Hypercall dispatch (the ABI is paravirt/holdfast_abi.h). */
#ifndef HOLDFAST_HYPERCALL_H
#define HOLDFAST_HYPERCALL_H

struct vcpu;

/* Handle the hypercall in @v's registers (RIP already advanced). */
void hypercall_handle(struct vcpu *v);

#endif
