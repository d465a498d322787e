/* Leaving the machine: through QEMU's isa-debug-exit device when the
 * debug_exit= option names its port (QEMU then exits with (code << 1) | 1). */
#ifndef HOLDFAST_SHUTDOWN_H
#define HOLDFAST_SHUTDOWN_H

#include "lib/types.h"

#define EXIT_CODE_SUCCESS 0x10 /* QEMU exit status 33 */
#define EXIT_CODE_FAILURE 0x11 /* QEMU exit status 35 */

/* Does nothing when debug_exit= is not set (e.g. on real hardware). */
void hv_debug_exit(u8 code);

#endif
