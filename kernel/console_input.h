/* Keys typed on the hypervisor console: commands for the hypervisor, or
 * input for the VM that has the focus (Ctrl-A three times cycles the focus:
 * hypervisor, VM 1, VM 2, ...). Also input from VMs' own serial ports. */
#ifndef HOLDFAST_CONSOLE_INPUT_H
#define HOLDFAST_CONSOLE_INPUT_H

/* Poll every input source; from the boot CPU's tick. */
void console_input_poll(void);

#endif
