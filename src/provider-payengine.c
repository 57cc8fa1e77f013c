/* payengine: placeholder until its adapter lands; it serves no routes yet. */
#include "provider.h"
#include "util.h"

static void
payengine_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	(void)field;
	call_json(c, status, json_pack("{ss ss}", "code", code, "message", message));
}

static const struct route payengine_routes[] = {
	{ "GET", "/__placeholder", "placeholder", 0, NULL },
};

const struct provider provider_payengine = {
	.name = "payengine",
	.routes = payengine_routes,
	.nroutes = 0,
	.codes = { [PERR_NO_ROUTE] = "NOT_FOUND" },
	.render_error = payengine_error,
};
