/* Unit tests for vdev/vuart.c: the register sequences Linux's 8250 driver
 * runs (autoconfig, the THRE test in serial8250_do_startup), interrupt
 * identification and gating, the receive FIFO. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vdev/vuart.h"

#define UNUSED __attribute__((unused))

#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static struct vuart u;
static u8 tx_bytes[64];
static u32 tx_count;
static bool irq_level;
static u32 irq_calls;

static void on_tx(void *ctx, u8 byte)
{
	struct vuart *dev = ctx;

	assert_int_equal(dev->lock, 0);
	assert_true(tx_count < sizeof(tx_bytes));
	tx_bytes[tx_count++] = byte;
}

static void on_irq(void *ctx, bool high)
{
	struct vuart *dev = ctx;

	assert_int_equal(dev->lock, 0);
	/* Only level changes are reported. */
	assert_true(high != irq_level);
	irq_level = high;
	irq_calls++;
}

static const struct vuart_env env = { .ctx = &u, .tx = on_tx, .irq = on_irq };

static int setup(void **state UNUSED)
{
	tx_count = 0;
	irq_level = false;
	irq_calls = 0;
	vuart_init(&u, &env);
	return 0;
}

static void test_reset_state(void **state UNUSED)
{
	assert_int_equal(vuart_read(&u, IER), 0);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
	assert_int_equal(vuart_read(&u, LCR), 0);
	assert_int_equal(vuart_read(&u, MCR), 0);
	assert_int_equal(vuart_read(&u, LSR), 0x60);
	assert_int_equal(vuart_read(&u, MSR), 0xb0);
	assert_int_equal(irq_calls, 0);
	/* Beyond the eight registers: all ones, writes ignored. */
	assert_int_equal(vuart_read(&u, 8), 0xff);
	vuart_write(&u, 8, 0);
}

/* autoconfig(): the scratch test through IER, then the loopback test. */
static void test_linux_autoconfig_probe(void **state UNUSED)
{
	u8 save_mcr, save_lcr, scratch2, scratch3, status1;

	vuart_write(&u, IER, 0);
	scratch2 = vuart_read(&u, IER) & 0x0f;
	vuart_write(&u, IER, 0x0f);
	scratch3 = vuart_read(&u, IER) & 0x0f;
	vuart_write(&u, IER, 0);
	assert_int_equal(scratch2, 0);
	assert_int_equal(scratch3, 0x0f);

	save_mcr = vuart_read(&u, MCR);
	save_lcr = vuart_read(&u, LCR);
	vuart_write(&u, MCR, 0x10 | 0x0a);
	status1 = vuart_read(&u, MSR) & 0xf0;
	vuart_write(&u, MCR, save_mcr);
	assert_int_equal(status1, 0x90);

	/* FIFO detection: EFR write lands on FCR, then FIFOs on, IIR[7:6]. */
	vuart_write(&u, LCR, 0xbf);
	vuart_write(&u, FCR, 0);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, FCR, 0x01);
	assert_int_equal(vuart_read(&u, IIR) >> 6, 3);

	/* autoconfig_16550a: no EFR (IIR reads non-zero under LCR 0x80 and
	 * 0xbf), not an NS SuperIO (IIR bit 4 does not follow MCR.LOOP), not
	 * a 16750 (no IIR bit 5), no UUE bit in IER. */
	vuart_write(&u, LCR, 0x80);
	assert_int_not_equal(vuart_read(&u, IIR), 0);
	vuart_write(&u, LCR, 0xbf);
	assert_int_not_equal(vuart_read(&u, IIR), 0);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, MCR, save_mcr ^ 0x10);
	vuart_write(&u, LCR, 0xe0);
	assert_int_equal(vuart_read(&u, IIR) & 0x10, 0);
	vuart_write(&u, LCR, 0);
	vuart_write(&u, MCR, save_mcr);
	vuart_write(&u, FCR, 0x21);
	assert_int_equal(vuart_read(&u, IIR) & 0xe0, 0xc0);
	vuart_write(&u, IER, 0x40);
	assert_int_equal(vuart_read(&u, IER) & 0x40, 0);
	vuart_write(&u, LCR, save_lcr);

	/* The whole probe never raised the line. */
	assert_int_equal(irq_calls, 0);
	assert_int_equal(tx_count, 0);
}

