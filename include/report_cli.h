/*
 * `paymock report`: fetches a session's integration report from a running
 * paymock and prints it as text, JSON or JUnit XML (docs/report.md).
 */
#ifndef PAYMOCK_REPORT_CLI_H
#define PAYMOCK_REPORT_CLI_H

/*
 * 'argv' starts at "report".  Returns the exit status: 0, 1 when a finding
 * reaches --fail-on, 2 for a usage error, 3 when the server cannot be
 * reached or its reply is not a report.
 */
int	report_cli_run(int argc, char **argv);

#endif
