/*
 * IDT entry stubs, the common trap path, and the two ways into code that
 * may fault: rt_try() (same privilege) and rt_user() (CPL 3). Both save a
 * recovery point (callee-saved registers, RFLAGS, RSP) in the vCPU's
 * struct rt_recover; rt_trap() resumes an expected fault, or a return from
 * user mode, at rt_resume with RSP = that point and EAX = the result.
 */
#include "tests/guests/lib/layout.h"

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
		      (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)

	.text
	.p2align 4
	.globl rt_idt_stubs
rt_idt_stubs:			/* 256 stubs, 16 bytes apart */
	.set vec, 0
	.rept 256
	.p2align 4
	.if HAS_ERROR(vec)
	pushq $vec
	.else
	pushq $0
	pushq $vec
	.endif
	jmp rt_trap_common
	.set vec, vec + 1
	.endr

/* Stack on entry: vector, error code, RIP, CS, RFLAGS, RSP, SS. The GPRs
 * are pushed to match struct trap_frame (trap.h). */
rt_trap_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call rt_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	.globl rt_trap_iret
rt_trap_iret:			/* an NMI that comes in here nested */
	iretq

/* Save the enclosing recovery point (try_call() nests), the callee-saved
 * registers and RFLAGS, and make this the recovery point of *%rdi
 * (struct rt_recover). Clobbers RAX. */
.macro SAVE_RECOVERY_POINT
	pushq REC_RSP(%rdi)
	movl REC_ACTIVE(%rdi), %eax
	pushq %rax
	pushq %rdi
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	subq $8, %rsp		/* 11 slots: RSP is 16-byte aligned again */
	movq %rsp, REC_RSP(%rdi)
	movl $1, REC_ACTIVE(%rdi)
.endm

/* int rt_try(struct rt_recover *rec, void (*fn)(void *), void *arg):
 * -1 when fn returns, else the vector of the exception it raised. */
	.globl rt_try
	.type rt_try, @function
rt_try:
	SAVE_RECOVERY_POINT
	movq %rdx, %rdi
	call *%rsi
	movl $-1, %eax

/* rt_trap() resumes here with RSP = the recovery point, EAX = result and
 * IF = 0; the normal return of rt_try() falls through. */
	.globl rt_resume
rt_resume:
	movl $SEL_KERNEL_DS, %ecx	/* DS/ES may still hold user selectors */
	movl %ecx, %ds
	movl %ecx, %es
	addq $8, %rsp
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popq %rdi
	popq %rcx
	movl %ecx, REC_ACTIVE(%rdi)
	popq %rcx
	movq %rcx, REC_RSP(%rdi)
	ret
	.size rt_try, . - rt_try

/* int rt_user(struct rt_recover *rec, u64 (*fn)(void *), void *arg,
 *	       u64 user_rsp, void *tss_rsp0):
 * runs fn(arg) at CPL 3 with IF = 0 on the stack user_rsp; -1 when fn
 * returns (its value is left in rec->result by rt_trap()), else the vector
 * of the exception it raised. Traps from CPL 3 enter at TSS.RSP0, which is
 * set just below the recovery point so no live frame is overwritten. */
	.globl rt_user
	.type rt_user, @function
rt_user:
	SAVE_RECOVERY_POINT
	movq %rsp, (%r8)
	pushq $SEL_USER_DS	/* SS */
	pushq %rcx		/* RSP */
	pushq $0x2		/* RFLAGS: IF = 0, IOPL = 0 */
	pushq $SEL_USER_CS	/* CS */
	leaq rt_user_trampoline(%rip), %rax
	pushq %rax		/* RIP */
	movq %rsi, %rax
	movq %rdx, %rdi
	movl $SEL_USER_DS, %ecx
	movl %ecx, %ds
	movl %ecx, %es
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %r8d, %r8d
	iretq
	.size rt_user, . - rt_user

/* CPL 3: call fn(arg), then hand its result (RAX) back through the
 * DPL-3 gate. */
rt_user_trampoline:
	call *%rax
	int $RT_USER_RETURN_VECTOR
	ud2

	.section .note.GNU-stack, "", @progbits
