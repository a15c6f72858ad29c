"""The architecture holds: the layers of `simharness/` import only downwards, no package has an import cycle
(imports inside functions count), no module grows past ~400 lines, and the layout note names every layer.

The layer contract lives in pyproject.toml (`[tool.importlinter]`); import-linter checks it. Run by hand:
`lint-imports`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import simharness

PACKAGE = Path(simharness.__file__).resolve().parent
ROOT = PACKAGE.parent
MAX_LINES = 400
#: The lint CLI that import-linter installs next to this Python.
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-cache", "--no-logo", "pyproject.toml"], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_and_the_no_cycle_contracts_are_kept() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: a copy of the package whose vocabulary imports the CLI (inside a function) is refused."""
    shutil.copytree(PACKAGE, tmp_path / "simharness", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "simharness" / "model" / "kinds.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _late() -> None:\n    from simharness.cli import main  # noqa: F401\n")
    done = _lint(tmp_path, {**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1 and "simharness.model is not allowed to import simharness.cli" in done.stdout, done.stdout[-3000:]


def test_no_module_is_longer_than_about_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in sorted(PACKAGE.rglob("*.py")) if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"split these modules (at most {MAX_LINES} lines each): {long}"


def test_the_layout_note_names_every_layer() -> None:
    note = simharness.__doc__ or ""
    layers = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert layers and all(f"{name}/" in note for name in layers), [n for n in layers if f"{n}/" not in note]
