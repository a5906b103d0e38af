#!/usr/bin/env python3
"""The structure rules of ARCHITECTURE.md, checked on the code itself.

  check_layers.py SOURCE_DIR [LIBRARY.a ...]

1. The include graph of sm/, agents/, lib/, cli/ and include/ (every
   #include "..." resolved the way the build resolves it) has no circle,
   and no file reaches - directly or through other headers - what its
   layer must not see (the table RULES below).
2. With the static libraries given (the build's smcore, hsvrcore, ...),
   the link graph - which object calls or uses a name another object
   defines, read with nm - has no circle either, and no object of a layer
   uses one of a layer it must not. Calls through a function pointer
   (sm->hooks) are not links: that is how a lower layer calls back.

Prints every violation and exits 1, or prints a summary and exits 0.
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SM_DIRS = ["sm", "sm/api", "sm/db", "sm/domain", "sm/workers"]

# (files the rule is about, what they must not reach, why)
RULES = [
    ("sm/api/", ["sm/db/", "sm/workers/", "<libpq-fe.h>"],
     "api decodes and encodes; it calls the domain only"),
    ("sm/domain/", ["sm/api/", "sm/workers/", "<libpq-fe.h>", "<xmlrpc-c/",
                    "include/vas/rpc"],
     "the rules know no wire, no SQL driver and no worker"),
    ("sm/db/", ["sm/api/", "sm/domain/", "sm/workers/", "<xmlrpc-c/"],
     "the database layer is the bottom of the manager"),
    ("sm/workers/", ["sm/api/", "<libpq-fe.h>"],
     "workers use the domain and the db layer's functions, not SQL"),
    ("sm/records.h", ["sm/api/", "sm/domain/", "sm/db/", "sm/workers/"],
     "records are plain data every layer may include"),
    ("lib/", ["sm/", "agents/", "cli/"], "lib/ is shared by everything"),
    ("include/", ["sm/", "agents/", "cli/", "lib/"],
     "public headers name nothing private"),
    ("agents/hsvr/", ["sm/", "cli/", "agents/ssvr/"], "each daemon alone"),
    ("agents/ssvr/", ["sm/", "cli/", "agents/hsvr/"], "each daemon alone"),
    ("cli/", ["sm/", "agents/"], "the CLI talks to the manager over XML-RPC"),
]
# Link circles that exist and are being broken in their owners' branches:
# reported, not failed on. Delete a line when its circle is gone (the
# script says so); never add one for new code.
KNOWN_CIRCLES = {}

# Only these may include libpq (besides tests).
LIBPQ_ALLOWED = ("sm/db/",)

# Which source folder the objects of each library come from.
LIBRARY_DIRS = {
    "libsmcore.a": SM_DIRS,
    "libhsvrcore.a": ["agents/hsvr"],
    "libssvrcore.a": ["agents/ssvr"],
    "libvascommon.a": ["lib"],
    "libvascli.a": ["cli"],
}


def sources(root):
    out = []
    for top in ("sm", "agents", "lib", "cli", "include"):
        for d, _, files in os.walk(os.path.join(root, top)):
            out += [os.path.relpath(os.path.join(d, f), root)
                    for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


def search_path(path):
    """The folders a quoted include of this file is looked up in."""
    here = os.path.dirname(path)
    if path.startswith("sm/"):
        return [here] + SM_DIRS + ["include"]
    return [here, "include"]


def include_graph(root, files):
    graph, unresolved = {}, []
    known = set(files)
    for f in files:
        with open(os.path.join(root, f), errors="replace") as fh:
            text = fh.read()
        edges = set()
        for kind, name in INCLUDE.findall(text):
            if kind == "<":
                edges.add("<%s>" % name)
                continue
            hit = next((os.path.normpath(os.path.join(d, name))
                        for d in search_path(f)
                        if os.path.normpath(os.path.join(d, name)) in known),
                       None)
            if hit:
                edges.add(hit)
            else:
                unresolved.append("%s: #include \"%s\" names no file" % (f, name))
        graph[f] = edges
    return graph, unresolved


def reach(graph, start):
    """Everything start includes, directly or not."""
    seen, todo = set(), [start]
    while todo:
        for n in graph.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def circles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
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
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def forbidden(target, banned):
    for b in banned:
        if b.startswith("<"):
            if target.startswith(b):
                return True
        elif target.startswith(b):
            return True
    return False


def check_includes(root):
    files = sources(root)
    graph, errors = include_graph(root, files)
    for comp in circles(graph):
        errors.append("include circle: " + " -> ".join(comp))
    for f in files:
        closure = reach(graph, f)
        for owner, banned, why in RULES:
            if not f.startswith(owner):
                continue
            for t in sorted(closure):
                if forbidden(t, banned):
                    errors.append("%s reaches %s (%s)" % (f, t, why))
        if "<libpq-fe.h>" in graph[f] and not f.startswith(LIBPQ_ALLOWED):
            errors.append("%s includes libpq-fe.h: only sm/db/ may" % f)
    return files, graph, errors


def link_graph(root, archives):
    """object -> objects whose global names it uses; object -> source."""
    defined, used, where = {}, {}, {}
    for a in archives:
        dirs = LIBRARY_DIRS.get(os.path.basename(a))
        if dirs is None:
            raise SystemExit("unknown library %s" % a)
        out = subprocess.run(["nm", "-A", "-g", a], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"(.*?):([^:]+\.o):\s*(?:[0-9a-fA-F]+)?\s+(\w)\s+(\S+)$", line)
            if not m:
                continue
            member, kind, sym = m.group(2), m.group(3), m.group(4)
            src = member[:-2]  # "attach.c.o" -> "attach.c"
            hits = [os.path.join(d, src) for d in dirs
                    if os.path.exists(os.path.join(root, d, src))]
            if len(hits) != 1:
                continue  # generated (db_migrations.c) or ambiguous
            obj = hits[0]
            where[obj] = a
            used.setdefault(obj, set())
            if kind == "U":
                used[obj].add(sym)
            else:
                defined[sym] = obj
    graph = {o: {defined[s] for s in syms if s in defined and defined[s] != o}
             for o, syms in used.items()}
    return graph


def check_links(root, archives):
    graph = link_graph(root, archives)
    errors, found = [], set()
    for c in circles(graph):
        if tuple(c) in KNOWN_CIRCLES:
            found.add(tuple(c))
            print("known link circle, %s: %s" % (KNOWN_CIRCLES[tuple(c)],
                                                 " <-> ".join(c)))
        else:
            errors.append("link circle (objects use each other's names): " +
                          " <-> ".join(c))
    for c in sorted(set(KNOWN_CIRCLES) - found):
        print("note: %s is no circle any more: drop it from KNOWN_CIRCLES"
              % " <-> ".join(c))
    for o, targets in sorted(graph.items()):
        for owner, banned, why in RULES:
            if not o.startswith(owner):
                continue
            for t in sorted(targets):
                if forbidden(t, [b for b in banned if not b.startswith("<")]):
                    errors.append("%s uses %s (%s)" % (o, t, why))
    return graph, errors


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    root = sys.argv[1]
    files, graph, errors = check_includes(root)
    links = {}
    if len(sys.argv) > 2:
        links, more = check_links(root, sys.argv[2:])
        errors += more
    for e in errors:
        print(e)
    if errors:
        print("%d structure rule(s) broken (ARCHITECTURE.md)" % len(errors))
        return 1
    print("structure ok: %d files, %d includes, %d objects, %d links, "
          "no new circle" % (len(files), sum(len(v) for v in graph.values()),
                         len(links), sum(len(v) for v in links.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
