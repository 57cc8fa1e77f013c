/* The webhook sink: a receiver for users that prints deliveries and checks signatures. */
#ifndef PAYMOCK_SINK_H
#define PAYMOCK_SINK_H

/*
 * Serves until SIGINT/SIGTERM, printing each delivery and whether its
 * signature holds for 'secret'.  Returns the process exit status.
 */
int	sink_run(const char *bind, int port, const char *secret);

#endif
