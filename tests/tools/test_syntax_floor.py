"""scripts.tools.syntax_floor: known-bad snippets fail for the Python they need, and the
workflow's rules (whatever papers are included) meet their envs' Python versions."""
from __future__ import annotations

from pathlib import Path

import pytest

from scripts.tools import syntax_floor as sf

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("code, fails_on, ok_on", [
    ("if (n := 3): pass", (3, 7), (3, 8)),
    ("match x:\n    case 1: pass", (3, 9), (3, 10)),
    ("try: pass\nexcept* ValueError: pass", (3, 10), (3, 11)),
    ("Alias = list[int]", (3, 8), (3, 9)),
    ("def f(x: dict[str, int]): pass", (3, 8), (3, 9)),
    ("def f(x: int | None): pass", (3, 9), (3, 10)),
    ("y = isinstance(3, int | str)", (3, 9), (3, 10)),
    ("Maybe = Optional[int] | None", (3, 9), (3, 10)),
])
def test_version_specific_code(code, fails_on, ok_on):
    assert sf.check_source(code, fails_on), code
    assert sf.check_source(code, ok_on) == [], code


@pytest.mark.parametrize("code", [
    "from __future__ import annotations\ndef f(x: list[int] | None) -> dict[str, int]: pass",
    "from __future__ import annotations\nclass A:\n    x: int | None = None",
    "def f():\n    y: list[int] = []\n    return y",  # local annotations are never evaluated
    "flags = a | b",  # bit-or of values is not a type union
    "from typing import List, Optional\ndef f(x: Optional[List[int]]): pass",
])
def test_valid_on_python_38(code):
    assert sf.check_source(code, (3, 8)) == []


def test_vermin_finds_newer_stdlib(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("pairs = list(zip([1], [2], strict=True))\n")
    problems = sf.vermin_problems([f], (3, 9))
    assert problems and "zip(strict)" in problems[0]
    assert sf.vermin_problems([f], (3, 10)) == []


def test_import_closure_follows_scripts_imports(tmp_path):
    for rel, text in {
        "scripts/__init__.py": "",
        "scripts/common/__init__.py": "",
        "scripts/common/io.py": "import numpy\n",
        "scripts/common/unused.py": "",
        "scripts/p/__init__.py": "",
        "scripts/p/model.py": "from .layers import Dense\n",
        "scripts/p/layers.py": "Dense = 1\n",
        "scripts/p/train.py": "from scripts.common import io\nfrom scripts.p.model import M\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    got = sf.closure([tmp_path / "scripts/p/train.py"], tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in got)
    assert names == ["scripts/__init__.py", "scripts/common/__init__.py", "scripts/common/io.py",
                     "scripts/p/__init__.py", "scripts/p/layers.py", "scripts/p/model.py",
                     "scripts/p/train.py"]


def test_shared_code_meets_the_oldest_env_python():
    files = sorted((REPO / "scripts/common").glob("*.py"))
    assert sf.check_files(files, (3, 8)) == []


def test_every_rule_meets_its_env_python():
    assert sf.check_workflow("paper") == []
