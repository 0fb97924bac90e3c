"""House rules for the package layout, checked statically with ``ast`` (fast, imports nothing).

1. No import cycle between files of ``interview_guard``. Module-level and function-level imports
   both count (a function-level import is still a dependency); imports inside ``if TYPE_CHECKING:``
   do not. ``import interview_guard.x`` is an edge to ``interview_guard/x/__init__.py`` (or x.py);
   ``from pkg import name`` is an edge to ``pkg.name`` when that is a submodule, else to ``pkg``.
   Parent packages that Python also runs on import are not edges (else every package ``__init__``
   that re-exports would form a cycle with its own children).
2. No reaching into another module's privates: neither ``from X import _name`` nor ``X._name``,
   where ``_name`` (not a dunder) is a module-level name of X. A private submodule (``pkg/_common.py``)
   may be imported by modules inside ``pkg`` only.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "interview_guard"


# --------------------------------------------------------------------------- graph building

@dataclass
class Edge:
    src: str
    dst: str
    line: int


@dataclass
class PrivateUse:
    module: str
    line: int
    target: str
    name: str
    how: str  # "from-import" | "attribute"


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: list[Edge] = field(default_factory=list)
    private_uses: list[PrivateUse] = field(default_factory=list)

    def adjacency(self) -> dict[str, set[str]]:
        adj: dict[str, set[str]] = {m: set() for m in self.modules}
        for e in self.edges:
            if e.src != e.dst:
                adj[e.src].add(e.dst)
        return adj


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def discover_modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``root`` (a package directory)."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _walk_imports(tree: ast.AST, skip_type_checking: bool):
    """Yield Import/ImportFrom nodes anywhere in the tree, optionally skipping
    the body (not the else branch) of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if skip_type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _module_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level (including inside top-level if/try/with blocks)."""
    names: set[str] = set()

    def targets(t: ast.expr) -> None:
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for elt in t.elts:
                targets(elt)
        elif isinstance(t, ast.Starred):
            targets(t.value)

    def visit(stmts: list[ast.stmt]) -> None:
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(s.name)
            elif isinstance(s, ast.Assign):
                for t in s.targets:
                    targets(t)
            elif isinstance(s, (ast.AnnAssign, ast.AugAssign)):
                targets(s.target)
            elif isinstance(s, ast.Import):
                for a in s.names:
                    names.add(a.asname or a.name.split(".")[0])
            elif isinstance(s, ast.ImportFrom):
                for a in s.names:
                    if a.name != "*":
                        names.add(a.asname or a.name)
            elif isinstance(s, ast.If):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ast.Try):
                visit(s.body)
                visit(s.orelse)
                visit(s.finalbody)
                for h in s.handlers:
                    visit(h.body)
            elif isinstance(s, (ast.With, ast.For, ast.While)):
                visit(s.body)
    visit(tree.body)
    return names


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    if node.module:
        base = base + node.module.split(".")
    return ".".join(base) if base else None


def _attr_chain(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def build_graph(root: Path = PACKAGE_ROOT) -> Graph:
    modules = discover_modules(root)
    trees = {m: ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for m, p in modules.items()}
    defined = {m: _module_level_names(t) for m, t in trees.items()}
    graph = Graph(modules)

    def is_pkg(m: str) -> bool:
        return modules[m].name == "__init__.py"

    def closest(name: str) -> str | None:
        """The deepest existing module that ``name`` (dotted) refers to."""
        parts = name.split(".")
        while parts:
            cand = ".".join(parts)
            if cand in modules:
                return cand
            parts.pop()
        return None

    def private_submodule_ok(importer: str, target_pkg: str) -> bool:
        return importer == target_pkg or importer.startswith(target_pkg + ".")

    for mod, tree in trees.items():
        # cycles: TYPE_CHECKING imports aside
        for node in _walk_imports(tree, skip_type_checking=True):
            if isinstance(node, ast.Import):
                for a in node.names:
                    dst = closest(a.name) if a.name in modules or a.name.startswith(root.name) else None
                    if dst:
                        graph.edges.append(Edge(mod, dst, node.lineno))
            else:
                base = _resolve_from(mod, is_pkg(mod), node)
                if not base or closest(base) is None:
                    continue
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    dst = sub if sub in modules else closest(base)
                    if dst:
                        graph.edges.append(Edge(mod, dst, node.lineno))

        # private names: everywhere (a private import under TYPE_CHECKING is still coupling)
        aliases: dict[str, str] = {}  # local name -> module it is bound to
        for node in _walk_imports(tree, skip_type_checking=False):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in modules:
                        if a.asname:
                            aliases[a.asname] = a.name
                        else:
                            aliases.setdefault(a.name.split(".")[0], a.name.split(".")[0])
                continue
            base = _resolve_from(mod, is_pkg(mod), node)
            if not base or base not in modules:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in modules:
                    aliases[a.asname or a.name] = sub
                    if _is_private(a.name) and not private_submodule_ok(mod, base):
                        graph.private_uses.append(
                            PrivateUse(mod, node.lineno, base, a.name, "from-import"))
                elif _is_private(a.name) and base != mod and a.name in defined[base]:
                    graph.private_uses.append(PrivateUse(mod, node.lineno, base, a.name, "from-import"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
                continue
            chain = _attr_chain(node.value)
            if not chain or chain[0] not in aliases:
                continue
            target = ".".join([aliases[chain[0]], *chain[1:]])
            if target not in modules or target == mod:
                continue
            sub = f"{target}.{node.attr}"
            if sub in modules:
                if not private_submodule_ok(mod, target):
                    graph.private_uses.append(PrivateUse(mod, node.lineno, target, node.attr, "attribute"))
            elif node.attr in defined[target]:
                graph.private_uses.append(PrivateUse(mod, node.lineno, target, node.attr, "attribute"))
    return graph


def strongly_connected(adj: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); returns components of size > 1, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(adj):
        if start in index:
            continue
        work = [(start, iter(sorted(adj[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(adj[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def describe_cycles(graph: Graph) -> list[str]:
    comps = strongly_connected(graph.adjacency())
    lines = []
    for comp in comps:
        members = set(comp)
        lines.append("cycle: " + " <-> ".join(comp))
        seen = set()
        for e in sorted(graph.edges, key=lambda e: (e.src, e.line)):
            if e.src in members and e.dst in members and e.src != e.dst and (e.src, e.dst) not in seen:
                seen.add((e.src, e.dst))
                path = graph.modules[e.src].relative_to(PACKAGE_ROOT.parent) \
                    if graph.modules[e.src].is_relative_to(PACKAGE_ROOT.parent) else graph.modules[e.src]
                lines.append(f"    {path}:{e.line}  {e.src} -> {e.dst}")
    return lines


def describe_private(graph: Graph) -> list[str]:
    out = []
    for u in sorted(graph.private_uses, key=lambda u: (u.module, u.line)):
        path = graph.modules[u.module]
        if path.is_relative_to(PACKAGE_ROOT.parent):
            path = path.relative_to(PACKAGE_ROOT.parent)
        out.append(f"{path}:{u.line}  {u.target}.{u.name}  ({u.how})")
    return out


# --------------------------------------------------------------------------- the rules

def test_no_import_cycles():
    report = describe_cycles(build_graph())
    assert not report, "import cycles in interview_guard:\n" + "\n".join(report)


def test_no_private_names_across_modules():
    report = describe_private(build_graph())
    assert not report, "private names used across modules:\n" + "\n".join(report)


# --------------------------------------------------------------------------- the checker itself

def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "pkg"
    for rel, text in files.items():
        p = pkg / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return pkg


def test_checker_finds_cycles_and_private_uses(tmp_path):
    pkg = _write(tmp_path, {
        "__init__.py": "",
        "a.py": "from .b import thing\n_secret = 1\n",
        "b.py": "def thing():\n    from pkg import c\n    return c\n",
        "c.py": "from pkg.a import _secret\nimport pkg.a as A\nx = A._secret\n",
        "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import e\n",
        "e.py": "from . import d\n",
        "sub/__init__.py": "from . import _common\n",
        "sub/_common.py": "def helper(): ...\n",
        "sub/user.py": "from ._common import helper\nfrom . import _common\n",
        "outsider.py": "from pkg.sub import _common\n",
    })
    graph = build_graph(pkg)
    comps = strongly_connected(graph.adjacency())
    assert comps == [["pkg.a", "pkg.b", "pkg.c"]]       # d <-> e is TYPE_CHECKING only
    uses = {(u.module, u.target, u.name, u.how) for u in graph.private_uses}
    assert uses == {
        ("pkg.c", "pkg.a", "_secret", "from-import"),
        ("pkg.c", "pkg.a", "_secret", "attribute"),
        ("pkg.outsider", "pkg.sub", "_common", "from-import"),
    }


def test_package_import_is_edge_to_init(tmp_path):
    pkg = _write(tmp_path, {
        "__init__.py": "",
        "x/__init__.py": "import pkg.y\n",
        "y.py": "import pkg.x\n",
    })
    assert strongly_connected(build_graph(pkg).adjacency()) == [["pkg.x", "pkg.y"]]
