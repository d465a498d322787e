/* ELF64 x86-64 loader for freestanding test guests.
 *
 * The image comes from a boot module, so nothing in it is trusted: every
 * offset and size is checked against the file, every sum is checked for
 * overflow, and the whole image is validated before the first byte is
 * written, so a bad image leaves guest memory untouched.
 */
#include "vm/elf_loader.h"

#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELF_MAX_PHDRS 64

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1

/* Header field offsets (System V gABI, ELF-64 object file format). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define E_TYPE 16
#define E_MACHINE 18
#define E_VERSION 20
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56

#define P_TYPE 0
#define P_FLAGS 4
#define P_OFFSET 8
#define P_VADDR 16
#define P_PADDR 24
#define P_FILESZ 32
#define P_MEMSZ 40

struct elf_segment {
	u64 offset, vaddr, paddr, filesz, memsz;
	u32 flags;
};

/* Where the program header table lies; checked against the file first. */
struct elf_phdrs {
	const u8 *base;
	u64 entsize, count;
};

/* Module data need not be aligned: read bytes, little-endian by format. */
static u64 elf_read(const u8 *p, unsigned bytes)
{
	u64 v = 0;

	while (bytes--)
		v = (v << 8) | p[bytes];
	return v;
}

static const char *elf_check_header(const u8 *f, u64 size)
{
	if (size < ELF_EHDR_SIZE || f[0] != 0x7f || f[1] != 'E' ||
	    f[2] != 'L' || f[3] != 'F')
		return "not an ELF file";
	if (f[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF file";
	if (f[EI_DATA] != ELFDATA2LSB)
		return "not a little-endian ELF file";
	if (f[EI_VERSION] != EV_CURRENT ||
	    elf_read(f + E_VERSION, 4) != EV_CURRENT)
		return "unsupported ELF version";
	if (elf_read(f + E_MACHINE, 2) != EM_X86_64)
		return "not an x86-64 ELF file";
	if (elf_read(f + E_TYPE, 2) != ET_EXEC)
		return "not an executable ELF file";
	return NULL;
}

/* Decodes program header @i; false when it is not a PT_LOAD. */
static bool elf_get_segment(const struct elf_phdrs *ph, u64 i,
			    struct elf_segment *seg)
{
	const u8 *p = ph->base + i * ph->entsize;

	if (elf_read(p + P_TYPE, 4) != PT_LOAD)
		return false;
	seg->flags = (u32)elf_read(p + P_FLAGS, 4);
	seg->offset = elf_read(p + P_OFFSET, 8);
	seg->vaddr = elf_read(p + P_VADDR, 8);
	seg->paddr = elf_read(p + P_PADDR, 8);
	seg->filesz = elf_read(p + P_FILESZ, 8);
	seg->memsz = elf_read(p + P_MEMSZ, 8);
	return true;
}

/* Checks one segment on its own; overlaps are checked by the caller. */
static const char *elf_check_segment(const struct elf_segment *seg, u64 size,
				     u64 min_gpa, u64 max_gpa)
{
	if (seg->offset > size || seg->filesz > size - seg->offset)
		return "segment data outside the file";
	if (seg->filesz > seg->memsz)
		return "segment file size larger than its memory size";
	/* Guests run identity-mapped, so the entry check holds for either. */
	if (seg->vaddr != seg->paddr)
		return "segment virtual and physical addresses differ";
	if (seg->paddr < min_gpa || seg->paddr > max_gpa ||
	    seg->memsz > max_gpa - seg->paddr)
		return "segment outside the allowed range";
	return NULL;
}

static bool elf_segments_overlap(const struct elf_segment *a,
				 const struct elf_segment *b)
{
	/* Ends cannot wrap: both lie below max_gpa. */
	return a->memsz && b->memsz && a->paddr < b->paddr + b->memsz &&
	       b->paddr < a->paddr + a->memsz;
}

static bool elf_entry_in(const struct elf_segment *seg, u64 entry)
{
	return (seg->flags & PF_X) && entry >= seg->paddr &&
	       entry - seg->paddr < seg->memsz;
}

static const char *elf_find_phdrs(const u8 *f, u64 size,
				  struct elf_phdrs *ph)
{
	u64 phoff = elf_read(f + E_PHOFF, 8);

	ph->entsize = elf_read(f + E_PHENTSIZE, 2);
	ph->count = elf_read(f + E_PHNUM, 2);
	if (ph->entsize < ELF_PHDR_SIZE)
		return "program header entries too small";
	if (ph->count > ELF_MAX_PHDRS)
		return "too many program headers";
	/* count * entsize < 2^22: only the addition could overflow. */
	if (phoff > size || ph->count * ph->entsize > size - phoff)
		return "program header table outside the file";
	ph->base = f + phoff;
	return NULL;
}

/* Earlier segments were checked already, so re-reading them is safe. */
static const char *elf_check_segments(const struct elf_phdrs *ph, u64 size,
				      u64 min_gpa, u64 max_gpa, u64 entry)
{
	struct elf_segment seg, prev;
	bool entry_ok = false, any = false;
	const char *err;

	for (u64 i = 0; i < ph->count; i++) {
		if (!elf_get_segment(ph, i, &seg))
			continue;
		err = elf_check_segment(&seg, size, min_gpa, max_gpa);
		if (err)
			return err;
		for (u64 j = 0; j < i; j++)
			if (elf_get_segment(ph, j, &prev) &&
			    elf_segments_overlap(&prev, &seg))
				return "segments overlap";
		entry_ok = entry_ok || elf_entry_in(&seg, entry);
		any = true;
	}
	if (!any)
		return "no loadable segment";
	if (!entry_ok)
		return "entry point not in an executable segment";
	return NULL;
}

static bool elf_copy_segments(const u8 *f, const struct elf_phdrs *ph,
			      guest_write_fn write, void *ctx)
{
	struct elf_segment s;

	for (u64 i = 0; i < ph->count; i++) {
		if (!elf_get_segment(ph, i, &s))
			continue;
		if (s.filesz && !write(ctx, s.paddr, f + s.offset, s.filesz))
			return false;
		if (s.memsz > s.filesz &&
		    !write(ctx, s.paddr + s.filesz, NULL, s.memsz - s.filesz))
			return false;
	}
	return true;
}

bool elf_load(const void *file, u64 size, u64 min_gpa, u64 max_gpa,
	      guest_write_fn write, void *ctx, u64 *entry, const char **error)
{
	const u8 *f = file;
	struct elf_phdrs ph;
	const char *err;

	err = elf_check_header(f, size);
	if (!err)
		err = elf_find_phdrs(f, size, &ph);
	if (!err)
		err = elf_check_segments(&ph, size, min_gpa, max_gpa,
					 elf_read(f + E_ENTRY, 8));
	if (!err && !elf_copy_segments(f, &ph, write, ctx))
		err = "guest memory write failed";
	if (err) {
		*error = err;
		return false;
	}
	*entry = elf_read(f + E_ENTRY, 8);
	*error = NULL;
	return true;
}
