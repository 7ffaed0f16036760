"""The layers stay apart: the store alone runs SQL on the core tables, nothing imports
upward, and no two modules import each other (even through a lazy import in a function).

Read from the source with `ast`, so a violation fails here whether or not a test runs
the code that holds it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
STORE = PACKAGE / "store"

CORE_TABLES = ("documents", "sentences", "links", "history", "term_index", "term_vocab",
               "term_index_queue", "link_members", "glossary", "glossary_accepted")
"""The tables only `workbench.store` reads and writes."""

SQL_EXEMPT: set[Path] = set()

_TABLE = "|".join(CORE_TABLES)
_NAME = rf"""\s+["'`\[]?(?:{_TABLE})\b"""
_SQL_ON_CORE = re.compile(
    rf"(?:\bselect\b[\s\S]*\bfrom|\bdelete\s+from|\binsert\s+(?:or\s+\w+\s+)?into|\bjoin"
    rf"|\bcreate\s+(?:virtual\s+)?table|\b(?:insert|update|delete)(?:\s+of\s+[\w\s,]+?)?\s+on)"
    rf"{_NAME}|\bupdate{_NAME}\s+set\b", re.I)
_TABLE_METHODS = {"rows", "rows_where", "get", "insert", "insert_all", "upsert", "upsert_all",
                  "update", "delete", "delete_where", "create", "create_index", "add_column",
                  "count", "count_where", "lookup", "transform", "drop"}


def modules(root: Path = PACKAGE) -> Iterator[Path]:
    return iter(sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _string_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, a blank per value
        return "".join(part.value if isinstance(part, ast.Constant) else " ? "
                       for part in node.values)
    return None


def core_sql(path: Path) -> list[str]:
    """Where a module names a core table in SQL or through sqlite-utils' `db[table]`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    inside_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                      for part in node.values}
    where = path.relative_to(PACKAGE.parent) if PACKAGE.parent in path.parents else path.name
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inside_fstring:
            continue
        text = _string_text(node)
        if text is not None and _SQL_ON_CORE.search(text):
            found.append(f"{where}:{node.lineno}: {' '.join(text.split())[:80]}")
        if (isinstance(node, ast.Attribute) and node.attr in _TABLE_METHODS
                and isinstance(node.value, ast.Subscript)
                and isinstance(node.value.slice, ast.Constant)
                and node.value.slice.value in CORE_TABLES
                and not isinstance(node.value.value, ast.Subscript)):
            found.append(f"{where}:{node.lineno}: [{node.value.slice.value!r}].{node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "table" and node.args
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in CORE_TABLES):
            found.append(f"{where}:{node.lineno}: .table({node.args[0].value!r})")
    return found


def imports(path: Path) -> set[str]:
    """Every workbench module `path` imports, at the top or inside a function."""
    known = {module_name(p) for p in modules()}
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name in a.b
                target = target.rpartition(".")[0]
            if target.startswith("workbench") and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in modules()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the tests -------------------------------------------------------------------------


def test_only_the_store_runs_sql_on_the_core_tables():
    outside = [path for path in modules() if STORE not in path.parents
               and path not in SQL_EXEMPT]
    found = [hit for path in outside for hit in core_sql(path)]
    assert found == [], "SQL on the core tables outside workbench/store/:\n" + "\n".join(found)


def test_the_sql_check_sees_each_way_of_writing_sql(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Reads from documents where it likes (a docstring: not SQL)."""\n'
        'def f(db, table):\n'
        '    db.execute("select version from documents where id = ?", [1])\n'
        '    db.execute(f"delete from {table} where id = ?", [1])\n'
        '    db.execute(f"update links set score = {1} where id = ?", [1])\n'
        '    db["glossary"].insert({"a": 1})\n'
        '    db.table("history").rows_where("id = ?", [1])\n'
        '    body = {"links": []}\n'
        '    body["links"].append(1)\n'
        '    return "Update documents already stored: their links stay"\n',
        encoding="utf-8")
    found = core_sql(sample)
    assert [hit.split(":")[1] for hit in found] == ["3", "5", "6", "7"], found


ENTRY_POINTS = {"workbench.cli", "workbench.__main__"}
"""The command line sits above the web layer: `workbench serve` builds the app."""


def web_imports_from_below(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{module} imports {target}" for module, targets in graph.items()
                  if not module.startswith("workbench.web") and module not in ENTRY_POINTS
                  for target in targets if target.startswith("workbench.web"))


def test_nothing_outside_the_web_layer_imports_it():
    assert web_imports_from_below(import_graph()) == []


def test_the_upward_check_sees_a_domain_module_importing_the_web():
    graph = {"workbench.review": {"workbench.web.db"}, "workbench.cli": {"workbench.web"},
             "workbench.web.terms": {"workbench.termindex"}}
    assert web_imports_from_below(graph) == ["workbench.review imports workbench.web.db"]


STORE_MUST_NOT_IMPORT = ("workbench.pipeline", "workbench.review", "workbench.termindex",
                         "workbench.terms", "workbench.cli", "workbench.web",
                         "workbench.consistency")


def test_the_store_imports_nothing_above_it():
    graph = import_graph()
    upward = sorted(
        f"{module} imports {target}" for module, targets in graph.items()
        if module == "workbench.store" or module.startswith("workbench.store.")
        for target in targets
        if any(target == above or target.startswith(above + ".")
               for above in STORE_MUST_NOT_IMPORT))
    assert upward == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_are_edges_of_the_graph():
    graph = import_graph()
    # `open_db` runs the migrations, which import the modules that create their tables
    assert "workbench.import_jobs" in graph["workbench.store.migrations"]
