#include "tests/guests/lib/hypercall.h"

/* Spelled as bytes so the encodings are exactly the ones tested:
 * VMMCALL = 0f 01 d9, VMCALL = 0f 01 c1. */

u64 hypercall_vmmcall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 ret;

	asm volatile(".byte 0x0f, 0x01, 0xd9"
		     : "=a"(ret)
		     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
		     : "memory");
	return ret;
}

u64 hypercall_vmcall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	u64 ret;

	asm volatile(".byte 0x0f, 0x01, 0xc1"
		     : "=a"(ret)
		     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
		     : "memory");
	return ret;
}
