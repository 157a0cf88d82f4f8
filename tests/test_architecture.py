"""The house rules of the package layout, checked on the source with ``ast``.

* no import cycle between modules of ``cba`` (function-local imports count);
* no module imports a private name (``_x``) from another module, or reads one
  as ``module._x``; a package may import its own private modules;
* dependencies run one way through the layers of ARCHITECTURE.md:
  vocabulary -> parameters -> models -> appraisal -> analysis -> report ->
  batch and command line; models know no parameter objects.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cba"

#: Layer of each module (by its dotted name or the package it belongs to).
LAYERS = {
    "cba": 0,
    "cba.exceptions": 0,
    "cba.vocab": 0,
    "cba.units": 0,
    "cba.i18n": 0,
    "cba.cache": 0,
    "cba.params": 1,
    "cba.queueing": 2,
    "cba.demand": 2,
    "cba.benefits": 2,
    "cba.costs": 2,
    "cba.staffing": 2,
    "cba.funding": 2,
    "cba.emissions": 2,
    "cba.discounting": 2,
    "cba.uncertainty": 2,
    "cba.options": 2,
    "cba.appraisal": 3,
    "cba.analysis": 4,
    "cba.allocation": 4,
    "cba.resumption": 4,
    "cba.report": 5,
    "cba.batch": 6,
    "cba.cli": 6,
    "cba.scaffold": 6,
}
MODELS = 2


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, tree: ast.AST):
    """Yield (target module, imported names, node) for every import of cba modules."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "cba" or a.name.startswith("cba."):
                    yield a.name, [], node
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target == "cba" or target.startswith("cba."):
                yield target, [a.name for a in node.names], node


def _layer(name: str) -> int:
    while name not in LAYERS:
        if "." not in name:
            raise KeyError(name)
        name = name.rsplit(".", 1)[0]
    return LAYERS[name]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, names, _ in _imports(module, tree):
            deps = {target} if target in MODULES else set()
            for n in names:
                if f"{target}.{n}" in MODULES:
                    deps.add(f"{target}.{n}")
            for d in deps:
                # importing a module's own package (or an ancestor) is implicit
                if not module.startswith(d + ".") and d != module:
                    graph[module].add(d)
    return graph


def test_every_module_has_a_layer():
    missing = [
        m for m in MODULES if not any(m == k or m.startswith(k + ".") for k in LAYERS)
    ]
    assert not missing, (
        f"modules without a layer in ARCHITECTURE.md / LAYERS: {missing}"
    )


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d) :] + [d]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_private_names_across_modules():
    bad = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for target, names, node in _imports(module, tree):
            for n in names:
                if not n.startswith("_") or n.startswith("__"):
                    continue
                if n == "_" and target == "cba.i18n":
                    continue  # gettext, public under its conventional name
                sub = f"{target}.{n}"
                own_package = (
                    module if _is_package(module) else module.rsplit(".", 1)[0]
                )
                if sub in MODULES and (
                    target == own_package or target.startswith(own_package)
                ):
                    continue  # a package's own private module
                bad.append(f"{module}:{node.lineno} imports {n} from {target}")
            if isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name] = a.name
            else:
                for a in node.names:
                    if f"{target}.{a.name}" in MODULES:
                        aliases[a.asname or a.name] = f"{target}.{a.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                bad.append(f"{module}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


def test_dependencies_run_one_way():
    bad = []
    for module, deps in _graph().items():
        own = _layer(module)
        for d in sorted(deps):
            if _layer(d) > own:
                bad.append(f"{module} (layer {own}) imports {d} (layer {_layer(d)})")
            if own == MODELS and _layer(d) == 1:
                bad.append(f"{module} is a model but imports the parameter layer ({d})")
    assert not bad, "\n".join(bad)


def test_the_checks_catch_what_they_should(tmp_path):
    """The walker sees relative, absolute and function-local imports."""
    src = "from .params.site import _x\n\ndef f():\n    from cba import report\n"
    tree = ast.parse(src)
    found = [(t, n) for t, n, _ in _imports("cba.appraisal.flows", tree)]
    assert ("cba.appraisal.params.site", ["_x"]) in found
    assert ("cba", ["report"]) in found
    assert (
        _resolve("cba.appraisal", ast.parse("from ..params import Site").body[0])
        == "cba.params"
    )
    assert (
        _resolve("cba.appraisal.flows", ast.parse("from ..params import S").body[0])
        == "cba.params"
    )
