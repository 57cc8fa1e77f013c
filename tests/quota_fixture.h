/* For unit tests that set the bounds: .init = quota_save, .fini = quota_restore. */
#ifndef PAYMOCK_QUOTA_FIXTURE_H
#define PAYMOCK_QUOTA_FIXTURE_H

void	quota_save(void);
void	quota_restore(void);

#endif
