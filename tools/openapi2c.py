#!/usr/bin/python3
"""Writes the C table of the OpenAPI specs paymock serves (include/openapi.h).

usage: openapi2c.py OUT.c SPEC.yaml...

Each docs/openapi/<name>.yaml becomes one entry {"<name>", "<compact JSON>"}.
YAML is read as 1.2 reads it (what the linter and Prism use): `yes`, `on` and
dates stay strings, so the served JSON says what the file says.
"""
import json
import os
import re
import sys

# No __pycache__ beside the sources (a read-only tree, a container's build stage).
sys.dont_write_bytecode = True
from ctable import c_string, write_table  # noqa: E402

try:
    import yaml
except ImportError:
    sys.exit("openapi2c: python3-yaml is missing (Debian: apt-get install python3-yaml, "
             "or `make deps`)")


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's extra booleans (yes/no/on/off) and timestamps."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    entries = []
    for path in sorted(argv[2:]):
        name = os.path.splitext(os.path.basename(path))[0]
        if not re.fullmatch(r"[a-z0-9_-]+", name):
            sys.exit("openapi2c: %s: the name must be a provider's (a-z 0-9 _ -)" % path)
        with open(path, encoding="utf-8") as f:
            try:
                doc = yaml.load(f, Loader=Yaml12Loader)
            except yaml.YAMLError as e:
                sys.exit("openapi2c: %s: %s" % (path, e))
        if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
            sys.exit("openapi2c: %s: not an OpenAPI 3 document (no `openapi: 3.x`)" % path)
        # Non-ASCII as escapes: the C source stays ASCII whatever the YAML holds.
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
        entries.append((name, text))
    write_table(argv[1], "tools/openapi2c.py from docs/openapi/NAME.yaml", "openapi.h",
                "struct openapi_spec openapi_specs",
                ['\t{ "%s", %d,\n%s },' % (name, len(text), c_string(text.encode("ascii")))
                 for name, text in entries],
                '\t{ "", 0, "" },', "openapi_nspecs")


if __name__ == "__main__":
    main(sys.argv)
