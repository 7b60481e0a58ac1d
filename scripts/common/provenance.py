"""What made an output: the code's git commit, the package versions, the device and the env lane.

Recorded in every resolved config (``scripts.common.io.write_resolved_config``) under
``provenance``, so a result can be traced to the code and stack that produced it.
"""
from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Dict

REPO = Path(__file__).resolve().parents[2]
# distributions whose versions matter for results; absent ones are left out
PACKAGES = ("torch", "numpy", "scipy", "pandas", "gymnasium", "ale-py", "tianshou", "mujoco",
            "minigrid", "matplotlib", "seaborn", "scikit-learn", "mlxtend")


def git_commit(repo: "str | os.PathLike" = REPO) -> str:
    """The checkout's commit, with ``-dirty`` when tracked files differ; "" outside git."""
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain",
                                "--untracked-files=no"], check=True, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, universal_newlines=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("-dirty" if dirty else "")


def package_versions(names=PACKAGES) -> Dict[str, str]:
    """Installed versions of ``names`` (distribution names), without importing them."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # Python < 3.8
        return {}
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def device() -> str:
    """The accelerator this process would use: the CUDA device's name, else "cpu (<machine>)".
    Torch is only asked when the step has already imported it."""
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_available():
                return f"cuda ({torch.cuda.get_device_name(0)})"
        except Exception:  # a broken driver must not stop a run from recording its config
            pass
    return f"cpu ({platform.machine() or 'unknown'})"


@functools.lru_cache(maxsize=1)
def _static() -> Dict[str, object]:
    return {"git_commit": git_commit(), "python": platform.python_version(),
            "packages": package_versions(), "host": platform.node()}


def provenance() -> Dict[str, object]:
    """The record written beside each output."""
    return {**_static(), "device": device(),
            "env_lane": os.environ.get("RL_ENV_LANE", "pinned")}
