/* VM configuration from the GRUB entry's module strings.
 *
 * A mistake in a GRUB entry should cost one VM, not the boot, and the user
 * should see every mistake at once: so parsing never stops early, every
 * error goes to the callback, and a VM with any error is only marked bad.
 */
#include "vm/vm_config.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/string.h"

#define VM_MESSAGE_MAX 384

enum vm_role { ROLE_NONE = -1, ROLE_ELF, ROLE_KERNEL, ROLE_INITRD };

static const char *const vm_role_names[] = { "elf", "kernel", "initrd" };

/* Applies @value to @vm, or says in @why what was expected. */
typedef bool (*vm_option_parse_fn)(struct vm_config *vm, const char *value,
				   const struct vm_config_limits *limits,
				   char *why, size_t why_size);

struct vm_option {
	const char *name;
	vm_option_parse_fn parse;
};

static bool vm_parse_vcpus(struct vm_config *vm, const char *value,
			   const struct vm_config_limits *limits, char *why,
			   size_t why_size)
{
	u64 n;

	if (!parse_u64(value, &n) || n < 1 || n > limits->max_vcpus) {
		format(why, why_size, "expected 1 to %u", limits->max_vcpus);
		return false;
	}
	vm->vcpus = (u32)n;
	return true;
}

static bool vm_parse_memory(struct vm_config *vm, const char *value,
			    const struct vm_config_limits *limits, char *why,
			    size_t why_size)
{
	u64 bytes;

	if (!parse_size(value, &bytes))
		format(why, why_size, "expected a size such as 256M");
	else if (bytes < VM_MIN_MEMORY)
		format(why, why_size, "less than the %llu MiB minimum",
		       (unsigned long long)(VM_MIN_MEMORY >> 20));
	else if (bytes > limits->max_memory)
		format(why, why_size, "more than the %llu MiB available",
		       (unsigned long long)(limits->max_memory >> 20));
	/* Guest memory is mapped with 2 MiB pages. */
	else if (bytes % LARGE_PAGE_SIZE)
		format(why, why_size, "not a multiple of 2 MiB");
	else {
		vm->memory = bytes;
		return true;
	}
	return false;
}

static bool vm_parse_on_reboot(struct vm_config *vm, const char *value,
			       const struct vm_config_limits *limits, char *why,
			       size_t why_size)
{
	(void)limits;
	if (str_equal(value, "restart") || str_equal(value, "stop")) {
		vm->on_reboot_restart = str_equal(value, "restart");
		return true;
	}
	format(why, why_size, "expected restart or stop");
	return false;
}

static bool vm_parse_serial(struct vm_config *vm, const char *value,
			    const struct vm_config_limits *limits, char *why,
			    size_t why_size)
{
	(void)limits;
	if (str_equal(value, "console"))
		vm->serial_port = 0;
	else if (str_equal(value, "com1"))
		vm->serial_port = 0x3f8;
	else if (str_equal(value, "com2"))
		vm->serial_port = 0x2f8;
	else {
		format(why, why_size, "expected console, com1 or com2");
		return false;
	}
	return true;
}

static bool vm_parse_weight(struct vm_config *vm, const char *value,
			    const struct vm_config_limits *limits, char *why,
			    size_t why_size)
{
	u64 n;

	(void)limits;
	if (!parse_u64(value, &n) || n < 1 || n > 65535) {
		format(why, why_size, "expected 1 to 65535");
		return false;
	}
	vm->weight = (u32)n;
	return true;
}

static bool vm_parse_cap(struct vm_config *vm, const char *value,
			 const struct vm_config_limits *limits, char *why,
			 size_t why_size)
{
	u64 n;

	(void)limits;
	if (!parse_u64(value, &n) || n > 100 * 256) {
		format(why, why_size, "expected a percentage of one CPU (0 = no cap)");
		return false;
	}
	vm->cap = (u32)n;
	return true;
}

/* One set: CPUs and CPU ranges such as 0-3,6, up to @end. */
static bool vm_parse_cpu_set(const char *p, const char *end, u64 set[4])
{
	char part[16];

	for (u32 i = 0; i < 4; i++)
		set[i] = 0;
	if (p == end)
		return false;
	while (p < end) {
		u32 n = 0;
		u64 lo, hi;
		const char *dash;

		while (p + n < end && p[n] != ',' && n + 1 < sizeof(part)) {
			part[n] = p[n];
			n++;
		}
		part[n] = '\0';
		p += n;
		if (p < end && *p == ',')
			p++;
		for (dash = part; *dash && *dash != '-'; dash++)
			;
		if (*dash == '-') {
			part[dash - part] = '\0';
			if (!parse_u64(part, &lo) || !parse_u64(dash + 1, &hi))
				return false;
		} else if (!parse_u64(part, &lo)) {
			return false;
		} else {
			hi = lo;
		}
		if (lo > hi || hi > 255)
			return false;
		for (u64 c = lo; c <= hi; c++)
			set[c / 64] |= 1ull << (c % 64);
	}
	return true;
}

