/* Spin detection for unmodified guests (lhp=spin): a software pause
 * filter over PAUSE exits, then a directed yield to a preempted sibling. */
#ifndef HOLDFAST_SPIN_DETECT_H
#define HOLDFAST_SPIN_DETECT_H

struct vcpu;

#include "lib/types.h"

/* A PAUSE exit of @v (already stepped over); @hardware_loop: the
 * hardware's pause filter already saw a spin loop. */
void spin_detect_pause(struct vcpu *v, bool hardware_loop);
/* @v was preempted: remember where (kernel or user mode). */
void spin_detect_preempted(struct vcpu *v);

#endif
