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
/* The scheduler wants @v's CPU: true to keep running it a while (an
 * extension is granted or still running); it then asks again when the
 * extension ends (the host timer is armed for it). */
bool preempt_delay_defer(struct vcpu *v);
/* @v leaves its CPU while runnable: count a lock-holder preemption when
 * its block shows a lock held (in every lhp= mode). */
void preempt_delay_descheduled(struct vcpu *v);
/* @v left its CPU for another reason (halted, finished): an extension
 * ends with it, and the next slice may be extended again. */
void preempt_delay_left(struct vcpu *v);
void preempt_delay_reset(struct vcpu *v);

#endif
