#!/usr/bin/python3
"""Check the layout of hotpath's C: no circle of files that include or call each other, and no file too long.

A module is a .c file and the .h of the same name beside it (l3.c + l3.h). Module A depends on
module B when a file of A includes a header of B, or a .c file of A names a function that B's .c
defines without `static` (a regex over identifiers: calls, and functions stored as pointers).
Fails (exit 1) on:
  * a circle of modules that depend on each other, inside a folder or across folders;
  * a circle of top-level folders, or a dependency the folder rules forbid (FOLDER_RULES);
  * a C file of dataplane/ control/ lib/ tools/ bpf/ over MAX_LINES lines.
Tests (tests/, scripts/) may use everything and are only checked for length (warnings).
Usage: scripts/check-layout.py [-v]   (-v: print every dependency with where it comes from)
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

MAX_LINES = 1200
PRODUCT = ("dataplane", "control", "lib", "tools", "bpf")
# top-level folder -> the folders of ours it may depend on (besides itself)
FOLDER_RULES = {
    "lib": set(),
    "tools": {"lib"},
    "dataplane": {"lib"},
    "control": {"dataplane", "lib", "bpf"},
    "bpf": set(),
}
IGNORED_NAMES = {"main"}  # every program has one

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
verbose = "-v" in sys.argv[1:]


def tracked_c():
    out = subprocess.run(["git", "ls-files", "--", "*.c", "*.h"], capture_output=True, text=True, check=True)
    return [f for f in out.stdout.split() if os.path.isfile(f)]


def strip_c(text):
    """Comments and string/char literals blanked (newlines kept, so line numbers hold)."""
    def blank(m):
        s = m.group(0)
        if s.startswith("/") :
            return re.sub(r"[^\n]", " ", s)
        return s[0] + re.sub(r"[^\n]", " ", s[1:-1]) + s[-1]
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text, flags=re.S)


def module_of(path):
    return os.path.splitext(path)[0].removesuffix(".bpf")


def top(path):
    return path.split("/", 1)[0]


def generated(text):
    return "do not edit" in text.split("\n", 1)[0].lower()


files = tracked_c()
texts = {f: open(f, encoding="utf-8", errors="replace").read() for f in files}
code = {f: strip_c(t) for f, t in texts.items()}
by_base = defaultdict(list)
for f in files:
    if f.endswith(".h"):
        by_base[os.path.basename(f)].append(f)


def resolve_include(src, name):
    """The tracked header `#include "name"` in src means, or None (a system or generated header)."""
    local = os.path.normpath(os.path.join(os.path.dirname(src), name))
    if local in texts:
        return local
    cands = [h for h in by_base.get(os.path.basename(name), []) if h.endswith(name)]
    if len(cands) == 1:
        return cands[0]
    # several headers of that name: the one in src's top-level folder, else ambiguous
    same = [h for h in cands if top(h) == top(src)]
    return same[0] if len(same) == 1 else None


# edges[a][b] = first reason ("file:line includes x" / "file:line names f")
edges = defaultdict(dict)


def add_edge(a, b, why):
    if a != b and b not in edges[a]:
        edges[a][b] = why


INC = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)
for f, t in texts.items():
    for m in INC.finditer(t):
        h = resolve_include(f, m.group(1))
        if h is not None:
            line = t.count("\n", 0, m.start()) + 1
            add_edge(module_of(f), module_of(h), "%s:%d includes %s" % (f, line, m.group(1)))

# Function definitions: NAME( ... ) followed by {, at the start of a line or after the return type.
DEF = re.compile(r"^([A-Za-z_][\w \t\*]*?[ \t\*])?([A-Za-z_]\w*)[ \t]*\(([^;{}()]|\([^;{}()]*\))*\)[ \t\n]*\{", re.M)
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else"}
defs = defaultdict(set)  # name -> modules defining it non-static
for f, c in code.items():
    if not f.endswith(".c") or top(f) not in PRODUCT:
        continue
    for m in DEF.finditer(c):
        name = m.group(2)
        if name in KEYWORDS or name in IGNORED_NAMES:
            continue
        # the return type may sit on the line(s) before: look back to the previous declaration's end
        before = c[max(0, m.start() - 300):m.start() + len(m.group(1) or "")]
        before = re.split(r"[;}]|^\s*#[^\n]*$", before, flags=re.M)[-1]
        if re.search(r"\bstatic\b", before) or re.search(r"\btypedef\b", before):
            continue
        if m.group(1) is None and not before.strip():
            continue  # a macro call at the start of a line, e.g. RTE_INIT(...) {
        defs[name].add(module_of(f))

IDENT = re.compile(r"\b([A-Za-z_]\w*)\b")
for f, c in code.items():
    if not f.endswith(".c"):
        continue
    me = module_of(f)
    seen = set()
    for m in IDENT.finditer(c):
        name = m.group(1)
        if name in seen or name not in defs:
            continue
        if re.search(r"\b(struct|union|enum)\s+$", c[max(0, m.start() - 10):m.start()]):
            continue  # a tag that shares the function's name
        seen.add(name)
        owners = defs[name]
        if me in owners:
            continue
        if len(owners) > 1:  # two programs define it: take the one in our top-level folder
            owners = {o for o in owners if top(o) == top(f)} or owners
            if len(owners) > 1:
                continue
        line = c.count("\n", 0, m.start()) + 1
        for o in owners:
            add_edge(me, o, "%s:%d names %s()" % (f, line, name))


def sccs(nodes, succ):
    """Tarjan: the strongly connected components with more than one node."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(succ.get(v, ())):
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

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def a_circle(comp, succ):
    """One shortest circle through comp's first node, as a list of nodes (first repeated at the end)."""
    inside = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(succ.get(v, ())):
            if w not in inside:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


