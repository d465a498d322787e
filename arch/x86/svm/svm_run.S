/* void svm_vmrun(u64 vmcb_pa, u64 *gprs): enter the guest with VMRUN.
 * gprs[] holds the guest's GPRs in encoding order; RAX and RSP live in the
 * VMCB and are not touched here. Called with GIF clear (CLGI); the caller
 * does VMLOAD/VMSAVE around it for the state VMRUN does not switch. */

	.text
	.global svm_vmrun
svm_vmrun:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rsi			/* gprs, needed after the exit */
	mov	%rdi, %rax		/* VMRUN's implicit operand */
	mov	0x08(%rsi), %rcx
	mov	0x10(%rsi), %rdx
	mov	0x18(%rsi), %rbx
	mov	0x28(%rsi), %rbp
	mov	0x38(%rsi), %rdi
	mov	0x40(%rsi), %r8
	mov	0x48(%rsi), %r9
	mov	0x50(%rsi), %r10
	mov	0x58(%rsi), %r11
	mov	0x60(%rsi), %r12
	mov	0x68(%rsi), %r13
	mov	0x70(%rsi), %r14
	mov	0x78(%rsi), %r15
	mov	0x30(%rsi), %rsi
	vmrun	%rax
	/* #VMEXIT: host RAX, RSP, RIP, RFLAGS are back; the rest is the guest's. */
	push	%rax
	mov	8(%rsp), %rax		/* gprs */
	mov	%rcx, 0x08(%rax)
	mov	%rdx, 0x10(%rax)
	mov	%rbx, 0x18(%rax)
	mov	%rbp, 0x28(%rax)
	mov	%rsi, 0x30(%rax)
	mov	%rdi, 0x38(%rax)
	mov	%r8, 0x40(%rax)
	mov	%r9, 0x48(%rax)
	mov	%r10, 0x50(%rax)
	mov	%r11, 0x58(%rax)
	mov	%r12, 0x60(%rax)
	mov	%r13, 0x68(%rax)
	mov	%r14, 0x70(%rax)
	mov	%r15, 0x78(%rax)
	pop	%rax
	pop	%rsi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