/* pin=0-3,6 for every vCPU, or pin=2/3/0-1: a set per vCPU, '/' apart
 * (the count is checked against vcpus= once every option is known). */
static bool vm_parse_pin(struct vm_config *vm, const char *value,
			 const struct vm_config_limits *limits, char *why,
			 size_t why_size)
{
	const char *p = value;
	u32 n = 0;

	(void)limits;
	for (;;) {
		const char *end = p;

		while (*end && *end != '/')
			end++;
		if (n == VM_PIN_SETS_MAX ||
		    !vm_parse_cpu_set(p, end, vm->pin[n])) {
			vm->pin_sets = 0;
			format(why, why_size,
			       "expected CPU numbers and ranges such as 0-3,6, or one such set per vCPU separated by '/'");
			return false;
		}
		n++;
		if (!*end)
			break;
		p = end + 1;
	}
	vm->pin_sets = n;
	return true;
}

static const struct { const char *name; u32 bit; } lhp_modes[] = {
	{ "delay", LHP_DELAY }, { "safepoint", LHP_SAFEPOINT },
	{ "spin", LHP_SPIN }, { "kvmpv", LHP_KVMPV },
};

/* lhp=none, or modes joined by '+': lhp=kvmpv, lhp=delay+kvmpv. */
static bool vm_parse_lhp(struct vm_config *vm, const char *value,
			 const struct vm_config_limits *limits, char *why,
			 size_t why_size)
{
	const char *p = value;
	u32 bits = 0;

	(void)limits;
	vm->lhp_given = true;
	if (str_equal(value, "none")) {
		vm->lhp = 0;
		return true;
	}
	while (*p) {
		u32 n = 0, bit = 0;

		while (p[n] && p[n] != '+')
			n++;
		for (u32 i = 0; i < ARRAY_SIZE(lhp_modes); i++)
			if (strlen(lhp_modes[i].name) == n &&
			    !memcmp(lhp_modes[i].name, p, n))
				bit = lhp_modes[i].bit;
		if (!bit) {
			format(why, why_size,
			       "expected none, or delay, safepoint, spin and kvmpv joined by '+'");
			return false;
		}
		bits |= bit;
		p += n;
		if (*p == '+' && !*++p) {
			format(why, why_size, "a mode is missing after '+'");
			return false;
		}
	}
	vm->lhp = bits;
	return true;
}

static const struct vm_option vm_options[] = {
	{ "vcpus", vm_parse_vcpus },
	{ "memory", vm_parse_memory },
	{ "on_reboot", vm_parse_on_reboot },
	{ "serial", vm_parse_serial },
	{ "weight", vm_parse_weight },
	{ "cap", vm_parse_cap },
	{ "pin", vm_parse_pin },
	{ "lhp", vm_parse_lhp },
};

#define VM_OPTION_COUNT ARRAY_SIZE(vm_options)

/* An option value as first written, kept to spot a conflicting repeat. */
struct vm_option_seen {
	const char *raw; /* into the module string; NULL: not given yet */
	u32 len;
};

struct vm_parser {
	const struct boot_module *mods;
	const struct vm_config_limits *limits;
	struct vm_config_set *out;
	vm_config_error_fn error;
	void *ctx;
	struct vm_option_seen seen[VM_MAX_VMS][VM_OPTION_COUNT];
};

static void vm_report_v(struct vm_parser *p, struct vm_config *vm,
			const char *fmt, va_list ap)
{
	char msg[VM_MESSAGE_MAX];
	int n = 0;

	if (vm) {
		vm->bad = true;
		n = format(msg, sizeof(msg), "vm %s: ", vm->name);
	}
	format_v(msg + n, sizeof(msg) - n, fmt, ap);
	if (p->error)
		p->error(p->ctx, msg);
}

/* Reports an error about @vm (marking it bad), or about no VM when NULL. */
static void __printf(3, 4) vm_report(struct vm_parser *p, struct vm_config *vm,
				     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vm_report_v(p, vm, fmt, ap);
	va_end(ap);
}

static const char *module_string(const struct vm_parser *p, u32 i)
{
	return p->mods[i].string ? p->mods[i].string : "";
}

