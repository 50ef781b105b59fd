"""The demo is a tool on top of the product: nothing in the product imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import tinhso

PACKAGE = Path(tinhso.__file__).resolve().parent


def _imported_modules(source: str, module: str) -> set[str]:
    """Absolute names of the modules ``source`` (the text of ``module``) imports; relative
    imports resolved (``module`` is a package's ``__init__`` when it ends in ``.__init__``)."""
    package = module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def _product_files() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not {"demo", "tests"} & set(path.relative_to(PACKAGE).parts[:-1])
        and path.name != "conftest.py"
    ]


def test_the_product_never_imports_the_demo():
    files = _product_files()
    assert PACKAGE / "dossiers" / "services.py" in files
    offenders = {}
    for path in files:
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        names = _imported_modules(path.read_text("utf-8"), module)
        demo = sorted(name for name in names if name.split(".")[:2] == ["tinhso", "demo"])
        if demo:
            offenders[module] = demo
    assert offenders == {}


def test_the_check_sees_absolute_and_relative_imports():
    source = "from ..demo import history\nimport tinhso.demo.plan\nfrom . import views\n"
    names = _imported_modules(source, "tinhso.ioc.api")
    assert {"tinhso.demo", "tinhso.demo.history", "tinhso.demo.plan", "tinhso.ioc.views"} <= names
    assert "tinhso.demo" in _imported_modules("from .. import demo\n", "tinhso.ioc.__init__")
