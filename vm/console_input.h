/* Keys typed on the hypervisor console: commands for the hypervisor, or
 * input for the VM that has the focus (Ctrl-A three times cycles the focus:
 * hypervisor, VM 1, VM 2, ...). Also input from VMs' own serial ports. */
#ifndef HOLDFAST_CONSOLE_INPUT_H
#define HOLDFAST_CONSOLE_INPUT_H

/* From the boot CPU's tick (interrupt context): move typed bytes from the
 * UARTs into a buffer, touching no device model. */
void console_input_pull(void);
/* Outside interrupt context (the boot CPU's loops): act on the buffered
 * bytes. Device models take locks that interrupted code may hold, so they
 * are never entered from the tick. */
void console_input_process(void);

#endif