static void test_scratch_and_divisor_latch(void **state UNUSED)
{
	vuart_write(&u, SCR, 0x5a);
	assert_int_equal(vuart_read(&u, SCR), 0x5a);
	vuart_write(&u, IER, 0x05);
	vuart_write(&u, LCR, 0x83);
	vuart_write(&u, DLL, 0x01);
	vuart_write(&u, DLM, 0x00);
	assert_int_equal(vuart_read(&u, DLL), 0x01);
	assert_int_equal(vuart_read(&u, DLM), 0x00);
	vuart_write(&u, LCR, 0x03);
	/* DLAB writes went to the latch, not THR or IER. */
	assert_int_equal(tx_count, 0);
	assert_int_equal(vuart_read(&u, IER), 0x05);
	assert_int_equal(vuart_read(&u, LCR), 0x03);
}

static void test_transmit(void **state UNUSED)
{
	vuart_write(&u, THR, 'h');
	vuart_write(&u, THR, 'i');
	assert_int_equal(tx_count, 2);
	assert_memory_equal(tx_bytes, "hi", 2);
	assert_int_equal(vuart_read(&u, LSR) & 0x60, 0x60);
}

static void test_loopback_data(void **state UNUSED)
{
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, MCR, 0x10);
	vuart_write(&u, THR, 0x42);
	assert_int_equal(tx_count, 0);
	assert_int_equal(vuart_read(&u, LSR) & 0x01, 0x01);
	assert_int_equal(vuart_read(&u, RBR), 0x42);
	assert_int_equal(vuart_read(&u, LSR) & 0x01, 0);
	/* The receiver is off the line in loopback. */
	assert_false(vuart_receive(&u, 'x'));
	assert_int_equal(vuart_read(&u, LSR), 0x60);
	/* Loopback MSR mirrors MCR: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	vuart_write(&u, MCR, 0x11);
	assert_int_equal(vuart_read(&u, MSR) & 0xf0, 0x20);
	vuart_write(&u, MCR, 0x12);
	assert_int_equal(vuart_read(&u, MSR) & 0xf0, 0x10);
	vuart_write(&u, MCR, 0x14);
	assert_int_equal(vuart_read(&u, MSR) & 0xf0, 0x40);
	vuart_write(&u, MCR, 0x18);
	assert_int_equal(vuart_read(&u, MSR) & 0xf0, 0x80);
	vuart_write(&u, MCR, 0x1f);
	assert_int_equal(vuart_read(&u, MSR) & 0xf0, 0xf0);
	assert_int_equal(vuart_read(&u, MCR), 0x1f);
	vuart_write(&u, MCR, 0xff);
	assert_int_equal(vuart_read(&u, MCR), 0x1f);
}

/* serial8250_do_startup: THRE must re-assert after an IIR read once IER
 * re-enables it, or Linux marks the port UART_BUG_THRE. */
static void test_linux_thre_test(void **state UNUSED)
{
	u8 iir1, iir;

	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, IER, 0x02);
	iir1 = vuart_read(&u, IIR);
	vuart_write(&u, IER, 0);
	vuart_write(&u, IER, 0x02);
	iir = vuart_read(&u, IIR);
	vuart_write(&u, IER, 0);
	assert_int_equal(iir1, 0xc2);
	assert_int_equal(iir, 0xc2);
}

