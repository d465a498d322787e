/*
 * A virtual 16550A UART (one per VM, COM1 at 0x3F8, IRQ 4): divisor latch,
 * IER/IIR/FCR/LCR/MCR/LSR/MSR/SCR, 16-byte receive FIFO, THR-empty and
 * received-data interrupts, loopback. Transmit is immediate: every byte
 * goes to the output callback. The interrupt line is gated by MCR.OUT2 as
 * on a PC. All fields are owned by @lock; the callbacks run without it.
 * Pure, host unit-tested.
 */
#ifndef HOLDFAST_VUART_H
#define HOLDFAST_VUART_H

#include "lib/types.h"

#define VUART_COM1_BASE 0x3f8
#define VUART_COM1_IRQ 4
#define VUART_FIFO_SIZE 16

struct vuart_env {
	void *ctx;
	void (*tx)(void *ctx, u8 byte);          /* a byte the guest sent */
	void (*irq)(void *ctx, bool high);       /* the interrupt line level */
};

struct vuart {
	const struct vuart_env *env;
	volatile u32 lock;
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	u8 rx_fifo[VUART_FIFO_SIZE];
	u32 rx_head, rx_count;
	bool thr_empty_pending; /* THRE interrupt armed (cleared by IIR read) */
	bool overrun;           /* a received byte was dropped; LSR read clears */
	bool irq_line;          /* last level sent to env->irq */
	bool irq_sending;       /* a CPU is in env->irq; it re-checks after */
};

void vuart_init(struct vuart *u, const struct vuart_env *env);
u8 vuart_read(struct vuart *u, u16 offset);           /* offset 0-7 */
void vuart_write(struct vuart *u, u16 offset, u8 val);
/* Input for the guest (typed by the user). False when the byte was not
 * taken: the FIFO is full (the guest sees an overrun in LSR) or the UART is
 * in loopback, where the receiver is disconnected from the line. */
bool vuart_receive(struct vuart *u, u8 byte);
/* The receiver has no room: a byte now would be an overrun. */
bool vuart_rx_full(struct vuart *u);

#endif
