/* Host unit tests for the VM configuration parser (module strings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vm/vm_config.h"

#define MAX_MESSAGES 64

struct messages {
	char text[MAX_MESSAGES][512];
	unsigned count;
};

static struct messages msgs;
static struct vm_config_set set;
static const struct vm_config_limits limits = {
	.max_vcpus = 8,
	.max_memory = GiB(1),
};

static void collect(void *ctx, const char *message)
{
	struct messages *m = ctx;

	assert_true(m->count < MAX_MESSAGES);
	assert_true(strlen(message) < sizeof(m->text[0]));
	strcpy(m->text[m->count++], message);
}

/* Parses @n module strings; modules get made-up physical ranges. */
static u32 parse(const char *const *strings, u32 n)
{
	struct boot_module mods[BOOT_MAX_MODULES];

	assert_true(n <= BOOT_MAX_MODULES);
	memset(&msgs, 0, sizeof(msgs));
	memset(&set, 0x5a, sizeof(set));
	for (u32 i = 0; i < n; i++) {
		mods[i].start = MiB(16) + MiB(i);
		mods[i].end = mods[i].start + KiB(4);
		mods[i].string = strings[i];
	}
	return vm_config_parse(mods, n, &limits, &set, collect, &msgs);
}

#define PARSE(...)                                                   \
	({                                                           \
		static const char *const s_[] = { __VA_ARGS__ };     \
		parse(s_, ARRAY_SIZE(s_));                           \
	})

/* The messages must be exactly @expected, in order. */
static void expect_messages(const char *const *expected, unsigned n)
{
	bool same = msgs.count == n;

	for (unsigned i = 0; same && i < n; i++)
		same = !strcmp(msgs.text[i], expected[i]);
	/* Show them all: one wrong message often explains the next. */
	for (unsigned i = 0; !same && i < msgs.count; i++)
		print_message("message: %s\n", msgs.text[i]);
	assert_int_equal(msgs.count, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(msgs.text[i], expected[i]);
}

#define EXPECT(...)                                                  \
	do {                                                         \
		static const char *const e_[] = { __VA_ARGS__ };     \
		expect_messages(e_, ARRAY_SIZE(e_));                 \
	} while (0)

static void expect_no_messages(void)
{
	expect_messages(NULL, 0);
}

static const struct vm_config *vm_named(const char *name)
{
	for (u32 i = 0; i < set.count; i++)
		if (!strcmp(set.vms[i].name, name))
			return &set.vms[i];
	fail_msg("no vm %s", name);
	return NULL;
}

static void test_good_configuration(void **state)
{
	const struct vm_config *web, *test;

	(void)state;
	assert_int_equal(PARSE("vm=web kernel vcpus=4 --  console=ttyS0 root=/dev/vda  \t",
			       "vm=test elf memory=8M vcpus=0x2",
			       "initrd memory=256M vm=web"),
			 2);
	expect_no_messages();
	assert_int_equal(set.count, 2);
	web = &set.vms[0];
	test = &set.vms[1];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->kernel_module, 0);
	assert_int_equal(web->initrd_module, 2);
	assert_int_equal(web->elf_module, -1);
	assert_int_equal(web->vcpus, 4);
	assert_true(web->memory == MiB(256));
	assert_string_equal(web->guest_cmdline, "console=ttyS0 root=/dev/vda");
	assert_false(web->bad);

	assert_string_equal(test->name, "test");
	assert_int_equal(test->elf_module, 1);
	assert_int_equal(test->kernel_module, -1);
	assert_int_equal(test->initrd_module, -1);
	assert_int_equal(test->vcpus, 2);
	assert_true(test->memory == MiB(8));
	assert_string_equal(test->guest_cmdline, "");
	assert_false(test->bad);
}

