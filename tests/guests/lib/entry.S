/*
 * ELF entry point of every vCPU (tests/guests/ENTRY_STATE.md): 64-bit mode,
 * CPL 0, RDI = vCPU index, RSI = vCPU count, RDX = the guest command line. Each vCPU moves to its own
 * stack in this image's bss, so that trap handlers can tell which vCPU
 * they run on from RSP alone (rt_vcpu_from_sp()), with no per-CPU register
 * and no MSR Holdfast might refuse.
 */
#include "tests/guests/lib/layout.h"

	.text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	cmpq $RT_MAX_VCPUS, %rdi
	jae 1f
	leaq 1(%rdi), %rax
	shlq $14, %rax			/* (index + 1) * RT_STACK_SIZE */
	leaq rt_stacks(%rip), %rsp
	addq %rax, %rsp
	xorl %ebp, %ebp
	call rt_cpu_start		/* rt_cpu_start(index, count, cmdline) */
1:	cli
	hlt
	jmp 1b
	.size _start, . - _start

#if RT_STACK_SIZE != (1 << 14)
#error "entry.S: the shift above assumes 16 KiB stacks"
#endif

	.section .note.GNU-stack, "", @progbits
