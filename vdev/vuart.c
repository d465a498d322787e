/* A virtual 16550A, after the National PC16550D datasheet, with just the
 * behaviour Linux's 8250 driver probes for (drivers/tty/serial/8250/
 * 8250_port.c: autoconfig, the THRE re-assertion test in startup) and uses.
 *
 * Transmission takes no time, so THR and the transmitter are always empty:
 * LSR.THRE and LSR.TEMT always read 1, and the THRE interrupt is an event
 * (armed by a THR write or by enabling it, consumed by reading IIR) rather
 * than a state. Receive-FIFO trigger levels and the character timeout are
 * not modelled: data available is signalled from the first byte, which the
 * driver handles, as it drains while LSR.DR is set.
 */
#include "vdev/vuart.h"
#include "lib/string.h"

#define UART_RBR_THR 0 /* DLL with LCR.DLAB */
#define UART_IER 1     /* DLM with LCR.DLAB */
#define UART_IIR_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_MASK 0x0f /* bits 7:4 read 0: Linux checks (XScale UUE probe) */

#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_ID_MASK 0x0f
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_KEPT 0xc9 /* enable, DMA mode, RX trigger level */

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static void vuart_lock(struct vuart *u)
{
	while (__atomic_exchange_n(&u->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&u->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void vuart_unlock(struct vuart *u)
{
	__atomic_store_n(&u->lock, 0, __ATOMIC_RELEASE);
}

/* With FIFOs disabled the chip is a 16450: one receive holding register. */
static u32 vuart_rx_capacity(const struct vuart *u)
{
	return (u->fcr & FCR_ENABLE) ? VUART_FIFO_SIZE : 1;
}

static bool vuart_rx_push(struct vuart *u, u8 byte)
{
	if (u->rx_count >= vuart_rx_capacity(u)) {
		u->overrun = true;
		return false;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
	return true;
}

static u8 vuart_rx_pop(struct vuart *u)
{
	u8 byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

static void vuart_rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static u8 vuart_iir(const struct vuart *u)
{
	u8 fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_empty_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* PCs route the UART's interrupt through a gate driven by the OUT2 pin,
 * and loopback forces that pin inactive, so the line stays low during the
 * driver's loopback probe whatever IER says. */
static bool vuart_irq_level(const struct vuart *u)
{
	return !(vuart_iir(u) & IIR_NO_INT) && (u->mcr & MCR_OUT2) &&
	       !(u->mcr & MCR_LOOP);
}

/*
 * Drop the lock, telling env->irq about a level change first. The callback
 * runs unlocked, so two CPUs could report opposite levels out of order;
 * instead one CPU at a time reports, and it reports again until what it
 * last reported matches the state it finds under the lock.
 */
static void vuart_unlock_sync_irq(struct vuart *u)
{
	bool level;

	while (!u->irq_sending) {
		level = vuart_irq_level(u);
		if (level == u->irq_line)
			break;
		u->irq_line = level;
		u->irq_sending = true;
		vuart_unlock(u);
		u->env->irq(u->env->ctx, level);
		vuart_lock(u);
		u->irq_sending = false;
	}
	vuart_unlock(u);
}

void vuart_init(struct vuart *u, const struct vuart_env *env)
{
	memset(u, 0, sizeof(*u));
	u->env = env;
}

static u8 vuart_read_msr(const struct vuart *u)
{
	u8 m = u->mcr;

	if (!(m & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD; /* a cable that is always ready */
	/* Loopback wires the modem outputs back to the inputs; Linux's probe
	 * writes MCR = LOOP|OUT2|RTS and expects MSR[7:4] = DCD|CTS. */
	return ((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
	       ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

u8 vuart_read(struct vuart *u, u16 offset)
{
	u8 val = 0xff;

	vuart_lock(u);
	switch (offset) {
	case UART_RBR_THR:
		val = (u->lcr & LCR_DLAB) ? u->dll : vuart_rx_pop(u);
		break;
	case UART_IER:
		val = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		val = vuart_iir(u);
		/* Reading IIR is what acknowledges a THRE interrupt. */
		if ((val & IIR_ID_MASK) == IIR_THRI)
			u->thr_empty_pending = false;
		break;
	case UART_LCR:
		val = u->lcr;
		break;
	case UART_MCR:
		val = u->mcr;
		break;
	case UART_LSR:
		val = LSR_THRE | LSR_TEMT;
		if (u->rx_count)
			val |= LSR_DR;
		if (u->overrun)
			val |= LSR_OE;
		u->overrun = false;
		break;
	case UART_MSR:
		val = vuart_read_msr(u);
		break;
	case UART_SCR:
		val = u->scr;
		break;
	}
	vuart_unlock_sync_irq(u);
	return val;
}

static void vuart_write_fcr(struct vuart *u, u8 val)
{
	/* Switching the FIFOs on or off resets them, as on the chip. */
	if (((val ^ u->fcr) & FCR_ENABLE) || (val & FCR_CLEAR_RX))
		vuart_rx_clear(u);
	u->fcr = (val & FCR_ENABLE) ? (val & FCR_KEPT) : 0;
}

void vuart_write(struct vuart *u, u16 offset, u8 val)
{
	bool send = false;
	u8 old;

	vuart_lock(u);
	switch (offset) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			break;
		}
		if (u->mcr & MCR_LOOP)
			vuart_rx_push(u, val);
		else
			send = true;
		/* The byte left at once: THR is empty again. */
		u->thr_empty_pending = true;
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		old = u->ier;
		u->ier = val & IER_MASK;
		/* Enabling THRE while THR is empty (always) raises it: the
		 * driver's startup test depends on this re-assertion. */
		if ((u->ier & IER_THRI) && !(old & IER_THRI))
			u->thr_empty_pending = true;
		break;
	case UART_IIR_FCR:
		vuart_write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	}
	/* LSR and MSR writes (factory test) are ignored. */
	vuart_unlock_sync_irq(u);
	if (send)
		u->env->tx(u->env->ctx, val);
}

bool vuart_rx_full(struct vuart *u)
{
	bool full;

	vuart_lock(u);
	full = !(u->mcr & MCR_LOOP) && u->rx_count >= vuart_rx_capacity(u);
	vuart_unlock_sync_irq(u);
	return full;
}

bool vuart_receive(struct vuart *u, u8 byte)
{
	bool taken = false;

	vuart_lock(u);
	/* In loopback the receiver is disconnected from the line. */
	if (!(u->mcr & MCR_LOOP))
		taken = vuart_rx_push(u, byte);
	vuart_unlock_sync_irq(u);
	return taken;
}
