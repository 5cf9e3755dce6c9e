"""The house rules a linter cannot see: no module imports another module's private names.

ruff's PLC2701 checks private imports from other packages only (it exempts a package's own
modules), so this walks our own: `from proofsheet.x import _y` outside proofsheet.x fails. A
helper two modules share is public, in the interface's `common` module or a lower layer.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "proofsheet"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(path: Path) -> list[str]:
    """`from a.b import _c` outside a.b, and `a._b` (a package-private module) outside a."""
    here = module_name(path)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
            continue
        if not node.module.startswith("proofsheet") or node.module == here:
            continue
        parts = node.module.split(".")
        for i, part in enumerate(parts):
            owner = ".".join(parts[:i])  # the package a private module belongs to
            if private(part) and not here.startswith(owner + "."):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
        for alias in node.names:
            inside_package = here.startswith(node.module + ".")  # its own private submodule
            if private(alias.name) and not inside_package:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}")
    return found


def test_no_module_imports_another_modules_private_names():
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for hit in private_imports(path)
    ]
    assert offenders == [], "private names imported across modules:\n" + "\n".join(offenders)
