/*
 * tools/modgraph.py (make graph): the include graph between modules and its
 * cycles, on small trees made here.  Run from the source tree, as make test does.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "util.h"

static char	modgraph_root[64];

static void
modgraph_write(const char *file, const char *text)
{
	char	*path = xasprintf("%s/%s", modgraph_root, file);
	FILE	*fp = fopen(path, "w");

	cr_assert_not_null(fp, "%s", path);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

/* Runs the script on the tree: its exit status, its output in 'out'. */
static int
modgraph_run(char *out, size_t len)
{
	char	*cmd = xasprintf("python3 tools/modgraph.py -q --root %s",
		    modgraph_root);
	int	 st = e2e_run(cmd, out, len);

	free(cmd);
	return (st);
}

static void
modgraph_setup(void)
{
	char	*dirs;

	snprintf(modgraph_root, sizeof modgraph_root, "/tmp/paymock-modgraph-XXXXXX");
	cr_assert_not_null(mkdtemp(modgraph_root));
	dirs = xasprintf("mkdir %s/src %s/include", modgraph_root, modgraph_root);
	cr_assert_eq(system(dirs), 0);
	free(dirs);
	modgraph_write("include/a.h", "#include \"b.h\"\n");
	modgraph_write("include/b.h", "");
	modgraph_write("include/c.h", "");
	modgraph_write("src/a.c", "#include \"a.h\"\n");
}

static void
modgraph_teardown(void)
{
	char	*rm = xasprintf("rm -rf %s", modgraph_root);

	cr_expect_eq(system(rm), 0);
	free(rm);
}

TestSuite(modgraph, .init = modgraph_setup, .fini = modgraph_teardown);

Test(modgraph, a_tree_without_cycles_passes)
{
	char	out[4096];

	cr_expect_eq(modgraph_run(out, sizeof out), 0, "%s", out);
	cr_expect_not_null(strstr(out, "include graph: no cycles"), "%s", out);
}

/* A .c including upward counts as much as a header does. */
Test(modgraph, a_source_file_closing_a_loop_fails)
{
	char	out[4096];

	modgraph_write("src/b.c", "#include \"c.h\"\n");
	modgraph_write("src/c.c", "#include \"a.h\"\n");
	cr_expect_eq(modgraph_run(out, sizeof out), 1, "%s", out);
	cr_expect_not_null(strstr(out, "include cycle: a b c\n"), "%s", out);
	cr_expect_not_null(strstr(out, "  c -> a\n"), "%s", out);
}

/* src/a-x.c with no include/a-x.h is module a: its includes are a's. */
Test(modgraph, an_adapter_file_belongs_to_its_module)
{
	char	out[4096];

	modgraph_write("src/b.c", "#include \"a.h\"\n");
	cr_expect_eq(modgraph_run(out, sizeof out), 1, "%s", out);
	modgraph_write("src/b.c", "");
	modgraph_write("src/c-x.c", "#include \"a.h\"\n");
	modgraph_write("src/b.c", "#include \"c.h\"\n");
	cr_expect_eq(modgraph_run(out, sizeof out), 1, "%s", out);
	cr_expect_not_null(strstr(out, "  c -> a\n"), "%s", out);
}

/*
 * The provider adapters are module adapters, not provider: they use call.h,
 * which uses provider.h, and that is no loop.
 */
Test(modgraph, the_provider_adapters_are_their_own_module)
{
	char	out[4096];

	modgraph_write("include/provider.h", "");
	modgraph_write("include/adapters.h", "");
	modgraph_write("include/call.h", "");
	modgraph_write("src/call.c", "#include \"provider.h\"\n");
	modgraph_write("src/provider-x.c", "#include \"call.h\"\n");
	cr_expect_eq(modgraph_run(out, sizeof out), 0, "%s", out);
	modgraph_write("src/provider.c", "#include \"call.h\"\n");
	cr_expect_eq(modgraph_run(out, sizeof out), 1, "%s", out);
	cr_expect_not_null(strstr(out, "  provider -> call  (both ways)\n"), "%s", out);
}
