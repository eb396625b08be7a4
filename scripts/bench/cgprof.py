"""Read callgrind output files (the format callgrind_annotate reads) into per-function
profiles whose costs are attributed to *source-level* functions, inlined ones included.

With -O2 most of the pipeline is inlined into dp_l3_burst (classify, route4, dispatch,
rte_lpm_lookup_bulk, dp_tx_enqueue, ...), so per-function inclusive counts alone cannot
split it. Callgrind still records the source file and line of every instruction (fi=/fe=
for inlined code), so each cost line inside function F is given to the source function
whose body holds that line (found by scanning the source file), and each call from F to
the function G whose name callgrind knows is given to G (inclusive). Calls into unnamed
code (stripped shared objects: the PMD's rx/tx functions) are given to the source
function holding the call site, e.g. rte_eth_rx_burst.

    prof = Profile.load(path)                  # one file; threads merged if several given
    prof.inclusive["dp_l3_burst"], prof.calls["dp_l3_burst"]
    prof.breakdown("dp_l3_burst")              # {key: Ir}, keys "fn" or "fn()" (a call)
"""
import os
import re

_SRC_CACHE = {}


def _source_functions(path):
    """[(first_line, last_line, name)] of function bodies in a C file: a '{' in column 0
    opens a body, '}' in column 0 closes it, the name is the identifier before the first
    '(' on the nearest line above that starts in column 0 (BSD/DPDK style)."""
    if path in _SRC_CACHE:
        return _SRC_CACHE[path]
    ranges = []
    try:
        with open(path, errors="replace") as f:
            lines = f.read().split("\n")
    except OSError:
        _SRC_CACHE[path] = None
        return None
    i = 0
    while i < len(lines):
        if lines[i].startswith("{"):
            name = None
            for k in range(i - 1, max(-1, i - 12), -1):
                ln = lines[k]
                if ln and not ln[0].isspace() and "(" in ln:
                    m = re.search(r"(\w+)\s*\(", ln)
                    if m:
                        name = m.group(1)
                    break
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            # the declarator lines belong to the function too (call sites of arguments)
            ranges.append((max(0, i - 3) + 1, j + 1, name or "?"))
            i = j + 1
        else:
            i += 1
    _SRC_CACHE[path] = ranges
    return ranges


def source_function(path, line):
    ranges = _source_functions(path)
    base = os.path.basename(path)
    if not ranges:
        return "?" + base
    for lo, hi, name in ranges:
        if lo <= line <= hi:
            return name
    return "?%s:%d" % (base, line)


def _strip_id(v):
    """'(12) name' -> ('12', 'name'); '(12)' -> ('12', None); 'name' -> (None, 'name')."""
    m = re.match(r"\((\d+)\)\s*(.*)$", v)
    if m:
        return m.group(1), (m.group(2) if m.group(2) else None)
    return None, v


