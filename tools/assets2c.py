#!/usr/bin/python3
"""Writes the C table of the QA console's files (include/console.h).

usage: assets2c.py OUT.c ROOT FILE...

Each FILE under ROOT (src/ui) becomes one entry {"<path below ROOT>",
"<media type>", <length>, "<bytes>"}, the media type by its extension.
The console is text (HTML, JavaScript modules, CSS, SVG, licences): a file
holding a NUL byte is refused, as the server sends bodies as C strings.
"""
import os
import sys

# No __pycache__ beside the sources (a read-only tree, a container's build stage).
sys.dont_write_bytecode = True
from ctable import c_string, write_table  # noqa: E402

# By extension; a file without one (LICENSE, NOTICE) is text.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",
}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    root = argv[2]
    entries = []
    for path in sorted(argv[3:]):
        name = os.path.relpath(path, root).replace(os.sep, "/")
        ext = os.path.splitext(name)[1].lower()
        if ext not in TYPES:
            sys.exit("assets2c: %s: no media type for '%s' (add it to TYPES)" % (path, ext))
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            sys.exit("assets2c: %s: holds a NUL byte; the console's files must be text" % path)
        if not all(c.isalnum() or c in "._-/" for c in name):
            sys.exit("assets2c: %s: a name of A-Z a-z 0-9 . _ - / only" % path)
        entries.append((name, TYPES[ext], data))
    write_table(argv[1], "tools/assets2c.py from src/ui", "console.h",
                "struct console_asset console_assets",
                ['\t{ "%s", "%s", %d,\n%s },' % (name, ctype, len(data), c_string(data))
                 for name, ctype, data in entries],
                '\t{ "", "", 0, "" },', "console_nassets")


if __name__ == "__main__":
    main(sys.argv)
