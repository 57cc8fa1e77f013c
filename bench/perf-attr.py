#!/usr/bin/env python3
"""Folds `perf script` output (recorded with --call-graph dwarf) by the nearest
frame in the paymock binary: each sample's cost goes to the innermost paymock
function on its stack (libc/jansson/libevent time is charged to the paymock
function that called into them); samples with no paymock frame are grouped by
their top-level library frame.  usage: perf script -i F | perf-attr.py BINARY-NAME"""
import sys, collections, re
binname = sys.argv[1] if len(sys.argv) > 1 else "paymock"
samples, cur = [], []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        if cur: samples.append(cur); cur = []
        continue
    if line.startswith("\t") or line.startswith(" "):
        m = re.match(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
        if m: cur.append((m.group(1), m.group(2)))
    else:
        if cur: samples.append(cur); cur = []
if cur: samples.append(cur)
n = len(samples)
own = collections.Counter(); chain = collections.Counter()
for st in samples:
    hit = None
    for i, (sym, dso) in enumerate(st):
        if binname in dso.split("/")[-1]:
            hit = i; break
    if hit is None:
        kern = st[0][1].startswith("[kernel")
        # outermost non-main library frame as the group
        libs = [ (s, d.split("/")[-1]) for s, d in st if not d.startswith("[kernel")]
        key = ("kernel: " if kern else "") + (libs[0][1] + ":" + libs[0][0] if libs else st[0][0])
        own["(no paymock frame) " + ("kernel" if kern else libs[0][1] if libs else "?")] += 1
        continue
    sym = re.sub(r"\+0x[0-9a-f]+$", "", st[hit][0])
    own[sym] += 1
    path = [re.sub(r"\+0x[0-9a-f]+$", "", s) for s, d in st[hit:] if binname in d.split("/")[-1]]
    chain[" <- ".join(path[:4])] += 1
print(f"{n} samples")
for k, v in own.most_common(45):
    print(f"{100.0*v/n:6.2f}%  {k}")
print("\nby paymock call chain (innermost first):")
for k, v in chain.most_common(40):
    print(f"{100.0*v/n:6.2f}%  {k}")
