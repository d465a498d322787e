/* Evidence for a guest that died of a triple fault (vm/fault_dump.c). */
#ifndef HOLDFAST_FAULT_DUMP_H
#define HOLDFAST_FAULT_DUMP_H

struct vcpu;

/* Walk CR2, RIP and the IDT and GDT bases through the guest's page tables
 * and print every level, then the present top-level entries. */
void vcpu_dump_guest_walks(struct vcpu *v);

#endif
