"""Print every import placed inside a function in QualityHub's own code, and how many there are.

Imports belong at the top of a module; one inside a function is allowed only to keep a heavy,
optional library out of start-up (or where Django forbids a top-level import), and says so in a
comment on the line above or on the same line. Exits with 1 when there are ``LIMIT`` or more, or
when one has no comment. ``make test`` runs it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "notices", "departments", "indicators", "reports", "qualityhub")
LIMIT = 10


def inner_imports(path: Path):
    """(line, statement, comment) for each import inside a function of the file."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                line = lines[child.lineno - 1]
                above = lines[child.lineno - 2].strip() if child.lineno > 1 else ""
                comment = line.partition("#")[2].strip() or (
                    above[1:].strip() if above.startswith("#") else ""
                )
                found.append((child.lineno, line.strip(), comment))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def main() -> int:
    rows = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, statement, comment in inner_imports(path):
                rows.append((path.relative_to(ROOT), line, statement, comment))
    for path, line, statement, comment in rows:
        print(f"{path}:{line}: {statement}    # {comment or 'NO COMMENT'}")
    unjustified = [r for r in rows if not r[3]]
    print(
        f"{len(rows)} imports inside functions (limit {LIMIT - 1}), {len(unjustified)} unjustified"
    )
    return 1 if len(rows) >= LIMIT or unjustified else 0


if __name__ == "__main__":
    sys.exit(main())
