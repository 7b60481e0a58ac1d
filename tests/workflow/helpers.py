"""Running Snakemake from tests: in the repository or in a temporary copy of it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def env_with_venv() -> dict[str, str]:
    """The test's Python first on PATH, so rules' `python -m scripts...` use the same stack."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def snakemake(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run snakemake with the test's interpreter; stdout and stderr are combined."""
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=cwd, env=env_with_venv(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


def repo_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a fresh clone (plus local edits) holds."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def copy_repo(dest: Path) -> Path:
    """A clean copy of the repository (no results, logs or metadata) at ``dest``."""
    for rel in repo_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest
