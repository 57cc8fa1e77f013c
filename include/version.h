/* paymock's version, shown by --version and /__admin/health. */
#ifndef PAYMOCK_VERSION_H
#define PAYMOCK_VERSION_H

#define PAYMOCK_VERSION	"0.1.0"

#endif
