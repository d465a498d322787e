# Holdfast: `make` builds build/holdfast.elf, `make iso` the GRUB rescue ISO,
# `make run` boots it in QEMU, `make test` runs every test. See README.md.

# Every Debian package the build and the tests need: the one place they are
# listed. `make deps` installs what is missing (with sudo when not root),
# and QEMU 10 from bookworm-backports (boot/install-qemu.sh says why).
DEBIAN_PACKAGES := build-essential binutils python3 python3-pytest \
	libcmocka-dev grub-common grub-pc-bin grub-efi-amd64-bin xorriso \
	mtools ovmf busybox-static libc6-dev gzip \
	bochs bochsbios vgabios

BUILD := build
PYTHON := /usr/bin/python3
# Emulated CPUs for make run: the demo's 6 vCPUs share 4 under the scheduler.
SMP ?= 4
MEM ?= 1G
FIRMWARE ?= bios
# make run-bochs: the demo under Bochs (Intel VT-x). BOCHS_SERIAL= names a
# file for the console instead of the terminal.
BOCHS_CPUS ?= 2
BOCHS_MEM ?= 768
BOCHS_SERIAL ?= /dev/stdout
BOCHS_IPS ?= 50000000
HV_CMDLINE ?= console=com1

# The Linux guest: Debian's stock kernel and the project's busybox
# initramfs, both cached under ~/.cache/holdfast by their scripts.
GUEST_DIR := $(BUILD)/guest
LINUX_KERNEL := $(GUEST_DIR)/vmlinuz-stock
LINUX_INITRD := $(GUEST_DIR)/initramfs.cpio.gz
LINUX_CMDLINE := console=ttyS0,115200 panic=-1
# The demo: two Linux VMs with shells, one with 4 vCPUs and one with 2.
DEMO_MODULES := \
	-m "$(LINUX_KERNEL) vm=alpha kernel vcpus=4 memory=256M -- $(LINUX_CMDLINE)" \
	-m "$(LINUX_INITRD) vm=alpha initrd" \
	-m "$(LINUX_KERNEL) vm=beta kernel vcpus=2 memory=256M -- $(LINUX_CMDLINE)" \
	-m "$(LINUX_INITRD) vm=beta initrd"

HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-strict-aliasing -Wall -Wextra -Werror -I. -MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack

