/* AP start-up trampoline, copied to a free page below 1 MiB; the SIPI vector
 * is that page's number. Real mode -> long mode in one step (PAE, LME, then
 * PE and PG together), on the boot CPU's page tables. Position-independent:
 * 16-bit code addresses the parameter block relative to CS, the far jump
 * goes through a pointer that smp.c patches, 64-bit code is RIP-relative.
 * struct trampoline_params in arch/x86/smp.c mirrors the block's layout. */
#include "boot/layout.h"

#define P(field) (field - trampoline_start)

	.section .rodata
	.code16
	.global trampoline_start, trampoline_params, trampoline_end
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	P(p_gdtr)
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	movl	P(p_cr3), %eax
	mov	%eax, %cr3
	mov	$X86_MSR_EFER, %ecx
	movl	P(p_efer), %eax
	xor	%edx, %edx
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE | CR0_WP), %eax
	mov	%eax, %cr0
	ljmpl	*P(p_far)

	.code64
	.global trampoline_long_mode
trampoline_long_mode:
	mov	$GDT_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	p_stack(%rip), %rsp
	mov	p_arg(%rip), %rdi
	xor	%ebp, %ebp
	jmp	*p_entry(%rip)

	.align 16
trampoline_params:
p_gdtr:
	.short	0		/* +0  GDT limit */
	.long	0		/* +2  GDT base (page + offset of p_gdt) */
	.short	0
p_far:
	.long	0		/* +8  linear address of trampoline_long_mode */
	.short	0		/* +12 code selector */
	.short	0
p_cr3:
	.long	0		/* +16 */
p_efer:
	.long	0		/* +20 */
p_stack:
	.quad	0		/* +24 */
p_arg:
	.quad	0		/* +32 */
p_entry:
	.quad	0		/* +40 */
p_gdt:
	.quad	0, 0, 0		/* +48 null, code64, data */
trampoline_end:
