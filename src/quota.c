/* The process's bounds, with their documented defaults. */
#include "quota.h"

struct quota quota = {
	.session_ttl_ms = 24 * 3600 * 1000LL,
	.sessions = 10000,
	.memory = (size_t)1 << 30,
	.journal_entries = 10000,
	.journal_bytes = 16 * 1024 * 1024,
	.journal_capture = 8 * 1024,
	.rules = 256,
	.scenario_bytes = 64 * 1024,
	.rejections = 1024,
	.rate_keys = 1024,
};
