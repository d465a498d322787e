#include "kernel/shutdown.h"
#include "kernel/options.h"
#include "arch/x86/cpu.h"

void hv_debug_exit(u8 code)
{
	if (hv_options.debug_exit_port)
		outl(hv_options.debug_exit_port, code);
}
