# Freestanding test guests (tests/guests/): ELF images Holdfast loads as VMs.
# Included by the top-level Makefile; works standalone too:
#   make -f tests/guests/guests.mk            (all guests)
#   make -f tests/guests/guests.mk build/guests/exits.elf
# Every name here starts with GUEST_ or guest_ so the fragment defines
# nothing the including Makefile uses.

guest_standalone := $(if $(filter 1,$(words $(MAKEFILE_LIST))),yes)
guest_saved_goal := $(.DEFAULT_GOAL)

GUEST_OUT := build/guests
GUEST_OBJ := $(GUEST_OUT)/obj
GUEST_NAMES := exits good hostile bench lockhold spy victim
GUEST_ELFS := $(patsubst %,build/guests/%.elf,$(GUEST_NAMES))

GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-Wall -Wextra -Werror -I. -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,tests/guests/guest.ld \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000

GUEST_LIB_SRCS := $(sort $(wildcard tests/guests/lib/*.c \
	tests/guests/lib/*.S)) lib/format.c lib/string.c \
	lib/cmdline.c
GUEST_exits_SRCS := tests/guests/exits.c
GUEST_good_SRCS := tests/guests/good.c
GUEST_bench_SRCS := tests/guests/bench.c
GUEST_lockhold_SRCS := tests/guests/lockhold.c
GUEST_spy_SRCS := tests/guests/spy.c tests/guests/isolation.c
GUEST_victim_SRCS := tests/guests/victim.c tests/guests/isolation.c
GUEST_hostile_SRCS := tests/guests/hostile.c tests/guests/hostile_mem.c \
	tests/guests/hostile_msr_io.c tests/guests/hostile_insn.c

guest_objs = $(patsubst %,$(GUEST_OBJ)/%.o,$(GUEST_$(1)_SRCS) \
	$(GUEST_LIB_SRCS))
GUEST_ALL_OBJS := $(sort $(foreach g,$(GUEST_NAMES),$(call guest_objs,$(g))))

.PHONY: guests guests-clean

guests: $(GUEST_ELFS)

guests-clean:
	rm -rf $(GUEST_OUT)

$(GUEST_OBJ)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJ)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@gcc $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

# $(1) = guest name
define guest_link_rule
$(GUEST_OUT)/$(1).elf: $(call guest_objs,$(1)) tests/guests/guest.ld
	@echo "  LD      $$@"
	@gcc $(GUEST_LDFLAGS) -o $$@ $(call guest_objs,$(1))
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_link_rule,$(g))))

-include $(GUEST_ALL_OBJS:.o=.d)

# Standalone, the default goal is "guests"; included, whatever the
# including Makefile had (or its next target, if it had none yet).
ifeq ($(guest_standalone),yes)
.DEFAULT_GOAL := guests
else
.DEFAULT_GOAL := $(guest_saved_goal)
endif
