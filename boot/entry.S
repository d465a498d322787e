/* 32-bit multiboot2 entry -> long mode on Holdfast's own page tables.
 *
 * GRUB enters in 32-bit protected mode, paging off, EAX = magic, EBX = the
 * multiboot information (MBI). We build an identity map of the low 4 GiB
 * with 2 MiB pages (the hypervisor, the MBI, modules and the LAPIC/IOAPIC/HPET
 * MMIO all live there); arch/x86/paging.c extends it for RAM above 4 GiB.
 */
#include "boot/layout.h"

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	mov	%eax, %ebp		/* magic and MBI are parked in .bss */
	mov	%ebx, %esi		/* below, once it is cleared */

	/* GRUB zero-fills .bss, but the spec does not promise it for every
	 * loader, and the page tables below live there. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	mov	%ebp, boot_magic
	mov	%esi, boot_mbi

	/* Long mode present? (CPUID 0x80000001 EDX bit 29) */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	mov	$boot_pdpt, %eax
	or	$(PTE_PRESENT | PTE_WRITE), %eax
	mov	%eax, boot_pml4
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$12, %eax
	add	$boot_pd, %eax
	or	$(PTE_PRESENT | PTE_WRITE), %eax
	mov	%eax, boot_pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jb	1b

	xor	%ecx, %ecx		/* 2048 PDEs cover 4 GiB */
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(PTE_PRESENT | PTE_WRITE | PTE_LARGE), %eax
	mov	%eax, boot_pd(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jb	2b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$X86_MSR_EFER, %ecx
	rdmsr
	or	$X86_EFER_LME, %eax		/* keep NXE if firmware set it */
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_PE | CR0_WP), %eax
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$GDT_CODE64, $long_mode_entry

no_long_mode:
	mov	$no_lm_msg, %esi
3:	lodsb
	test	%al, %al
	jz	4f
	mov	$0x3f8, %dx
	outb	%al, %dx
	jmp	3b
4:	hlt
	jmp	4b

	.code64
long_mode_entry:
	mov	$GDT_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp		/* terminates stack traces */
	mov	boot_mbi(%rip), %esi	/* zero-extended */
	mov	boot_magic(%rip), %edi
	call	kernel_main
5:	cli
	hlt
	jmp	5b

	.section .rodata
no_lm_msg:
	.asciz	"holdfast: this CPU has no long mode; cannot boot\r\n"

	.align 16
boot_gdt:
	.quad	0
	.quad	GDT_CODE64_DESC
	.quad	GDT_DATA_DESC
boot_gdt_end:
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .bss
	.align	BOOT_PAGE_SIZE
	.global boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip	BOOT_PAGE_SIZE
boot_pdpt:
	.skip	BOOT_PAGE_SIZE
boot_pd:
	.skip	4 * BOOT_PAGE_SIZE
	/* The page under the boot stack is unmapped once paging.c can split
	 * large pages, so a boot-time stack overflow faults. */
	.global boot_stack_guard, boot_stack_top
boot_stack_guard:
	.skip	BOOT_PAGE_SIZE
	.skip	BOOT_STACK_SIZE
boot_stack_top:
boot_magic:
	.skip	4
boot_mbi:
	.skip	4
