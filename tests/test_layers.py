"""The layout stays true: each layer imports only the layers below it, and nothing cycles.

The import graph is read from the source (every ``import``, including those inside
functions and ``TYPE_CHECKING`` blocks), so a shortcut taken anywhere shows up here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "tools", "pipeline", "agent", "evaluation", "ui", "cli")

# Lowest first. Names in one layer are independent of each other; a name may import only
# names of lower layers (and itself). A name is a package or module prefix.
LAYERS: list[tuple[str, ...]] = [
    ("config",),
    ("tools.results", "tools.csv_files"),
    ("tools.warehouse", "tools.search"),
    ("tools.vocabulary",),
    ("tools.segments",),
    ("tools.customers", "tools.reviews"),
    ("tools.email", "tools.sql"),
    ("tools.campaigns",),
    ("tools.registry",),
    ("agent", "pipeline"),
    ("evaluation",),
    ("ui",),
    ("app",),
    ("cli",),
]
# The functions the agent calls: only the registry and what sits above the tools use them.
AGENT_FACING = ".tools"
AGENT_FACING_USERS = ("tools.registry", "agent", "evaluation", "ui", "cli", "app")


def _modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if path.name == "__init__.py" and "import" not in path.read_text(encoding="utf-8"):
                continue  # a package's docstring only: it belongs to no layer
            found[name.removesuffix(".__init__")] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved and resolved != name and not resolved.startswith(name + "."):
                    graph[name].add(resolved)
        graph.setdefault(name, set())
    # "from tools.x import y" adds both tools.x.y (when a module) and tools.x; keep the deeper
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not any(o.startswith(t + ".") for o in targets)
                       or (ROOT / t.replace(".", "/")).with_suffix(".py").exists()}
    return dict(graph)


def layer_of(module: str) -> tuple[int, str]:
    for level, names in enumerate(LAYERS):
        for prefix in names:
            if module == prefix or module.startswith(prefix + "."):
                return level, prefix
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a higher layer, or of a sibling in the same layer."""
    wrong = []
    for module, targets in graph.items():
        level, name = layer_of(module)
        for target in targets:
            target_level, target_name = layer_of(target)
            if target_level > level or (target_level == level and target_name != name):
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def agent_facing_misuse(graph: dict[str, set[str]]) -> list[str]:
    """Domain code that imports an agent-facing tool module."""
    return sorted(f"{module} -> {target}" for module, targets in graph.items()
                  for target in targets
                  if target.startswith("tools.") and target.endswith(AGENT_FACING)
                  and not module.startswith(AGENT_FACING_USERS))


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    assert len(graph) > 100
    for module in graph:
        layer_of(module)


def test_no_layer_imports_a_higher_one_or_a_sibling(graph: dict[str, set[str]]) -> None:
    assert layer_violations(graph) == []


def test_agent_facing_functions_sit_on_top_of_their_domain(graph: dict[str, set[str]]) -> None:
    assert agent_facing_misuse(graph) == []


def test_no_import_cycles(graph: dict[str, set[str]]) -> None:
    assert import_cycles(graph) == []


def test_the_checks_report_what_they_guard_against() -> None:
    """A made-up graph with each kind of mistake: every check names it."""
    bad = {
        "tools.warehouse.guard": {"agent.runner"},          # upward
        "pipeline.setup": {"agent.models"},                  # sibling layer
        "tools.email.drafts": {"tools.sql.tools"},          # domain -> agent-facing
        "tools.sql.mentions": {"tools.sql.periods"},
        "tools.sql.periods": {"tools.sql.mentions"},         # cycle
        "agent.runner": set(), "agent.models": set(), "tools.sql.tools": set(),
    }
    assert layer_violations(bad) == ["pipeline.setup -> agent.models",
                                     "tools.email.drafts -> tools.sql.tools",
                                     "tools.warehouse.guard -> agent.runner"]
    assert agent_facing_misuse(bad) == ["tools.email.drafts -> tools.sql.tools"]
    assert import_cycles(bad) == [["tools.sql.mentions", "tools.sql.periods"]]
