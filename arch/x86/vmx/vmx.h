/* The Intel VT-x backend's entry points, seen only by arch/x86/virt.c. */
#ifndef HOLDFAST_VMX_H
#define HOLDFAST_VMX_H

#include "arch/x86/virt.h"

bool vmx_detect(void);
extern const struct vcpu_ops vmx_ops;

#endif
