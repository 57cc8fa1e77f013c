#!/usr/bin/env python3
"""Leaf symbols of the samples whose stack holds FUNC: perf script | perf-under.py FUNC"""
import sys, collections, re
func = sys.argv[1]
samples, cur = [], []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        if cur: samples.append(cur); cur = []
        continue
    m = re.match(r"\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
    if m: cur.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2).split("/")[-1]))
    elif cur: samples.append(cur); cur = []
if cur: samples.append(cur)
n = len(samples); c = collections.Counter(); k = 0
for st in samples:
    if any(s == func for s, d in st):
        k += 1; c[st[0][0] + "  [" + st[0][1] + "]"] += 1
print(f"{func}: {k}/{n} samples = {100.0*k/n:.2f}%")
for s, v in c.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 15):
    print(f"{100.0*v/n:6.2f}%  {s}")
