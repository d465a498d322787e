/*
 * Traps and interrupts of the test guests: expected faults come back as a
 * vector instead of killing the vCPU; interrupt vectors (>= 32) and NMIs
 * are counted per vCPU, and interrupt vectors may have a handler.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include "lib/types.h"
#include "tests/guests/lib/layout.h"

#define VEC_DE 0
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

/* What rt_trap_common pushes, lowest address first. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/* A vCPU's recovery point; owned by that vCPU. */
struct rt_recover {
	u64 rsp;         /* REC_RSP: saved by rt_try()/rt_user() */
	u32 active;      /* REC_ACTIVE: a fault now resumes at rsp (the
			  * enclosing point is saved on the stack there) */
	u32 pad;
	u64 result;      /* rt_user(): what the user function returned */
	u64 fault_rip;   /* last recovered fault: where, and its error code */
	u64 fault_error;
};

/* Runs fn(arg). Returns -1 when it returns normally, else the vector of
 * the exception (0-31, NMI excepted) it raised; the callee-saved registers
 * and RFLAGS are those of the call either way. Calls nest: a fault
 * resumes the innermost one. */
int try_call(void (*fn)(void *arg), void *arg);

/* Runs fn(arg) at CPL 3 (user segments, IF = 0, the vCPU's user stack).
 * Returns -1 and stores fn's value in *ret when it returns, else the
 * vector of the exception it raised. Its code and data must be mapped
 * user-accessible: call paging_init() (paging.h) first. */
int user_call(u64 (*fn)(void *arg), void *arg, u64 *ret);

/* Where the last fault recovered by try_call()/user_call() happened. */
u64 trap_last_fault_rip(void);
u64 trap_last_fault_error(void);

/* RDMSR/WRMSR that return -1 on success, else the exception vector. */
int rdmsr_safe(u32 msr, u64 *val);
int wrmsr_safe(u32 msr, u64 val);

/* Interrupt vectors 32-255. The handler runs with interrupts off, on the
 * interrupted vCPU, after that vCPU's delivery count was incremented.
 * Handlers are shared by all vCPUs: register them before others may
 * receive the vector. */
typedef void (*irq_handler_fn)(unsigned vector);
void irq_set_handler(unsigned vector, irq_handler_fn fn);
u32 irq_count(unsigned vcpu, unsigned vector);
u64 nmi_count(unsigned vcpu);

/* NMIs: a handler shared by all vCPUs (NULL: none), run in the NMI
 * handler after the count; and the RIP the last NMI interrupted. The
 * common trap path returns through rt_trap_iret: an NMI that interrupted
 * it came in before the previous handler's IRET had retired. */
void nmi_set_handler(irq_handler_fn fn);
u64 nmi_last_rip(unsigned vcpu);
extern const u8 rt_trap_iret[];

/* Build the IDT (once, vCPU 0) and load it (every vCPU). */
void idt_init(void);
void idt_load(void);

/* Load an IDT with limit 0: the next exception is a triple fault. */
void idt_load_empty(void);

#endif
