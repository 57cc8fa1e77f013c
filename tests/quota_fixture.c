/* Tests that set the bounds put them back, whatever order they run in. */
#include "quota.h"
#include "quota_fixture.h"

static struct quota	quota_saved;

void
quota_save(void)
{
	quota_saved = quota;
}

void
quota_restore(void)
{
	quota = quota_saved;
}