static void test_defaults_and_limits(void **state)
{
	const struct vm_config *vm;

	(void)state;
	assert_int_equal(PARSE("vm=Tiny_vm-15chars elf",
			       "vm=big elf vcpus=8 memory=1G",
			       "vm=small elf memory=4M --"),
			 3);
	expect_no_messages();
	vm = vm_named("Tiny_vm-15chars");
	assert_int_equal(vm->vcpus, 1);
	assert_true(vm->memory == VM_DEFAULT_MEMORY);
	vm = vm_named("big");
	assert_int_equal(vm->vcpus, 8);
	assert_true(vm->memory == GiB(1));
	vm = vm_named("small");
	assert_true(vm->memory == MiB(4));
	assert_string_equal(vm->guest_cmdline, "");
}

static void test_guest_command_line(void **state)
{
	static char long_line[VM_CMDLINE_MAX + 64];
	const char *mods[2];

	(void)state;
	/* The same line on two modules is fine; "--" inside it is kept. */
	assert_int_equal(PARSE("vm=a kernel -- quiet -- init=/bin/sh",
			       "vm=a initrd --   quiet -- init=/bin/sh "),
			 1);
	expect_no_messages();
	assert_string_equal(set.vms[0].guest_cmdline, "quiet -- init=/bin/sh");

	/* Words after "--" are not options, not even vm=. */
	assert_int_equal(PARSE("vm=a kernel -- vm=b memory=1"), 1);
	expect_no_messages();
	assert_int_equal(set.count, 1);
	assert_string_equal(set.vms[0].guest_cmdline, "vm=b memory=1");

	assert_int_equal(PARSE("vm=a kernel -- quiet", "vm=a initrd -- debug"),
			 0);
	EXPECT("vm a: module 2 gives a second, different guest command line");
	assert_string_equal(set.vms[0].guest_cmdline, "quiet");

	memcpy(long_line, "vm=a elf -- ", 12);
	memset(long_line + 12, 'x', VM_CMDLINE_MAX);
	mods[0] = long_line;
	mods[1] = "vm=b elf -- ok";
	assert_int_equal(parse(mods, 2), 1);
	EXPECT("vm a: guest command line of module 1 longer than 1023 characters");
	assert_true(set.vms[0].bad);
	assert_string_equal(set.vms[1].guest_cmdline, "ok");
}

static void test_module_names(void **state)
{
	(void)state;
	assert_int_equal(PARSE("elf vcpus=2", "", "vm=ok elf", "elf -- vm=x"),
			 1);
	EXPECT("module 1 has no vm=NAME; ignored",
	       "module 2 has no vm=NAME; ignored",
	       "module 4 has no vm=NAME; ignored");
	assert_int_equal(set.count, 1);
	assert_int_equal(set.vms[0].elf_module, 2);

	assert_int_equal(PARSE("vm= elf", "vm elf", "vm=a.b elf",
			       "vm=sixteen_chars_xy elf", "vm=ok elf"),
			 1);
	EXPECT("module 1: bad vm name '': expected 1 to 15 letters, digits, '_' or '-'; ignored",
	       "module 2: bad vm name '': expected 1 to 15 letters, digits, '_' or '-'; ignored",
	       "module 3: bad vm name 'a.b': expected 1 to 15 letters, digits, '_' or '-'; ignored",
	       "module 4: bad vm name 'sixteen_chars_xy': expected 1 to 15 letters, digits, '_' or '-'; ignored");
	assert_int_equal(set.count, 1);

	assert_int_equal(PARSE("vm=a elf vm=a", "vm=b elf vm=c"), 1);
	EXPECT("vm b: module 2 names a second vm 'c'");
	assert_false(vm_named("a")->bad);
	assert_true(vm_named("b")->bad);
}

