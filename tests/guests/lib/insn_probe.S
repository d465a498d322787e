/*
 * One function per probed instruction: void probe_NAME(void *scratch).
 * RAX = scratch (the memory operand of VMRUN/VMLOAD/VMSAVE/SKINIT/
 * INVLPGA/MONITOR, should one ever execute), RCX = RDX = 0, and RSP is put
 * back afterwards in case an emulator wrongly runs PUSH/POP-like opcodes.
 */
	.text
.macro PROBE name, bytes:vararg
	.globl probe_\name
	.type probe_\name, @function
	.p2align 4
probe_\name:
	movq %rsp, %r11
	movq %rdi, %rax
	xorl %ecx, %ecx
	xorl %edx, %edx
	.byte \bytes
	movq %r11, %rsp
	ret
	.size probe_\name, . - probe_\name
.endm

	/* AMD-V and friends: #UD in a Holdfast guest */
	PROBE vmrun, 0x0f, 0x01, 0xd8
	PROBE vmload, 0x0f, 0x01, 0xda
	PROBE vmsave, 0x0f, 0x01, 0xdb
	PROBE stgi, 0x0f, 0x01, 0xdc
	PROBE clgi, 0x0f, 0x01, 0xdd
	PROBE skinit, 0x0f, 0x01, 0xde
	PROBE invlpga, 0x0f, 0x01, 0xdf
	PROBE monitor, 0x0f, 0x01, 0xc8
	PROBE mwait, 0x31, 0xc0, 0x0f, 0x01, 0xc9	/* xorl %eax, %eax first */
	PROBE vmxon, 0xf3, 0x0f, 0xc7, 0x30	/* vmxon (%rax) */

	/* #UD by definition, and opcodes invalid in 64-bit mode */
	PROBE ud2, 0x0f, 0x0b
	PROBE push_es, 0x06
	PROBE pop_es, 0x07
	PROBE push_cs, 0x0e
	PROBE push_ss, 0x16
	PROBE pop_ss, 0x17
	PROBE push_ds, 0x1e
	PROBE pop_ds, 0x1f
	PROBE daa, 0x27
	PROBE das, 0x2f
	PROBE aaa, 0x37
	PROBE aas, 0x3f
	PROBE pusha, 0x60
	PROBE popa, 0x61
	PROBE grp1_82, 0x82, 0xc0, 0x01
	PROBE into, 0xce
	PROBE aam, 0xd4, 0x0a
	PROBE aad, 0xd5, 0x0a
	PROBE salc, 0xd6

	/* privileged or cache-control: executed, emulated or faulted */
	PROBE int3, 0xcc
	PROBE invd, 0x0f, 0x08
	PROBE wbinvd, 0x0f, 0x09

	.section .note.GNU-stack, "", @progbits
