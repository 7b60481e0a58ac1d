"""Validate the conda environment files under envs/ (used by tests/envs and by hand).

For each `envs/*.yaml`: it parses; every package is pinned to one exact version (conda
`name=1.2.3` or `name=1.2.3=build`, pip `name==1.2.3`); it pins Python; a PyTorch in it is
a release whose official builds support that Python; and an env with PyTorch says which
build it is (a CUDA build, or CPU-only on purpose), from which the GPU architectures it
runs on follow.

    python -m scripts.tools.envcheck            # every env, a table and the problems
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

REPO = Path(__file__).resolve().parents[2]
ENV_DIR = REPO / "envs"

Version = Tuple[int, ...]

# Python versions with official PyTorch builds (pytorch.org release compatibility matrix and
# the wheels' Requires-Python), keyed by torch major.minor. 1.7.1 added Python 3.9 binaries.
TORCH_PYTHON: Dict[Version, Tuple[Version, Version]] = {
    (1, 4): ((3, 5), (3, 8)), (1, 5): ((3, 5), (3, 8)), (1, 6): ((3, 6), (3, 8)),
    (1, 7): ((3, 6), (3, 8)), (1, 8): ((3, 6), (3, 9)), (1, 9): ((3, 6), (3, 9)),
    (1, 10): ((3, 6), (3, 9)), (1, 11): ((3, 7), (3, 10)), (1, 12): ((3, 7), (3, 10)),
    (1, 13): ((3, 7), (3, 10)), (2, 0): ((3, 8), (3, 11)), (2, 1): ((3, 8), (3, 11)),
    (2, 2): ((3, 8), (3, 12)), (2, 3): ((3, 8), (3, 12)), (2, 4): ((3, 8), (3, 12)),
    (2, 5): ((3, 9), (3, 13)), (2, 6): ((3, 9), (3, 13)), (2, 7): ((3, 9), (3, 13)),
    (2, 8): ((3, 9), (3, 13)), (2, 9): ((3, 10), (3, 14)), (2, 10): ((3, 10), (3, 14)),
    (2, 11): ((3, 10), (3, 14)), (2, 12): ((3, 10), (3, 14)), (2, 13): ((3, 10), (3, 14)),
}
TORCH_PYTHON_EXCEPTIONS = {(1, 7, 1): ((3, 6), (3, 9))}

# CUDA version of the default Linux wheel on PyPI (`pip install torch==X`), by major.minor.
PYPI_TORCH_CUDA: Dict[Version, Version] = {
    (1, 7): (10, 2), (1, 8): (10, 2), (1, 9): (10, 2), (1, 10): (10, 2), (1, 11): (10, 2),
    (1, 12): (10, 2), (1, 13): (11, 7), (2, 0): (11, 7), (2, 1): (12, 1), (2, 2): (12, 1),
    (2, 3): (12, 1), (2, 4): (12, 1), (2, 5): (12, 4), (2, 6): (12, 4), (2, 7): (12, 6),
    (2, 8): (12, 8), (2, 9): (12, 8), (2, 10): (12, 8), (2, 11): (12, 8), (2, 12): (12, 8),
    (2, 13): (12, 8),
}

# SASS architectures in the official PyTorch builds for a CUDA version (lowest CUDA first).
# A cubin for sm_X.Y also runs on sm_X.Z (Z > Y), e.g. sm_80 code on an A40 (sm_86).
CUDA_ARCHS: List[Tuple[Version, List[str]]] = [
    ((10, 0), ["sm_37", "sm_50", "sm_60", "sm_70"]),
    ((10, 1), ["sm_37", "sm_50", "sm_60", "sm_70", "sm_75"]),
    ((11, 0), ["sm_37", "sm_50", "sm_60", "sm_70", "sm_75", "sm_80"]),
    ((11, 1), ["sm_37", "sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86"]),
    ((11, 8), ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]),
    ((12, 8), ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]),
]
GPU_NAMES = {"sm_37": "K80", "sm_50": "Maxwell", "sm_60": "P100", "sm_70": "V100",
             "sm_75": "T4/RTX 20xx", "sm_80": "A100", "sm_86": "A40/A10/RTX 30xx",
             "sm_90": "H100/H200", "sm_100": "B200", "sm_120": "RTX 50xx"}

CONDA_PIN = re.compile(r"^(?:[\w.-]+::)?(?P<name>[A-Za-z0-9_.-]+)(?:==?|=)"
                       r"(?P<version>[0-9][0-9A-Za-z.+!_]*)(?:=(?P<build>[\w.]+))?$")
PIP_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?:\[[\w,.-]+\])?=="
                     r"(?P<version>[0-9][0-9A-Za-z.+!_-]*)$")
PIP_OPTION = re.compile(r"^--?(?:extra-index-url|index-url|find-links|f)[ =]\S+$")


def parse_version(text: str) -> Version:
    parts = []
    for piece in re.split(r"[.+]", text):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def cuda_archs(cuda: Version) -> List[str]:
    archs: List[str] = []
    for since, listed in CUDA_ARCHS:
        if cuda[:2] >= since:
            archs = listed
    return archs


@dataclass
class EnvReport:
    path: Path
    python: Optional[str] = None
    torch: Optional[str] = None
    build: str = ""  # "cuda X.Y" | "cpu" | "" (no torch)
    cuda: Optional[Version] = None
    pins: Dict[str, str] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def archs(self) -> List[str]:
        return cuda_archs(self.cuda) if self.cuda else []

    @property
    def runs_on_hopper(self) -> bool:
        """Has sm_90 kernels (H100/H200); CPU-only and torch-free envs count as yes."""
        return self.cuda is None or "sm_90" in self.archs


def check_env(path: Path) -> EnvReport:
    rep = EnvReport(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        rep.problems.append(f"does not parse as YAML: {err}")
        return rep
    if not isinstance(doc, dict) or not isinstance(doc.get("dependencies"), list):
        rep.problems.append("needs a `dependencies:` list")
        return rep
    if not doc.get("channels"):
        rep.problems.append("needs `channels:` (and `nodefaults`, so defaults never mixes in)")
    conda_names, pip_names, pip_options = {}, {}, []
    for dep in doc["dependencies"]:
        if isinstance(dep, dict) and list(dep) == ["pip"] and isinstance(dep["pip"], list):
            for spec in dep["pip"]:
                spec = str(spec).strip()
                if PIP_OPTION.match(spec):
                    pip_options.append(spec)
                    continue
                m = PIP_PIN.match(spec)
                if not m:
                    rep.problems.append(f"pip package '{spec}' is not pinned as name==version")
                    continue
                pip_names[m["name"].lower().replace("_", "-")] = m["version"]
        elif isinstance(dep, str):
            m = CONDA_PIN.match(dep.strip())
            if not m or "*" in dep:
                rep.problems.append(f"conda package '{dep}' is not pinned as name=version")
                continue
            conda_names[m["name"].lower()] = m["version"] + (f"={m['build']}" if m["build"]
                                                             else "")
        else:
            rep.problems.append(f"unexpected dependency entry {dep!r}")
    if pip_names and "pip" not in conda_names:
        rep.problems.append("uses pip packages but does not pin `pip` itself")
    rep.pins = {**conda_names, **{f"pip:{k}": v for k, v in pip_names.items()}}
    rep.python = conda_names.get("python")
    if rep.python is None:
        rep.problems.append("does not pin python")
        return rep
    py = parse_version(rep.python)[:2]
    torch_conda, torch_pip = conda_names.get("pytorch"), pip_names.get("torch")
    if torch_conda and torch_pip:
        rep.problems.append("installs PyTorch twice (conda `pytorch` and pip `torch`)")
    rep.torch = torch_conda or torch_pip
    if rep.torch is None:
        return rep
    tv = parse_version(rep.torch.split("=")[0])
    supported = TORCH_PYTHON_EXCEPTIONS.get(tv[:3]) or TORCH_PYTHON.get(tv[:2])
    if supported is None:
        rep.problems.append(f"PyTorch {rep.torch} is not in the compatibility table of "
                            "scripts/tools/envcheck.py (add its Pythons there)")
    elif not supported[0] <= py <= supported[1]:
        lo, hi = (".".join(map(str, v)) for v in supported)
        rep.problems.append(f"PyTorch {rep.torch} supports Python {lo} to {hi}, "
                            f"not {rep.python}")
    _classify_build(rep, conda_names, torch_conda, torch_pip, pip_options, tv)
    return rep


def _classify_build(rep: EnvReport, conda: Dict[str, str], torch_conda: Optional[str],
                    torch_pip: Optional[str], pip_options: List[str], tv: Version) -> None:
    cpu = "cpuonly" in conda or (torch_pip or "").endswith("+cpu") or any(
        o.rstrip("/").endswith("/cpu") for o in pip_options)
    cuda: Optional[Version] = None
    if torch_conda:
        for key in ("pytorch-cuda", "cudatoolkit", "cuda-version"):
            if key in conda:
                cuda = parse_version(conda[key])[:2]
        build = torch_conda.partition("=")[2]
        m = re.search(r"cuda(\d+)\.(\d+)", build)
        if m:
            cuda = (int(m[1]), int(m[2]))
    else:
        m = re.search(r"\+cu(\d+)(\d)$", torch_pip or "")
        if m:
            cuda = (int(m[1]), int(m[2]))
        else:
            idx = [re.search(r"/whl/cu(\d+)(\d)/?$", o) for o in pip_options]
            idx = [i for i in idx if i]
            if idx:
                cuda = (int(idx[0][1]), int(idx[0][2]))
            elif not cpu:
                cuda = PYPI_TORCH_CUDA.get(tv[:2])
    if cpu and cuda:
        rep.problems.append("names both a CPU-only and a CUDA build of PyTorch")
    elif cpu:
        rep.build = "cpu"
    elif cuda:
        rep.build = "cuda " + ".".join(map(str, cuda))
        rep.cuda = cuda
    else:
        rep.problems.append("PyTorch without a build: pin `cudatoolkit=`/`pytorch-cuda=` "
                            "(conda) or a `+cuXXX` wheel/index (pip), or `cpuonly` on purpose")


def gpu_summary(rep: EnvReport) -> str:
    if rep.torch is None:
        return "any (no GPU)"
    if rep.cuda is None:
        return "CPU only"
    archs = rep.archs
    names = sorted({GPU_NAMES[a] for a in archs if a in GPU_NAMES}, key=lambda n: archs.index(
        next(a for a in archs if GPU_NAMES.get(a) == n)))
    return f"{archs[0]} – {archs[-1]} ({', '.join(names)})"


def markdown_row(rep: EnvReport) -> str:
    torch = f"{rep.torch} ({rep.build})" if rep.torch else "none"
    return (f"| `{rep.name}` | (rules) | {rep.python} | {torch} | {gpu_summary(rep)} | "
            "(deviations) |")


def env_files(env_dir: Path = ENV_DIR) -> List[Path]:
    return sorted(env_dir.glob("*.yaml"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--markdown", action="store_true",
                   help="print rows for the table in envs/README.md")
    args = p.parse_args(argv)
    bad = 0
    for path in args.files or env_files():
        rep = check_env(path)
        if args.markdown:
            print(markdown_row(rep))
            continue
        archs = ", ".join(rep.archs) if rep.cuda else "-"
        print(f"{rep.name:22s} python {rep.python or '?':8s} torch {rep.torch or '-':12s} "
              f"build {rep.build or '-':10s} archs {archs}")
        for problem in rep.problems:
            bad += 1
            print(f"  PROBLEM: {problem}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