static void test_overlong_tokens(void **state)
{
	char line[512], name[200];
	const char *mods[2] = { line, name };

	(void)state;
	snprintf(line, sizeof(line), "vm=a elf %0200d=1 memory=%0200d", 7, 8);
	snprintf(name, sizeof(name), "vm=%0150d elf", 9);
	assert_int_equal(parse(mods, 2), 0);
	assert_int_equal(msgs.count, 3);
	assert_true(strncmp(msgs.text[0], "vm a: option '000", 17) == 0);
	assert_non_null(strstr(msgs.text[0], "0=...' is too long"));
	assert_string_equal(msgs.text[1], "vm a: option 'memory=...' is too long");
	assert_true(strncmp(msgs.text[2], "module 2: bad vm name '000", 26) == 0);
	assert_non_null(strstr(msgs.text[2], "0...': expected 1 to 15"));
	assert_int_equal(set.count, 1);
	assert_true(set.vms[0].bad);
	assert_true(set.vms[0].memory == VM_DEFAULT_MEMORY);
}

static void test_roles(void **state)
{
	(void)state;
	assert_int_equal(PARSE("vm=a vcpus=2", "vm=a elf",
			       "vm=b elf kernel", "vm=b elf",
			       "vm=c elf=1 kernel"),
			 0);
	EXPECT("vm a: module 1 has no role (elf, kernel or initrd)",
	       "vm b: module 3 has two roles (elf and kernel)",
	       "vm c: role elf takes no value");
	/* A module with a role error still counts for the others. */
	assert_int_equal(vm_named("a")->elf_module, 1);
	assert_int_equal(vm_named("b")->elf_module, 3);
	assert_int_equal(vm_named("b")->kernel_module, -1);
	assert_int_equal(vm_named("c")->kernel_module, 4);

	assert_int_equal(PARSE("vm=a elf", "vm=a elf", "vm=b kernel",
			       "vm=b kernel", "vm=c initrd", "vm=c initrd",
			       "vm=c kernel"),
			 0);
	EXPECT("vm a: two elf modules (modules 1 and 2)",
	       "vm b: two kernel modules (modules 3 and 4)",
	       "vm c: two initrd modules (modules 5 and 6)");
	assert_int_equal(vm_named("c")->initrd_module, 4);

	assert_int_equal(PARSE("vm=a elf", "vm=a kernel", "vm=b kernel",
			       "vm=b elf", "vm=c elf", "vm=c initrd",
			       "vm=d initrd", "vm=e kernel", "vm=e initrd"),
			 1);
	EXPECT("vm a: both an elf and a kernel module (module 2)",
	       "vm b: both an elf and a kernel module (module 4)",
	       "vm c: initrd module 6 needs a kernel module, not elf",
	       "vm d: no elf or kernel module");
	assert_false(vm_named("e")->bad);
	assert_int_equal(vm_named("a")->kernel_module, -1);
	assert_int_equal(vm_named("b")->elf_module, -1);
}

static void test_option_values(void **state)
{
	(void)state;
	assert_int_equal(PARSE("vm=a elf vcpus=0", "vm=b elf vcpus=9",
			       "vm=c elf vcpus=two", "vm=d elf memory=12Q",
			       "vm=e elf memory=1M", "vm=f elf memory=3G",
			       "vm=g elf memory=5M", "vm=h elf memory=",
			       "vm=i elf vcpus=-1"),
			 0);
	EXPECT("vm a: option vcpus=0: expected 1 to 8",
	       "vm b: option vcpus=9: expected 1 to 8",
	       "vm c: option vcpus=two: expected 1 to 8",
	       "vm d: option memory=12Q: expected a size such as 256M",
	       "vm e: option memory=1M: less than the 4 MiB minimum",
	       "vm f: option memory=3G: more than the 1024 MiB available",
	       "vm g: option memory=5M: not a multiple of 2 MiB",
	       "vm h: option memory=: expected a size such as 256M",
	       "vm i: option vcpus=-1: expected 1 to 8");
	assert_int_equal(vm_named("a")->vcpus, 1);
	assert_true(vm_named("f")->memory == VM_DEFAULT_MEMORY);
}

#define M "expected CPU numbers and ranges such as 0-3,6, or one such set per vCPU separated by '/'"

