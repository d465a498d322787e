/* Unit tests for vdev/vioapic.c: register file, edge and level delivery,
 * remote IRR and EOI, masking, polarity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vdev/vioapic.h"

#define UNUSED __attribute__((unused))

struct delivery {
	u32 dest;
	bool logical;
	u8 vector;
	bool level, nmi;
};

static struct delivery log_[64];
static u32 log_count;
static struct vioapic io;

static void record(void *ctx, u32 dest, bool logical, u8 vector, bool level,
		   bool nmi)
{
	struct vioapic *dev = ctx;

	/* The lock must be free: the callback may come back into the IOAPIC
	 * (an EOI from the vLAPIC it delivers to). */
	assert_int_equal(dev->lock, 0);
	assert_true(log_count < 64);
	log_[log_count++] = (struct delivery){ dest, logical, vector, level, nmi };
}

static const struct vioapic_env env = { .ctx = &io, .deliver = record };

static int setup(void **state UNUSED)
{
	log_count = 0;
	vioapic_init(&io, &env);
	return 0;
}

static u32 reg_read(u32 index)
{
	vioapic_mmio_write(&io, 0x00, index);
	return vioapic_mmio_read(&io, 0x10);
}

static void reg_write(u32 index, u32 val)
{
	vioapic_mmio_write(&io, 0x00, index);
	vioapic_mmio_write(&io, 0x10, val);
}

static void redir_write(u32 pin, u32 low, u32 high)
{
	reg_write(0x11 + 2 * pin, high);
	reg_write(0x10 + 2 * pin, low);
}

static void test_id_version_arb(void **state UNUSED)
{
	assert_int_equal(reg_read(0), VIOAPIC_ID << 24);
	assert_int_equal(reg_read(1), 0x00170011);
	assert_int_equal(reg_read(1) >> 16 & 0xff, VIOAPIC_PINS - 1);
	assert_int_equal(reg_read(2), VIOAPIC_ID << 24);
	vioapic_mmio_write(&io, 0x00, 0x12);
	assert_int_equal(vioapic_mmio_read(&io, 0x00), 0x12);
	/* Unimplemented indexes and offsets read 0, writes are ignored. */
	assert_int_equal(reg_read(0x03), 0);
	assert_int_equal(reg_read(0x40), 0);
	vioapic_mmio_write(&io, 0x20, 5);
	assert_int_equal(vioapic_mmio_read(&io, 0x20), 0);
}

static void test_reset_masks_everything(void **state UNUSED)
{
	u32 pin;

	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(reg_read(0x10 + 2 * pin), 1u << 16);
		assert_int_equal(reg_read(0x11 + 2 * pin), 0);
	}
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(log_count, 0);
}

static void test_redir_read_only_and_reserved_bits(void **state UNUSED)
{
	/* Delivery status (12), remote IRR (14) and reserved bits ignored. */
	redir_write(3, 0xffffffff, 0xffffffff);
	assert_int_equal(reg_read(0x16), 0x1afff);
	assert_int_equal(reg_read(0x17), 0xff000000);
	redir_write(3, 0x00000a31, 0x03000000);
	assert_int_equal(reg_read(0x16), 0x00000a31);
	assert_int_equal(reg_read(0x17), 0x03000000);
}

static void test_edge_delivers_on_rising_edge(void **state UNUSED)
{
	redir_write(4, 0x34, 0x02000000);
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(log_count, 1);
	assert_int_equal(log_[0].vector, 0x34);
	assert_int_equal(log_[0].dest, 2);
	assert_false(log_[0].logical);
	assert_false(log_[0].level);
	assert_false(log_[0].nmi);
	/* Staying high is not a new edge; remote IRR is not used. */
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(log_count, 1);
	assert_int_equal(reg_read(0x18) & (1u << 14), 0);
	vioapic_set_pin(&io, 4, false);
	assert_int_equal(log_count, 1);
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(log_count, 2);
}

static void test_edge_while_masked_is_lost(void **state UNUSED)
{
	redir_write(4, 0x34 | (1u << 16), 0);
	vioapic_set_pin(&io, 4, true);
	redir_write(4, 0x34, 0);
	assert_int_equal(log_count, 0);
	vioapic_set_pin(&io, 4, false);
	vioapic_set_pin(&io, 4, true);
	assert_int_equal(log_count, 1);
}

static void test_logical_and_lowest_priority(void **state UNUSED)
{
	redir_write(5, 0x41 | (1u << 8) | (1u << 11), 0x0f000000);
	vioapic_set_pin(&io, 5, true);
	assert_int_equal(log_count, 1);
	assert_true(log_[0].logical);
	assert_int_equal(log_[0].dest, 0x0f);
	assert_int_equal(log_[0].vector, 0x41);
	assert_false(log_[0].nmi);
}

static void test_nmi_and_ignored_modes(void **state UNUSED)
{
	/* NMI: delivered as an edge even with the level bit set. */
	redir_write(6, (4u << 8) | (1u << 15), 0);
	vioapic_set_pin(&io, 6, true);
	assert_int_equal(log_count, 1);
	assert_true(log_[0].nmi);
	assert_false(log_[0].level);
	assert_int_equal(reg_read(0x1c) & (1u << 14), 0);
	/* SMI (2), INIT (5), ExtINT (7): dropped. */
	redir_write(7, 0x50 | (2u << 8), 0);
	redir_write(8, 0x51 | (5u << 8), 0);
	redir_write(9, 0x52 | (7u << 8), 0);
	vioapic_set_pin(&io, 7, true);
	vioapic_set_pin(&io, 8, true);
	vioapic_set_pin(&io, 9, true);
	assert_int_equal(log_count, 1);
}