static void test_iir_thre_cleared_by_read_rearmed_by_write(void **state UNUSED)
{
	vuart_write(&u, IER, 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
	/* Rewriting IER with THRI already set is not a 0->1 transition. */
	vuart_write(&u, IER, 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
	vuart_write(&u, THR, 'a');
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
}

static void test_iir_priority(void **state UNUSED)
{
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, IER, 0x03);
	assert_true(vuart_receive(&u, 'k'));
	/* Received data outranks THRE, and reading IIR then keeps THRE. */
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	assert_int_equal(vuart_read(&u, IIR), 0xc4);
	assert_int_equal(vuart_read(&u, RBR), 'k');
	assert_int_equal(vuart_read(&u, IIR), 0xc2);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	/* Disabled RX interrupt: data does not show in IIR. */
	vuart_write(&u, IER, 0x00);
	assert_true(vuart_receive(&u, 'k'));
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
}

static void test_rx_fifo_order_and_overrun(void **state UNUSED)
{
	u32 i;

	vuart_write(&u, FCR, 0x01);
	for (i = 0; i < VUART_FIFO_SIZE; i++)
		assert_true(vuart_receive(&u, (u8)('a' + i)));
	assert_false(vuart_receive(&u, '!'));
	assert_int_equal(vuart_read(&u, LSR), 0x63);
	/* Overrun is reported once. */
	assert_int_equal(vuart_read(&u, LSR), 0x61);
	for (i = 0; i < VUART_FIFO_SIZE; i++)
		assert_int_equal(vuart_read(&u, RBR), 'a' + i);
	assert_int_equal(vuart_read(&u, LSR), 0x60);
	/* Wraps around the ring. */
	assert_true(vuart_receive(&u, 'y'));
	assert_true(vuart_receive(&u, 'z'));
	assert_int_equal(vuart_read(&u, RBR), 'y');
	assert_int_equal(vuart_read(&u, RBR), 'z');
}

static void test_fcr_clear_and_16450_mode(void **state UNUSED)
{
	vuart_write(&u, FCR, 0x01);
	assert_true(vuart_receive(&u, '1'));
	assert_true(vuart_receive(&u, '2'));
	vuart_write(&u, FCR, 0x03);
	assert_int_equal(vuart_read(&u, LSR) & 0x01, 0);
	assert_int_equal(vuart_read(&u, IIR) & 0xc0, 0xc0);
	/* FIFOs off: a single holding register, and IIR[7:6] = 00. */
	assert_true(vuart_receive(&u, '3'));
	vuart_write(&u, FCR, 0x00);
	assert_int_equal(vuart_read(&u, LSR) & 0x01, 0); /* toggling resets */
	assert_int_equal(vuart_read(&u, IIR) & 0xc0, 0);
	assert_true(vuart_receive(&u, '4'));
	assert_false(vuart_receive(&u, '5'));
	assert_int_equal(vuart_read(&u, LSR), 0x63);
	assert_int_equal(vuart_read(&u, RBR), '4');
}

static void test_irq_gated_by_out2(void **state UNUSED)
{
	vuart_write(&u, FCR, 0x01);
	vuart_write(&u, IER, 0x01);
	assert_true(vuart_receive(&u, 'q'));
	assert_int_equal(irq_calls, 0);
	/* Linux sets OUT2 (with DTR and RTS) when it opens the port. */
	vuart_write(&u, MCR, 0x0b);
	assert_true(irq_level);
	assert_int_equal(irq_calls, 1);
	/* More data while high: no new call. */
	assert_true(vuart_receive(&u, 'r'));
	assert_int_equal(irq_calls, 1);
	assert_int_equal(vuart_read(&u, RBR), 'q');
	assert_true(irq_level);
	assert_int_equal(vuart_read(&u, RBR), 'r');
	assert_false(irq_level);
	assert_int_equal(irq_calls, 2);
	/* Clearing OUT2 lowers the line even with a condition pending. */
	assert_true(vuart_receive(&u, 's'));
	assert_true(irq_level);
	vuart_write(&u, MCR, 0x03);
	assert_false(irq_level);
	vuart_write(&u, MCR, 0x0b);
	assert_true(irq_level);
	/* Loopback forces the OUT2 pin inactive. */
	vuart_write(&u, MCR, 0x1b);
	assert_false(irq_level);
	vuart_write(&u, MCR, 0x0b);
	assert_true(irq_level);
	vuart_write(&u, IER, 0);
	assert_false(irq_level);
}

static void test_irq_thre_cycle(void **state UNUSED)
{
	vuart_write(&u, MCR, 0x0b);
	assert_int_equal(irq_calls, 0);
	vuart_write(&u, IER, 0x02);
	assert_true(irq_level);
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_false(irq_level);
	/* Every transmitted byte raises THRE again. */
	vuart_write(&u, THR, 'x');
	assert_true(irq_level);
	assert_int_equal(tx_count, 1);
	vuart_read(&u, IIR);
	assert_false(irq_level);
	assert_int_equal(irq_calls, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_linux_autoconfig_probe, setup),
		cmocka_unit_test_setup(test_scratch_and_divisor_latch, setup),
		cmocka_unit_test_setup(test_transmit, setup),
		cmocka_unit_test_setup(test_loopback_data, setup),
		cmocka_unit_test_setup(test_linux_thre_test, setup),
		cmocka_unit_test_setup(test_iir_thre_cleared_by_read_rearmed_by_write, setup),
		cmocka_unit_test_setup(test_iir_priority, setup),
		cmocka_unit_test_setup(test_rx_fifo_order_and_overrun, setup),
		cmocka_unit_test_setup(test_fcr_clear_and_16450_mode, setup),
		cmocka_unit_test_setup(test_irq_gated_by_out2, setup),
		cmocka_unit_test_setup(test_irq_thre_cycle, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
