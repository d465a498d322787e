/* Constants shared by the runtime's C and assembly files. */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define RT_MAX_VCPUS 64
#define RT_STACK_SIZE 16384      /* per vCPU, CPL 0 */
#define RT_USER_STACK_SIZE 4096  /* per vCPU, CPL 3 */

/* GDT selectors. 0x08 and 0x10 match the boot GDT Holdfast provides. */
#define SEL_KERNEL_CS 0x08
#define SEL_KERNEL_DS 0x10
#define SEL_USER_DS (0x18 | 3)
#define SEL_USER_CS (0x20 | 3)
#define SEL_TSS(i) (0x28 + 16 * (i))
#define GDT_ENTRIES (5 + 2 * RT_MAX_VCPUS)

/* A DPL-3 gate that user-mode code raises to hand control back to CPL 0. */
#define RT_USER_RETURN_VECTOR 0x81

/* struct rt_recover (trap.h): offsets used by trap_entry.S. */
#define REC_RSP 0
#define REC_ACTIVE 8

#endif
