/* smartretry: placeholder until its adapter lands; it serves no routes yet. */
#include "provider.h"
#include "util.h"

static void
smartretry_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	(void)field;
	call_json(c, status, json_pack("{ss ss}", "code", code, "message", message));
}

static const struct route smartretry_routes[] = {
	{ "GET", "/__placeholder", "placeholder", 0, NULL },
};

const struct provider provider_smartretry = {
	.name = "smartretry",
	.routes = smartretry_routes,
	.nroutes = 0,
	.codes = { [PERR_NO_ROUTE] = "NOT_FOUND" },
	.render_error = smartretry_error,
};
