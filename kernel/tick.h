/* The periodic host tick (TICK_HZ on every CPU). */
#ifndef HOLDFAST_TICK_H
#define HOLDFAST_TICK_H

void tick_handle(void);

#endif
