/* utgl: placeholder until its adapter lands; it serves no routes yet. */
#include "provider.h"
#include "util.h"

static void
utgl_error(struct call *c, int status, const char *code, const char *field,
    const char *message)
{
	(void)field;
	call_json(c, status, json_pack("{ss ss}", "code", code, "message", message));
}

static const struct route utgl_routes[] = {
	{ "GET", "/__placeholder", "placeholder", 0, NULL },
};

const struct provider provider_utgl = {
	.name = "utgl",
	.routes = utgl_routes,
	.nroutes = 0,
	.codes = { [PERR_NO_ROUTE] = "NOT_FOUND" },
	.render_error = utgl_error,
};