class Profile:
    def __init__(self):
        self.inclusive = {}   # fn -> Ir over all calls to it
        self.calls = {}       # fn -> number of calls
        self.self_cost = {}   # fn -> Ir of its own instructions
        self.parts = {}       # fn -> {key: Ir}
        self.lines = {}       # (fn, file, line) -> Ir of fn's own instructions there
        self.totals = 0
        self.packets = None

    @classmethod
    def load(cls, *paths):
        p = cls()
        for path in paths:
            p._read(path)
        return p

    def _read(self, path):
        names = {"fl": {}, "fn": {}, "ob": {}}
        base_dir = None
        cur_file = cur_fn = None
        cur_line = prev_line = 0
        cfn = None
        call_count = 0
        call_line = 0
        line_cache = {}

        def name_of(kind, v):
            ident, nm = _strip_id(v)
            table = names["fl" if kind in ("fl", "fi", "fe", "cfi", "cfl") else
                          "fn" if kind in ("fn", "cfn") else "ob"]
            if ident is None:
                return nm
            if nm is not None:
                table[ident] = nm
                return nm
            return table.get(ident, "?")

        def srcfn(f, ln):
            k = (f, ln)
            v = line_cache.get(k)
            if v is None:
                fp = f
                if not os.path.isabs(fp) and base_dir:
                    fp = os.path.join(base_dir, fp)
                v = source_function(os.path.normpath(fp), ln)
                line_cache[k] = v
            return v

        with open(path, errors="replace") as fh:
            for raw in fh:
                line = raw.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                c = line[0]
                if c.isdigit() or c in "+-*":
                    tok = line.split()
                    pos = tok[0]
                    prev_line = cur_line
                    if pos == "*":
                        ln = prev_line
                    elif pos[0] == "+":
                        ln = prev_line + int(pos[1:])
                    elif pos[0] == "-":
                        ln = prev_line - int(pos[1:])
                    else:
                        ln = int(pos)
                    cur_line = ln
                    ir = int(tok[1]) if len(tok) > 1 else 0
                    parts = self.parts.setdefault(cur_fn, {})
                    if call_count:
                        self.inclusive[cfn] = self.inclusive.get(cfn, 0) + ir
                        self.calls[cfn] = self.calls.get(cfn, 0) + call_count
                        if cfn.startswith("0x"):
                            key = srcfn(cur_file, ln) + "()"
                        else:
                            key = cfn + "()"
                        parts[key] = parts.get(key, 0) + ir
                        call_count = 0
                    else:
                        self.self_cost[cur_fn] = self.self_cost.get(cur_fn, 0) + ir
                        lk = (cur_fn, cur_file, ln)
                        self.lines[lk] = self.lines.get(lk, 0) + ir
                        key = srcfn(cur_file, ln)
                        parts[key] = parts.get(key, 0) + ir
                    continue
                key, _, val = line.partition("=")
                if key == "fn":
                    cur_fn = name_of("fn", val)
                elif key == "fl":
                    cur_file = name_of("fl", val)
                elif key in ("fi", "fe"):
                    cur_file = name_of("fl", val)
                elif key == "ob":
                    name_of("ob", val)
                elif key == "cob":
                    name_of("ob", val)
                elif key in ("cfi", "cfl"):
                    name_of("fl", val)
                elif key == "cfn":
                    cfn = name_of("fn", val)
                elif key == "calls":
                    call_count = int(val.split()[0])
                    call_line = cur_line  # noqa: F841 (target position is the callee's)
                elif key in ("jfi", "jfn"):
                    name_of("fl" if key == "jfi" else "fn", val)
                elif line.startswith("totals:") or line.startswith("summary:"):
                    self.totals = max(self.totals, int(line.split(":", 1)[1].split()[0]))
                elif line.startswith("cmd:") or line.startswith("positions:") or \
                        line.startswith("events:") or line.startswith("version:") or \
                        line.startswith("creator:") or line.startswith("pid:") or \
                        line.startswith("part:") or line.startswith("thread:") or \
                        line.startswith("desc:") or line.startswith("event:"):
                    pass
                elif line.startswith("pwd:"):
                    base_dir = line.split(":", 1)[1].strip()
                # anything else (jump=, jcnd=) is ignored

    def breakdown(self, fn):
        return dict(self.parts.get(fn, {}))

    def total_of(self, fn):
        """Inclusive Ir of fn (as called), or its self + callees if never seen as a callee."""
        if fn in self.inclusive:
            return self.inclusive[fn]
        return sum(self.parts.get(fn, {}).values())


def main(argv):
    """cgprof.py FILE.cg FUNCTION [PACKETS]: FUNCTION's parts, then its hottest source lines."""
    if len(argv) < 3:
        raise SystemExit("usage: cgprof.py FILE.cg FUNCTION [PACKETS]")
    prof = Profile.load(argv[1])
    fn, n = argv[2], float(argv[3]) if len(argv) > 3 else 1.0
    print("%s: inclusive %.2f, calls %.4f (per %g)" % (fn, prof.inclusive.get(fn, 0) / n,
                                                    prof.calls.get(fn, 0) / n, n))
    for k, v in sorted(prof.breakdown(fn).items(), key=lambda x: -x[1]):
        print("  %-44s %12.2f" % (k, v / n))
    print("hottest lines (own instructions):")
    rows = sorted(((v, f, ln) for (g, f, ln), v in prof.lines.items() if g == fn), reverse=True)
    for v, f, ln in rows[:25]:
        text = ""
        try:
            with open(os.path.normpath(f), errors="replace") as fh:
                text = fh.read().split("\n")[ln - 1].strip()
        except (OSError, IndexError):
            pass
        print("  %10.2f  %s:%d  %s" % (v / n, os.path.basename(f), ln, text[:70]))


if __name__ == "__main__":
    import signal
    import sys
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends it quietly
    main(sys.argv)