static void test_scheduling_options(void **state)
{
	const struct vm_config *a;

	(void)state;
	assert_int_equal(PARSE("vm=a elf weight=512 cap=150 pin=0-2,5,64-65",
			       "vm=b elf", "vm=c elf weight=0", "vm=d elf pin=3-1",
			       "vm=e elf pin=1,x", "vm=f elf pin=256",
			       "vm=g elf cap=lots", "vm=h elf vcpus=3 pin=2/3/0-1",
			       "vm=i elf vcpus=3 pin=2/3", "vm=j elf vcpus=2 pin=2//3",
			       "vm=k elf vcpus=2 pin=1/"),
			 3);
	EXPECT("vm c: option weight=0: expected 1 to 65535",
	       "vm d: option pin=3-1: " M,
	       "vm e: option pin=1,x: " M,
	       "vm f: option pin=256: " M,
	       "vm g: option cap=lots: expected a percentage of one CPU (0 = no cap)",
	       "vm j: option pin=2//3: " M,
	       "vm k: option pin=1/: " M,
	       "vm i: option pin: 2 CPU sets for 3 vCPUs (give one set, or one per vCPU)");
	a = vm_named("a");
	assert_int_equal(a->weight, 512);
	assert_int_equal(a->cap, 150);
	assert_int_equal(a->pin_sets, 1);
	assert_true(a->pin[0][0] == 0x27ull);
	assert_true(a->pin[0][1] == 0x3ull);
	/* One set serves every vCPU. */
	assert_ptr_equal(vm_config_pin(a, 5), a->pin[0]);
	assert_int_equal(vm_named("b")->weight, 256);
	assert_int_equal(vm_named("b")->cap, 0);
	assert_int_equal(vm_named("b")->pin_sets, 0);
	assert_null(vm_config_pin(vm_named("b"), 0));
	a = vm_named("h");
	assert_int_equal(a->pin_sets, 3);
	assert_true(vm_config_pin(a, 0)[0] == 0x4ull);
	assert_true(vm_config_pin(a, 1)[0] == 0x8ull);
	assert_true(vm_config_pin(a, 2)[0] == 0x3ull);
}

static void test_lhp_modes(void **state)
{
	(void)state;
	assert_int_equal(PARSE("vm=a elf", "vm=b kernel", "vm=c kernel lhp=none",
			       "vm=d elf lhp=delay+kvmpv", "vm=e elf lhp=safepoint+kvmpv",
			       "vm=f elf lhp=fast", "vm=g elf lhp=kvmpv+",
			       "vm=h elf lhp=kvmpv+kvmpv"),
			 6);
	EXPECT("vm f: option lhp=fast: expected none, or delay, safepoint, spin and kvmpv joined by '+'",
	       "vm g: option lhp=kvmpv+: a mode is missing after '+'");
	/* The default by kind: Linux speaks KVM's PV ABI, ELF guests not. */
	assert_int_equal(vm_named("a")->lhp, LHP_DELAY);
	assert_int_equal(vm_named("b")->lhp, LHP_DELAY | LHP_KVMPV);
	assert_int_equal(vm_named("c")->lhp, 0);
	assert_int_equal(vm_named("d")->lhp, LHP_DELAY | LHP_KVMPV);
	assert_int_equal(vm_named("e")->lhp, LHP_SAFEPOINT | LHP_KVMPV);
	assert_int_equal(vm_named("h")->lhp, LHP_KVMPV);
}

static void test_unknown_options(void **state)
{
	(void)state;
	assert_int_equal(PARSE("vm=a elf foo", "vm=b elf foo=1 bar",
			       "vm=c elf vcpus", "vm=d elf --x"),
			 0);
	EXPECT("vm a: unknown option 'foo'",
	       "vm b: unknown option 'foo'",
	       "vm b: unknown option 'bar'",
	       "vm c: option vcpus needs a value",
	       "vm d: unknown option '--x'");
}

