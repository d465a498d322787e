/* Delayed preemption for patched guests (lhp=delay): the ABI is
 * struct hf_preempt_block in paravirt/holdfast_abi.h. */
#ifndef HOLDFAST_PREEMPT_DELAY_H
#define HOLDFAST_PREEMPT_DELAY_H

#include "lib/types.h"

#define LHP_DELAY_DEFAULT_US 1000

struct vcpu;

/* HF_HC_PREEMPT_REGISTER and HF_HC_PREEMPT_YIELD. */
s64 preempt_delay_register(struct vcpu *v, u64 gpa);
s64 preempt_delay_yield(struct vcpu *v);
/* @v lost its CPU to another vCPU while runnable: count a lock-holder
 * preemption when its block shows a lock held (in every lhp= mode). */
void preempt_delay_descheduled(struct vcpu *v);

#endif
