"""Tests are self-contained (issue 17.13): no test reads a file from outside the repository (e.g. ../shared beside
a developer's checkout, which a clean clone or CI does not have); what a test needs is copied into the tests' data.

A static check of every test module: no path string leading up out of a folder or to the machine's /work, no
`"shared"` joined onto a path, no parent of the repository's root."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOT_NAMES = {"ROOT", "REPO", "REPO_ROOT"}
pytestmark = pytest.mark.unit


def _test_modules() -> list[Path]:
    found = list((ROOT / "tests").rglob("*.py"))
    for top in ("services", "libs"):
        found += [p for p in (ROOT / top).glob("*/tests/**/*.py")]
    return sorted(p for p in found if ".venv" not in p.parts and p != Path(__file__).resolve())


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _is_root(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ROOT_NAMES
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Path"
            and len(node.args) == 1 and _is_root(node.args[0]))


def outside_reads(source: str) -> list[str]:
    """The places in `source` that lead out of the repository, as 'line: why'."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value.startswith(("../", "/work/")) or "/../" in node.value:
                found.append(f"{line}: path {node.value!r}")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant)
              and node.right.value == "shared"):
            found.append(f"{line}: / \"shared\"")
        elif isinstance(node, ast.Attribute) and node.attr in ("parent", "parents") and _is_root(node.value):
            found.append(f"{line}: parent of the repository's root")
    return found


def test_no_test_reads_outside_the_repository():
    offenders = {}
    for path in _test_modules():
        source = path.read_text(encoding="utf-8")
        if any(word in source for word in ("../", "/work/", "shared", "parent")):  # parse only the few that may
            if hits := outside_reads(source):
                offenders[str(path.relative_to(ROOT))] = hits
    assert offenders == {}, "copy the file into the tests' data instead"


@pytest.mark.parametrize("line", [
    'SHARED = Path(REPO_ROOT).parent / "shared"',
    'EXAMPLES = ROOT.parent / "x.json"',
    'open("../shared/skp_score_examples.json")',
    'Path("/work/shared/DOMAIN.md").read_text()',
    'data = HERE / "shared"',
])
def test_the_check_sees_each_way_out(line):
    assert outside_reads(line)


def test_the_check_passes_docstrings_and_paths_inside():
    source = '"""reads ../shared/DESIGN.md section 4"""\nEX = REPO_ROOT / "docs" / "examples" / "a.json"\n'
    assert outside_reads(source) == []
