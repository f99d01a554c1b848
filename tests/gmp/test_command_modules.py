"""Command modules stand alone: none imports another, so each command group can change alone."""

from __future__ import annotations

import ast
from pathlib import Path

COMMANDS = Path(__file__).parents[2] / "gmp" / "commands"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (the lazy imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from . import x` / `from .x import y`: inside gmp.commands
                found.add("gmp.commands." + (node.module or ""))
                found.update(f"gmp.commands.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_command_module_imports_another() -> None:
    modules = sorted(p for p in COMMANDS.glob("*.py") if p.name != "__init__.py")
    names = {f"gmp.commands.{p.stem}" for p in modules}
    assert len(names) >= 6, names  # extract, sandbox, steps, local, submit, transform
    crossings = {
        p.name: sorted(imported_modules(p) & (names - {f"gmp.commands.{p.stem}"})) for p in modules
    }
    assert {k: v for k, v in crossings.items() if v} == {}


def test_the_check_sees_a_lazy_import(tmp_path: Path) -> None:
    # Not vacuous: an import inside a function, as the commands write them, is found.
    sample = tmp_path / "sample.py"
    lines = ["def f():", "    from gmp.commands.steps import validate", "    from . import local"]
    sample.write_text("\n".join(lines) + "\n")
    assert {"gmp.commands.steps", "gmp.commands.local"} <= imported_modules(sample)
