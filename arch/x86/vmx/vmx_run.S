/* int vmx_enter(u64 *gprs, u32 launched): VMLAUNCH (launched == 0) or
 * VMRESUME into the current VMCS. gprs[] holds the guest's GPRs in
 * encoding order; RSP is the VMCS's and is not touched here. The host's
 * callee-saved registers and the gprs pointer are pushed, and HOST_RSP is
 * set to that stack, so the exit (at vmx_exit_entry, HOST_RIP) finds them.
 * Returns 0 after an exit, 1 for VMfailInvalid, 2 for VMfailValid.
 * Called with interrupts off. */

#define VMCS_HOST_RSP 0x6c14

	.text
	.global vmx_enter
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* gprs, needed after the exit */
	mov	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	.Lfail
	test	%esi, %esi		/* flags survive the loads below */
	mov	0x00(%rdi), %rax
	mov	0x08(%rdi), %rcx
	mov	0x10(%rdi), %rdx
	mov	0x18(%rdi), %rbx
	mov	0x28(%rdi), %rbp
	mov	0x30(%rdi), %rsi
	mov	0x40(%rdi), %r8
	mov	0x48(%rdi), %r9
	mov	0x50(%rdi), %r10
	mov	0x58(%rdi), %r11
	mov	0x60(%rdi), %r12
	mov	0x68(%rdi), %r13
	mov	0x70(%rdi), %r14
	mov	0x78(%rdi), %r15
	mov	0x38(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	.Lfail
1:	vmresume
.Lfail:
	/* Still the host: the guest values in the registers are dropped. */
	mov	$1, %eax
	jc	2f
	mov	$2, %eax
2:	add	$8, %rsp
	jmp	.Lout

	.global vmx_exit_entry
vmx_exit_entry:
	/* VM exit: RSP is HOST_RSP (the gprs pointer on top); the GPRs
	 * but RSP are the guest's; interrupts are off (RFLAGS = 2). */
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, 0x00(%rdi)
	mov	%rcx, 0x08(%rdi)
	mov	%rdx, 0x10(%rdi)
	mov	%rbx, 0x18(%rdi)
	mov	%rbp, 0x28(%rdi)
	mov	%rsi, 0x30(%rdi)
	mov	%r8, 0x40(%rdi)
	mov	%r9, 0x48(%rdi)
	mov	%r10, 0x50(%rdi)
	mov	%r11, 0x58(%rdi)
	mov	%r12, 0x60(%rdi)
	mov	%r13, 0x68(%rdi)
	mov	%r14, 0x70(%rdi)
	mov	%r15, 0x78(%rdi)
	pop	%rax
	mov	%rax, 0x38(%rdi)
	add	$8, %rsp
	xor	%eax, %eax
.Lout:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
