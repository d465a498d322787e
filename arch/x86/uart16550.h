/* Host 16550 UART (the hypervisor console's transport). */
#ifndef HOLDFAST_X86_UART16550_H
#define HOLDFAST_X86_UART16550_H

#include "lib/types.h"

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

void uart_init(u16 port, u32 baud);
void uart_putc(u16 port, char c);
/* A received byte, or -1 when none is waiting. */
int uart_getc_nowait(u16 port);

#endif
