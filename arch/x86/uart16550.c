#include "arch/x86/uart16550.h"
#include "arch/x86/cpu.h"

#define UART_THR 0 /* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0 /* divisor latch, with LCR.DLAB set */
#define UART_DLM 1

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_THR_EMPTY 0x20
#define LSR_DATA_READY 0x01
#define UART_RBR 0 /* receive buffer, on read */
#define UART_CLOCK_DIV 115200 /* 1.8432 MHz / 16 */

void uart_init(u16 port, u32 baud)
{
	u32 divisor = UART_CLOCK_DIV / baud;

	outb(port + UART_IER, 0); /* the host console polls */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, (divisor >> 8) & 0xff);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear the FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
}

void uart_putc(u16 port, char c)
{
	/* Bounded wait: a missing or wedged UART must not hang the host. */
	for (u32 spins = 0; spins < 100000; spins++) {
		if (inb(port + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(port + UART_THR, (u8)c);
}

int uart_getc_nowait(u16 port)
{
	if (!(inb(port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(port + UART_RBR);
}