static bool vm_name_valid(const struct cmdline_token *tok)
{
	size_t len = strlen(tok->value);

	if (tok->too_long || !tok->has_value || len < 1 || len >= VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = tok->value[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool token_is_separator(const struct cmdline_token *tok)
{
	return !tok->has_value && str_equal(tok->key, "--");
}

/* The first vm= token of @s, before any "--"; false when there is none. */
static bool module_find_name(const char *s, struct cmdline_token *tok)
{
	while (cmdline_next(&s, tok)) {
		if (token_is_separator(tok))
			return false;
		if (str_equal(tok->key, "vm"))
			return true;
	}
	return false;
}

static struct vm_config *vm_find(struct vm_parser *p, const char *name)
{
	for (u32 i = 0; i < p->out->count; i++)
		if (str_equal(p->out->vms[i].name, name))
			return &p->out->vms[i];
	return NULL;
}

static struct vm_config *vm_create(struct vm_parser *p, const char *name)
{
	struct vm_config *vm = &p->out->vms[p->out->count];

	memset(vm, 0, sizeof(*vm));
	memset(p->seen[p->out->count], 0, sizeof(p->seen[0]));
	memcpy(vm->name, name, strlen(name) + 1);
	vm->elf_module = -1;
	vm->kernel_module = -1;
	vm->initrd_module = -1;
	vm->vcpus = 1;
	vm->memory = VM_DEFAULT_MEMORY;
	vm->on_reboot_restart = true;
	vm->weight = 256;
	p->out->count++;
	return vm;
}

/*
 * The VM that module @i belongs to; NULL (reported) when it has no valid
 * name or there is no room for it. A VM that did not fit is reported on its
 * first module only: an earlier module with the same name proves it.
 */
static struct vm_config *vm_for_module(struct vm_parser *p, u32 i)
{
	struct cmdline_token tok, other;
	struct vm_config *vm;

	if (!module_find_name(module_string(p, i), &tok)) {
		vm_report(p, NULL, "module %u has no vm=NAME; ignored", i + 1);
		return NULL;
	}
	if (!vm_name_valid(&tok)) {
		vm_report(p, NULL,
			  "module %u: bad vm name '%s%s': expected 1 to %u letters, digits, '_' or '-'; ignored",
			  i + 1, tok.value, tok.too_long ? "..." : "",
			  VM_NAME_MAX - 1);
		return NULL;
	}
	vm = vm_find(p, tok.value);
	if (vm)
		return vm;
	if (p->out->count < VM_MAX_VMS)
		return vm_create(p, tok.value);
	for (u32 j = 0; j < i; j++)
		if (module_find_name(module_string(p, j), &other) &&
		    vm_name_valid(&other) && str_equal(other.value, tok.value))
			return NULL;
	vm_report(p, NULL, "vm %s: too many VMs (at most %u)", tok.value,
		  VM_MAX_VMS);
	return NULL;
}

/* @end is where @tok ends in the module string. */
static void vm_apply_option(struct vm_parser *p, struct vm_config *vm,
			    const struct cmdline_token *tok, const char *end)
{
	struct vm_option_seen *seen = p->seen[vm - p->out->vms];
	char why[VM_MESSAGE_MAX / 2];
	u32 len = strlen(tok->value);
	u32 k;

	for (k = 0; k < VM_OPTION_COUNT; k++)
		if (str_equal(tok->key, vm_options[k].name))
			break;
	if (k == VM_OPTION_COUNT) {
		vm_report(p, vm, "unknown option '%s'", tok->key);
		return;
	}
	if (!tok->has_value) {
		vm_report(p, vm, "option %s needs a value", tok->key);
		return;
	}
	seen += k;
	if (seen->raw) {
		char first[CMDLINE_VALUE_MAX];

		/* Equal repeats are harmless: the same line pasted twice. */
		if (seen->len == len && !memcmp(seen->raw, tok->value, len))
			return;
		memcpy(first, seen->raw, seen->len);
		first[seen->len] = '\0';
		vm_report(p, vm, "option %s given twice (%s and %s)", tok->key,
			  first, tok->value);
		return;
	}
	/* The value ends the token, which cmdline_next left intact. */
	seen->raw = end - len;
	seen->len = len;
	if (!vm_options[k].parse(vm, tok->value, p->limits, why, sizeof(why)))
		vm_report(p, vm, "option %s=%s: %s", tok->key, tok->value, why);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void vm_set_cmdline(struct vm_parser *p, struct vm_config *vm, u32 i,
			   const char *s)
{
	size_t len;

	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len && is_space(s[len - 1]))
		len--;
	/* An empty command line is the same as none. */
	if (!len)
		return;
	if (len >= VM_CMDLINE_MAX) {
		vm_report(p, vm, "guest command line of module %u longer than %u characters",
			  i + 1, VM_CMDLINE_MAX - 1);
		return;
	}
	if (vm->guest_cmdline[0]) {
		if (strlen(vm->guest_cmdline) != len ||
		    memcmp(vm->guest_cmdline, s, len))
			vm_report(p, vm, "module %u gives a second, different guest command line",
				  i + 1);
		return;
	}
	memcpy(vm->guest_cmdline, s, len);
	vm->guest_cmdline[len] = '\0';
}

static enum vm_role vm_role_lookup(const char *word)
{
	for (u32 r = 0; r < ARRAY_SIZE(vm_role_names); r++)
		if (str_equal(word, vm_role_names[r]))
			return (enum vm_role)r;
	return ROLE_NONE;
}

/* Reads module @i's roles, options and command line; returns its role. */
static enum vm_role vm_parse_module(struct vm_parser *p, struct vm_config *vm,
				    u32 i)
{
	const char *s = module_string(p, i);
	enum vm_role role = ROLE_NONE, r;
	struct cmdline_token tok;
	bool two_roles = false;

	while (cmdline_next(&s, &tok)) {
		if (str_equal(tok.key, "vm")) {
			if (tok.too_long || !str_equal(tok.value, vm->name))
				vm_report(p, vm, "module %u names a second vm '%s%s'",
					  i + 1, tok.value,
					  tok.too_long ? "..." : "");
			continue;
		}
		if (tok.too_long) {
			vm_report(p, vm, "option '%s%s' is too long", tok.key,
				  tok.has_value ? "=..." : "...");
			continue;
		}
		if (token_is_separator(&tok)) {
			vm_set_cmdline(p, vm, i, s);
			break;
		}
		r = vm_role_lookup(tok.key);
		if (r == ROLE_NONE) {
			vm_apply_option(p, vm, &tok, s);
		} else if (tok.has_value) {
			vm_report(p, vm, "role %s takes no value", tok.key);
		} else if (role != ROLE_NONE) {
			if (!two_roles)
				vm_report(p, vm, "module %u has two roles (%s and %s)",
					  i + 1, vm_role_names[role], tok.key);
			two_roles = true;
		} else {
			role = r;
		}
	}
	if (two_roles)
		return ROLE_NONE;
	if (role == ROLE_NONE)
		vm_report(p, vm, "module %u has no role (elf, kernel or initrd)",
			  i + 1);
	return role;
}

static void vm_assign_role(struct vm_parser *p, struct vm_config *vm, u32 i,
			   enum vm_role role)
{
	s32 *slot[] = { &vm->elf_module, &vm->kernel_module,
			&vm->initrd_module };

	if (*slot[role] >= 0) {
		vm_report(p, vm, "two %s modules (modules %d and %u)",
			  vm_role_names[role], *slot[role] + 1, i + 1);
		return;
	}
	if ((role == ROLE_ELF && vm->kernel_module >= 0) ||
	    (role == ROLE_KERNEL && vm->elf_module >= 0)) {
		vm_report(p, vm, "both an elf and a kernel module (module %u)",
			  i + 1);
		return;
	}
	*slot[role] = (s32)i;
}

/* Checks that need every module of the VM. */
static void vm_check_modules(struct vm_parser *p, struct vm_config *vm)
{
	if (vm->elf_module < 0 && vm->kernel_module < 0)
		vm_report(p, vm, "no elf or kernel module");
	else if (vm->initrd_module >= 0 && vm->kernel_module < 0)
		vm_report(p, vm, "initrd module %d needs a kernel module, not elf",
			  vm->initrd_module + 1);
	/* The best each kind can use: delay acts only for a guest that
	 * registers its blocks (a patched kernel, the lockhold guest) and
	 * costs others nothing; stock Linux speaks KVM's PV ABI; an ELF test
	 * guest's "cli; hlt" means "done", not "wait for a kick". spin stays
	 * opt-in: PAUSE exits cost tens of microseconds each under emulation. */
	if (!vm->lhp_given)
		vm->lhp = LHP_DELAY | (vm->kernel_module >= 0 ? LHP_KVMPV : 0);
	if (vm->pin_sets > 1 && vm->pin_sets != vm->vcpus)
		vm_report(p, vm, "option pin: %u CPU sets for %u vCPUs (give one set, or one per vCPU)",
			  vm->pin_sets, vm->vcpus);
}

u32 vm_config_parse(const struct boot_module *mods, u32 count,
		    const struct vm_config_limits *limits,
		    struct vm_config_set *out, vm_config_error_fn error,
		    void *ctx)
{
	struct vm_parser p = {
		.mods = mods, .limits = limits, .out = out,
		.error = error, .ctx = ctx,
	};
	u32 good = 0;

	out->count = 0;
	for (u32 i = 0; i < count; i++) {
		struct vm_config *vm = vm_for_module(&p, i);
		enum vm_role role;

		if (!vm)
			continue;
		role = vm_parse_module(&p, vm, i);
		if (role != ROLE_NONE)
			vm_assign_role(&p, vm, i, role);
	}
	for (u32 v = 0; v < out->count; v++) {
		vm_check_modules(&p, &out->vms[v]);
		if (!out->vms[v].bad)
			good++;
	}
	return good;
}
