/* The AMD-V backend's entry points, seen only by arch/x86/virt.c. */
#ifndef HOLDFAST_SVM_H
#define HOLDFAST_SVM_H

#include "arch/x86/virt.h"

bool svm_detect(void);
extern const struct vcpu_ops svm_ops;

#endif
