/* Interrupt and exception entry: 256 stubs of 16 bytes each (the IDT builder
 * computes stub addresses from that stride), one common path. */

	.text
	.align 16
	.global isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	/* The CPU pushes an error code for these; the rest get a 0. */
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	interrupt_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

/* void regs_capture(struct regs *r): the caller's registers as they are at
 * the call (RIP = return address, RSP = the caller's stack pointer), for
 * panics that do not come from an exception. */
	.global regs_capture
regs_capture:
	mov	%r15, 0x00(%rdi)
	mov	%r14, 0x08(%rdi)
	mov	%r13, 0x10(%rdi)
	mov	%r12, 0x18(%rdi)
	mov	%r11, 0x20(%rdi)
	mov	%r10, 0x28(%rdi)
	mov	%r9, 0x30(%rdi)
	mov	%r8, 0x38(%rdi)
	mov	%rbp, 0x40(%rdi)
	mov	%rdi, 0x48(%rdi)
	mov	%rsi, 0x50(%rdi)
	mov	%rdx, 0x58(%rdi)
	mov	%rcx, 0x60(%rdi)
	mov	%rbx, 0x68(%rdi)
	mov	%rax, 0x70(%rdi)
	movq	$0, 0x78(%rdi)		/* vector */
	movq	$0, 0x80(%rdi)		/* error */
	mov	(%rsp), %rax
	mov	%rax, 0x88(%rdi)	/* rip */
	mov	%cs, %eax
	mov	%rax, 0x90(%rdi)
	pushfq
	pop	%rax
	mov	%rax, 0x98(%rdi)
	lea	8(%rsp), %rax
	mov	%rax, 0xa0(%rdi)	/* rsp after return */
	mov	%ss, %eax
	mov	%rax, 0xa8(%rdi)
	mov	0x70(%rdi), %rax
	ret