static void test_repeated_options(void **state)
{
	(void)state;
	/* Equal values are fine, even written on every line. */
	assert_int_equal(PARSE("vm=a kernel memory=64M vcpus=2",
			       "vm=a initrd memory=64M vcpus=2 vcpus=2"),
			 1);
	expect_no_messages();
	assert_int_equal(set.vms[0].vcpus, 2);

	assert_int_equal(PARSE("vm=a kernel memory=64M",
			       "vm=a initrd memory=128M",
			       "vm=b elf vcpus=2 vcpus=3",
			       "vm=c elf memory=64M memory=0x4000000"),
			 0);
	EXPECT("vm a: option memory given twice (64M and 128M)",
	       "vm b: option vcpus given twice (2 and 3)",
	       "vm c: option memory given twice (64M and 0x4000000)");
	assert_true(vm_named("a")->memory == MiB(64));
	assert_int_equal(vm_named("b")->vcpus, 2);

	/* A bad first value still counts as the value given. */
	assert_int_equal(PARSE("vm=a elf vcpus=0", "vm=a vcpus=0"), 0);
	EXPECT("vm a: option vcpus=0: expected 1 to 8",
	       "vm a: module 2 has no role (elf, kernel or initrd)");
}

static void test_bad_vm_does_not_affect_good_one(void **state)
{
	const struct vm_config *good;

	(void)state;
	assert_int_equal(PARSE("vm=bad kernel memory=lots -- quiet",
			       "vm=good kernel vcpus=3 -- console=ttyS0",
			       "vm=bad initrd vcpus=100",
			       "vm=good initrd memory=32M"),
			 1);
	EXPECT("vm bad: option memory=lots: expected a size such as 256M",
	       "vm bad: option vcpus=100: expected 1 to 8");
	assert_true(vm_named("bad")->bad);
	good = vm_named("good");
	assert_false(good->bad);
	assert_int_equal(good->kernel_module, 1);
	assert_int_equal(good->initrd_module, 3);
	assert_int_equal(good->vcpus, 3);
	assert_true(good->memory == MiB(32));
	assert_string_equal(good->guest_cmdline, "console=ttyS0");
}

static void test_too_many_vms(void **state)
{
	static char lines[VM_MAX_VMS + 3][32];
	const char *mods[VM_MAX_VMS + 3];
	u32 n = 0;

	(void)state;
	for (u32 i = 0; i < VM_MAX_VMS + 2; i++) {
		snprintf(lines[n], sizeof(lines[n]), "vm=vm%u elf", i);
		mods[n] = lines[n];
		n++;
	}
	/* A second module of a VM that did not fit is not reported again. */
	mods[n++] = "vm=vm16 vcpus=2";
	assert_int_equal(parse(mods, n), VM_MAX_VMS);
	EXPECT("vm vm16: too many VMs (at most 16)",
	       "vm vm17: too many VMs (at most 16)");
	assert_int_equal(set.count, VM_MAX_VMS);
	assert_string_equal(set.vms[0].name, "vm0");
	assert_string_equal(set.vms[VM_MAX_VMS - 1].name, "vm15");

	/* Modules of VMs that did fit are still taken after the limit. */
	mods[n - 1] = "vm=vm3 vcpus=5";
	assert_int_equal(parse(mods, n), VM_MAX_VMS - 1);
	EXPECT("vm vm16: too many VMs (at most 16)",
	       "vm vm17: too many VMs (at most 16)",
	       "vm vm3: module 19 has no role (elf, kernel or initrd)");
	assert_int_equal(vm_named("vm3")->vcpus, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_configuration),
		cmocka_unit_test(test_defaults_and_limits),
		cmocka_unit_test(test_guest_command_line),
		cmocka_unit_test(test_module_names),
		cmocka_unit_test(test_overlong_tokens),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_scheduling_options),
		cmocka_unit_test(test_lhp_modes),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_repeated_options),
		cmocka_unit_test(test_bad_vm_does_not_affect_good_one),
		cmocka_unit_test(test_too_many_vms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