HV_DIRS := boot lib kernel arch/x86 arch/x86/svm arch/x86/vmx vm vdev sched sched/hv sched/lhp paravirt
HV_SRCS := $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c $(d)/*.S))
HV_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(HV_SRCS))

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-omit-frame-pointer
# Host unit tests: tests/unit/test_NAME.c links with the pure sources below.
UNIT_TESTS := multiboot2 pmem acpi cmdline format insn guest_walk elf_loader \
	vm_config svm_exit vlapic vioapic vuart guest_acpi bzimage sched
UNIT_TESTS += vlapic_timer pvclock vmx_exit lhp_decide xcall_slot
unit_srcs_multiboot2 := kernel/multiboot2.c
unit_srcs_vlapic_timer := vdev/vlapic.c vdev/vlapic_timer.c vdev/vlapic_ipi.c
unit_srcs_pvclock := paravirt/pvclock.c
unit_srcs_lhp_decide := sched/lhp/lhp_decide.c sched/lhp/spin_decide.c
# Header-only: arch/x86/xcall_slot.h.
unit_srcs_xcall_slot :=
unit_srcs_insn := arch/x86/insn.c
unit_srcs_guest_walk := arch/x86/guest_walk.c
unit_srcs_elf_loader := vm/elf_loader.c
unit_srcs_vm_config := vm/vm_config.c lib/cmdline.c lib/format.c
unit_srcs_svm_exit := arch/x86/svm/svm_exit.c
unit_srcs_vmx_exit := arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_error.c
unit_srcs_vlapic := vdev/vlapic.c vdev/vlapic_timer.c vdev/vlapic_ipi.c
unit_srcs_vioapic := vdev/vioapic.c
unit_srcs_vuart := vdev/vuart.c
unit_srcs_guest_acpi := vdev/guest_acpi.c arch/x86/acpi.c arch/x86/acpi_madt.c
unit_srcs_bzimage := vm/bzimage.c
unit_srcs_pmem := kernel/pmem.c
unit_srcs_acpi := arch/x86/acpi.c arch/x86/acpi_madt.c
unit_srcs_cmdline := lib/cmdline.c
unit_srcs_format := lib/format.c
unit_srcs_sched := sched/sched.c sched/credit.c
UNIT_BINS := $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))

# Unit-test prerequisites are named per test ($$(unit_srcs_$$*)).
.SECONDEXPANSION:

.PHONY: all iso run test unit deps check-build-tools check-iso-tools \
	check-run-tools clean guest-linux guest-kernel guest-lockbench bench \
	run-bochs check-bochs-tools run-lockbench stress

all: $(BUILD)/holdfast.elf guests

include tests/guests/guests.mk

need = @command -v $(1) >/dev/null 2>&1 || { echo "holdfast: '$(1)' is missing: install the Debian package '$(2)' (or run 'make deps')" >&2; exit 1; }

check-build-tools:
	$(call need,gcc,build-essential)
	$(call need,ld,binutils)

check-iso-tools:
	$(call need,grub-mkrescue,grub-common)
	$(call need,xorriso,xorriso)
	$(call need,mformat,mtools)
	@test -d /usr/lib/grub/i386-pc || { echo "holdfast: GRUB BIOS modules are missing: install the Debian package 'grub-pc-bin'" >&2; exit 1; }
	@test -d /usr/lib/grub/x86_64-efi || { echo "holdfast: GRUB UEFI modules are missing: install the Debian package 'grub-efi-amd64-bin'" >&2; exit 1; }

check-run-tools:
	$(call need,qemu-system-x86_64,qemu-system-x86)

check-bochs-tools:
	$(call need,bochs,bochs)
	@test -r /usr/share/bochs/BIOS-bochs-latest || { echo "holdfast: the Bochs BIOS is missing: install the Debian package 'bochsbios'" >&2; exit 1; }
	@test -r /usr/share/vgabios/vgabios.bin || { echo "holdfast: the VGA BIOS is missing: install the Debian package 'vgabios'" >&2; exit 1; }

deps:
	@boot/install-deps.sh $(DEBIAN_PACKAGES)
	@boot/install-qemu.sh

$(BUILD)/obj/%.c.o: %.c | check-build-tools
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@gcc $(HV_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S | check-build-tools
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@gcc $(HV_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(BUILD)/holdfast.elf: $(HV_OBJS) linker.ld
	@echo "  LD      $@"
	@gcc $(HV_LDFLAGS) -o $@ $(HV_OBJS)
	@boot/check-elf.sh $@

iso: $(BUILD)/holdfast.iso

# The hypervisor alone (no VMs): what the boot tests start from.
$(BUILD)/holdfast.iso: $(BUILD)/holdfast.elf boot/mkiso.sh boot/grub.cfg.in | check-iso-tools
	boot/mkiso.sh -o $@ -e $< -c "$(HV_CMDLINE)"

# Cheap when cached: the scripts only copy from ~/.cache/holdfast.
guest-linux:
	@mkdir -p $(GUEST_DIR)
	@guest-patches/stock-kernel.sh $(GUEST_DIR)
	@guest-patches/initramfs/build.sh $(LINUX_INITRD)

# The patched guest kernel (guest-patches/linux-6.1, cached by input hash).
guest-kernel:
	@guest-patches/build-kernel.sh $(GUEST_DIR)/bzImage-holdfast

# The lock benchmark module for both guest kernels (guest-patches/lockbench,
# cached by input hash) and the initramfs with it added,
# $(GUEST_DIR)/initramfs-lockbench.cpio.gz.
guest-lockbench: guest-linux guest-kernel
	@guest-patches/lockbench/build.sh $(GUEST_DIR)

$(BUILD)/demo.iso: $(BUILD)/holdfast.elf guest-linux | check-iso-tools
	boot/mkiso.sh -o $@ -e $(BUILD)/holdfast.elf -c "$(HV_CMDLINE)" $(DEMO_MODULES)

run: $(BUILD)/demo.iso | check-run-tools
	boot/run-qemu.sh --iso $< --smp $(SMP) --mem $(MEM) \
		--firmware $(FIRMWARE) $(if $(ACCEL),--accel $(ACCEL))

# make run-lockbench: the lock benchmark (README.md, "Guest lock benchmark")
# in two VMs of LOCK_VCPUS vCPUs with LOCK_VM_OPTS (e.g. lhp=none), Debian's
# kernel (stock) and the patched one (patched), each running the module and
# then the stressor; QEMU exits when both have powered off.
LOCK_VCPUS ?= 4
LOCK_ARGS ?= hf.lock_ms=2000 hf.lock_hold_ns=1000
LOCK_HV_CMDLINE ?= console=com1 sched=credit
LOCK_VM_OPTS ?=
LOCK_INITRD := $(GUEST_DIR)/initramfs-lockbench.cpio.gz
LOCK_GUEST_ARGS := $(LINUX_CMDLINE) hf.test=lockbench,lockstress $(LOCK_ARGS)
LOCK_MODULES := \
	-m "$(LINUX_KERNEL) vm=stock kernel vcpus=$(LOCK_VCPUS) memory=256M $(LOCK_VM_OPTS) -- $(LOCK_GUEST_ARGS)" \
	-m "$(LOCK_INITRD) vm=stock initrd" \
	-m "$(GUEST_DIR)/bzImage-holdfast vm=patched kernel vcpus=$(LOCK_VCPUS) memory=256M $(LOCK_VM_OPTS) -- $(LOCK_GUEST_ARGS)" \
	-m "$(LOCK_INITRD) vm=patched initrd"

$(BUILD)/lockbench.iso: $(BUILD)/holdfast.elf guest-lockbench | check-iso-tools
	boot/mkiso.sh -o $@ -e $(BUILD)/holdfast.elf \
		-c "$(LOCK_HV_CMDLINE) debug_exit=0xf4" $(LOCK_MODULES)

# Status 33 is isa-debug-exit's "success".
run-lockbench: $(BUILD)/lockbench.iso | check-run-tools
	boot/run-qemu.sh --iso $< --smp $(SMP) --mem $(MEM) \
		--firmware $(FIRMWARE) $(if $(ACCEL),--accel $(ACCEL)) || [ $$? -eq 33 ]

# The Bochs demo: one Linux VM with 2 vCPUs (Bochs runs every emulated CPU
# on one host thread: expect minutes to a shell). The bochsrc is generated
# (boot/mkbochsrc.sh documents each line); Bochs never exits by itself and
# has no window: Ctrl-C stops it (then type "quit" at its debugger prompt).
BOCHS_MODULES := \
	-m "$(abspath $(LINUX_KERNEL)) vm=alpha kernel vcpus=2 memory=256M -- $(LINUX_CMDLINE)" \
	-m "$(abspath $(LINUX_INITRD)) vm=alpha initrd"

$(BUILD)/bochs-demo.iso: $(BUILD)/holdfast.elf guest-linux | check-iso-tools
	boot/mkiso.sh -o $@ -e $(BUILD)/holdfast.elf -c "$(HV_CMDLINE)" $(BOCHS_MODULES)

$(BUILD)/bochsrc: $(BUILD)/bochs-demo.iso boot/mkbochsrc.sh FORCE | check-bochs-tools
	boot/mkbochsrc.sh -o $@ --iso $(abspath $<) --cpus $(BOCHS_CPUS) \
		--mem $(BOCHS_MEM) --serial $(BOCHS_SERIAL) --ips $(BOCHS_IPS)

run-bochs: $(BUILD)/bochsrc
	@echo c > $(BUILD)/bochs-commands
	@echo "holdfast: Bochs (Intel VT-x), $(BOCHS_CPUS) CPUs, $(BOCHS_MEM) MiB; console: $(BOCHS_SERIAL)" >&2
	cd $(BUILD) && bochs -q -rc bochs-commands -f bochsrc

FORCE:

unit: $(UNIT_BINS)

$(BUILD)/unit/test_%: tests/unit/test_%.c $$(unit_srcs_$$*) | check-build-tools
	@mkdir -p $(dir $@)
	gcc $(HOST_CFLAGS) -o $@ $< $(unit_srcs_$*) -lcmocka

test: deps
	$(MAKE) all iso unit guest-linux guest-kernel guest-lockbench
	$(PYTHON) -m pytest -v tests

# Benchmarks are not tests: they repeat runs and report rates and ratios.
bench: all
	$(PYTHON) tests/bench/exit_cost.py

# Not part of `make test`: boots the over-committed Linux configurations
# STRESS_RUNS times each (default 5) and reports every crash (tests/stress.py).
stress: all guest-linux guest-kernel
	$(PYTHON) tests/stress.py

clean:
	rm -rf $(BUILD)

-include $(HV_OBJS:.o=.d)