static void test_level_remote_irr_and_eoi(void **state UNUSED)
{
	redir_write(10, 0x60 | (1u << 15), 0x01000000);
	vioapic_set_pin(&io, 10, true);
	assert_int_equal(log_count, 1);
	assert_true(log_[0].level);
	assert_int_equal(log_[0].dest, 1);
	assert_true(reg_read(0x24) & (1u << 14));
	/* Still high, remote IRR set: nothing more. */
	vioapic_set_pin(&io, 10, true);
	assert_int_equal(log_count, 1);
	/* EOI of another vector changes nothing. */
	vioapic_eoi(&io, 0x61);
	assert_true(reg_read(0x24) & (1u << 14));
	assert_int_equal(log_count, 1);
	/* EOI while still asserted: delivered again. */
	vioapic_eoi(&io, 0x60);
	assert_int_equal(log_count, 2);
	assert_true(reg_read(0x24) & (1u << 14));
	/* Line dropped, then EOI: remote IRR clears, nothing delivered. */
	vioapic_set_pin(&io, 10, false);
	vioapic_eoi(&io, 0x60);
	assert_int_equal(log_count, 2);
	assert_int_equal(reg_read(0x24) & (1u << 14), 0);
	vioapic_set_pin(&io, 10, true);
	assert_int_equal(log_count, 3);
}

static void test_level_unmask_while_asserted_delivers(void **state UNUSED)
{
	redir_write(11, 0x70 | (1u << 15) | (1u << 16), 0);
	vioapic_set_pin(&io, 11, true);
	assert_int_equal(log_count, 0);
	reg_write(0x10 + 2 * 11, 0x70 | (1u << 15));
	assert_int_equal(log_count, 1);
	assert_int_equal(log_[0].vector, 0x70);
	assert_true(log_[0].level);
	/* Rewriting the unmasked entry does not re-deliver (remote IRR). */
	reg_write(0x10 + 2 * 11, 0x70 | (1u << 15));
	assert_int_equal(log_count, 1);
}

static void test_level_to_edge_clears_remote_irr(void **state UNUSED)
{
	/* Linux's __eoi_ioapic_pin for version 0x11 IOAPICs: mask, switch
	 * to edge, restore level. */
	redir_write(12, 0x71 | (1u << 15), 0);
	vioapic_set_pin(&io, 12, true);
	assert_int_equal(log_count, 1);
	reg_write(0x10 + 2 * 12, 0x71 | (1u << 16));
	assert_int_equal(reg_read(0x28) & (1u << 14), 0);
	vioapic_set_pin(&io, 12, false);
	reg_write(0x10 + 2 * 12, 0x71 | (1u << 15));
	assert_int_equal(log_count, 1);
	vioapic_set_pin(&io, 12, true);
	assert_int_equal(log_count, 2);
}

static void test_eoi_redelivers_every_matching_pin(void **state UNUSED)
{
	redir_write(13, 0x80 | (1u << 15), 0);
	redir_write(14, 0x80 | (1u << 15), 0x01000000);
	vioapic_set_pin(&io, 13, true);
	vioapic_set_pin(&io, 14, true);
	assert_int_equal(log_count, 2);
	vioapic_eoi(&io, 0x80);
	assert_int_equal(log_count, 4);
	assert_int_equal(log_[2].dest, 0);
	assert_int_equal(log_[3].dest, 1);
}

static void test_active_low_polarity(void **state UNUSED)
{
	/* Edge, active low: the falling input edge is the assertion. */
	redir_write(15, 0x90 | (1u << 13), 0);
	vioapic_set_pin(&io, 15, true);
	assert_int_equal(log_count, 0);
	vioapic_set_pin(&io, 15, false);
	assert_int_equal(log_count, 1);

	/* Level, active low: a line left low is asserted once unmasked. */
	redir_write(16, 0x91 | (1u << 13) | (1u << 15), 0);
	assert_int_equal(log_count, 2);
	assert_int_equal(log_[1].vector, 0x91);
	vioapic_set_pin(&io, 16, true);
	vioapic_eoi(&io, 0x91);
	assert_int_equal(log_count, 2);
}

static void test_out_of_range_pin_ignored(void **state UNUSED)
{
	vioapic_set_pin(&io, VIOAPIC_PINS, true);
	vioapic_set_pin(&io, 0xffffffff, true);
	assert_int_equal(io.pin_level, 0);
	assert_int_equal(log_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_id_version_arb, setup),
		cmocka_unit_test_setup(test_reset_masks_everything, setup),
		cmocka_unit_test_setup(test_redir_read_only_and_reserved_bits, setup),
		cmocka_unit_test_setup(test_edge_delivers_on_rising_edge, setup),
		cmocka_unit_test_setup(test_edge_while_masked_is_lost, setup),
		cmocka_unit_test_setup(test_logical_and_lowest_priority, setup),
		cmocka_unit_test_setup(test_nmi_and_ignored_modes, setup),
		cmocka_unit_test_setup(test_level_remote_irr_and_eoi, setup),
		cmocka_unit_test_setup(test_level_unmask_while_asserted_delivers, setup),
		cmocka_unit_test_setup(test_level_to_edge_clears_remote_irr, setup),
		cmocka_unit_test_setup(test_eoi_redelivers_every_matching_pin, setup),
		cmocka_unit_test_setup(test_active_low_polarity, setup),
		cmocka_unit_test_setup(test_out_of_range_pin_ignored, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
