/* Buffered TX: the out-of-line flush of one buffer (the loops inline the rest from tx.h). */
#include "tx.h"

void
dp_tx_flush(struct dp_worker *w, unsigned port)
{
	dp_tx_send(w, port);
	dp_tx_record(w, port, rte_rdtsc());
	w->tx_pending &= ~(1u << port);
}
