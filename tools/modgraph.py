#!/usr/bin/env python3
"""The include and call graph between paymock's modules; exits 1 on a cycle.

src/X.c and include/X.h are module X; so is src/X-Y.c when there is no
include/X-Y.h (an adapter implementing X.h), unless FAMILIES gives X's
files another module: the provider adapters (provider-utgl.c) implement
provider.h yet call call.h, which uses provider.h, so they are module
adapters, with the table that registers them (adapters.c).  X -> Y in
the include graph when one of X's files includes "Y.h"; in the call graph
when X's object files name, undefined, a symbol Y's objects define (nm).  Each graph is printed as
"X: Y Z", then every strongly connected component of more than one module.

usage: modgraph.py [-q] [--root DIR] [OBJDIR]
  -q          only the cycles
  --root DIR  the tree holding src/ and include/ (default: this script's ..)
  OBJDIR      the objects for the call graph (without it, the include graph only)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = {"provider": "adapters"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def modules():
    """{module: [file stem, ...]}: what src/ and include/ hold."""
    headers = {f[:-2] for f in os.listdir(os.path.join(ROOT, "include"))
               if f.endswith(".h")}
    mods = {h: set() for h in headers}
    for f in os.listdir(os.path.join(ROOT, "src")):
        if f.endswith(".c"):
            stem = f[:-2]
            owner = stem.split("-")[0] if stem not in headers else stem
            if stem != owner:
                owner = FAMILIES.get(owner, owner)
            mods.setdefault(owner if owner in headers else stem, set()).add(stem)
    for h in headers:
        mods[h].add(h)
    return mods


def include_graph(mods):
    g = {m: set() for m in mods}
    for m, stems in mods.items():
        for stem in stems:
            for path in (os.path.join(ROOT, "src", stem + ".c"),
                         os.path.join(ROOT, "include", stem + ".h")):
                if os.path.exists(path):
                    with open(path, encoding="utf-8") as f:
                        g[m] |= {h for h in INCLUDE.findall(f.read())
                                 if h in mods and h != m}
    return g


def nm(path):
    out = subprocess.run(["nm", "-P", path], check=True, capture_output=True,
                         text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        sym, kind = line.split()[:2]
        if kind == "U":
            undefined.add(sym)
        elif kind.isupper() and kind not in "UVW":
            defined.add(sym)
    return defined, undefined


def call_graph(mods, objdir):
    defined, undefined, owner = {}, {}, {}
    for m, stems in mods.items():
        for stem in stems:
            obj = os.path.join(objdir, stem + ".o")
            if os.path.exists(obj):
                d, u = nm(obj)
                defined.setdefault(m, set()).update(d)
                undefined.setdefault(m, set()).update(u)
                owner.update((sym, m) for sym in d)
    return {m: {owner[s] for s in und if s in owner and owner[s] != m}
            for m, und in undefined.items()}


def cycles(g):
    """Tarjan: the strongly connected components with more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return sorted(out)


def report(title, g, quiet):
    found = cycles(g)
    if not quiet:
        print("%s graph:" % title)
        for m in sorted(g):
            print("  %s: %s" % (m, " ".join(sorted(g[m]))))
    for comp in found:
        inside = set(comp)
        print("%s cycle: %s" % (title, " ".join(comp)))
        for a in comp:
            for b in sorted(g[a] & inside):
                print("  %s -> %s%s" % (a, b, "  (both ways)" if a in g[b] else ""))
    if not found:
        print("%s graph: no cycles" % title)
    return len(found)


def main(argv):
    global ROOT
    quiet = "-q" in argv
    args = [a for a in argv if a != "-q"]
    if args[:1] == ["--root"] and len(args) > 1:
        ROOT, args = args[1], args[2:]
    names = modules()
    bad = report("include", include_graph(names), quiet)
    if args:
        bad += report("call", call_graph(names, args[0]), quiet)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