failures = 0
product_mods = {module_of(f) for f in files if top(f) in PRODUCT}
msucc = {a: {b for b in bs if b in product_mods} for a, bs in edges.items() if a in product_mods}

if verbose:
    for a in sorted(msucc):
        for b in sorted(msucc[a]):
            print("dep  %s -> %s  (%s)" % (a, b, edges[a][b]))

print("== circles of modules (a .c and its .h) that depend on each other")
for comp in sccs(product_mods, msucc):
    failures += 1
    circle = a_circle(comp, msucc)
    print("CIRCLE %s" % " -> ".join(circle))
    for a, b in zip(circle, circle[1:]):
        print("    %s -> %s: %s" % (a, b, edges[a][b]))
    if len(comp) > len(circle) - 1:
        print("    the same knot holds: %s" % ", ".join(m for m in comp if m not in circle))
    for a in comp:
        for b in sorted(msucc[a]):
            if a < b and b in comp and a in msucc.get(b, ()):
                print("    %s <-> %s: %s; %s" % (a, b, edges[a][b], edges[b][a]))

# folders: top-level for the rules and circles; sub-folders only reported
fsucc = defaultdict(dict)
dsucc = defaultdict(dict)
for a, bs in msucc.items():
    for b in bs:
        if top(a) != top(b):
            fsucc[top(a)].setdefault(top(b), edges[a][b])
        da, db = os.path.dirname(a), os.path.dirname(b)
        if da != db:
            dsucc[da].setdefault(db, edges[a][b])

print("== top-level folders")
for comp in sccs(set(fsucc) | {b for bs in fsucc.values() for b in bs}, fsucc):
    failures += 1
    circle = a_circle(comp, fsucc)
    print("CIRCLE %s" % " -> ".join(x + "/" for x in circle))
    for a, b in zip(circle, circle[1:]):
        print("    %s/ -> %s/: %s" % (a, b, fsucc[a][b]))
for a in sorted(fsucc):
    allowed = FOLDER_RULES.get(a)
    for b in sorted(fsucc[a]):
        if allowed is not None and b not in allowed:
            failures += 1
            print("FORBIDDEN %s/ -> %s/ (%s/ may use: %s)" % (
                a, b, a, ", ".join(x + "/" for x in sorted(allowed)) or "nothing of ours"))
            for ma in sorted(m for m in msucc if top(m) == a):
                for mb in sorted(msucc[ma]):
                    if top(mb) == b:
                        print("    %s -> %s: %s" % (ma, mb, edges[ma][mb]))

print("== sub-folders (reported, not failed)")
for comp in sccs(set(dsucc) | {b for bs in dsucc.values() for b in bs}, dsucc):
    circle = a_circle(comp, dsucc)
    print("note: folders depend on each other: %s" % " -> ".join(x + "/" for x in circle))
    for a, b in zip(circle, circle[1:]):
        print("    %s/ -> %s/: %s" % (a, b, dsucc[a][b]))

print("== files over %d lines" % MAX_LINES)
for f in sorted(files):
    n = texts[f].count("\n")
    if n <= MAX_LINES:
        continue
    if generated(texts[f]):
        continue
    if top(f) in PRODUCT:
        failures += 1
        print("TOO LONG %s: %d lines" % (f, n))
    else:
        print("note: %s: %d lines (tests are not failed for length)" % (f, n))

print("check-layout: %s" % ("%d problem(s)" % failures if failures else "no circle, every file under %d lines" % MAX_LINES))
sys.exit(1 if failures else 0)
