/* The guest's local APIC, in x2APIC mode: interrupts (IPIs through the
 * SEND_IPI hypercall) are delivered by it and need an EOI. */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

/* Switch this vCPU's LAPIC to x2APIC mode and software-enable it. */
void lapic_enable(void);
/* End of interrupt, when the LAPIC is (still) in x2APIC mode. */
void lapic_eoi(void);

#endif
