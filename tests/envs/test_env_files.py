"""Every envs/*.yaml is valid (parses, exact pins, Python/PyTorch compatible, build named),
every rule names one, GPU rules get CUDA builds, and old-CUDA GPU rules are steered by the
slurm profile to GPUs their build supports. New env files and rules are covered as they land."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
import yaml

from scripts.tools import envcheck
from scripts.tools.workflow_rules import load_rules

REPO = Path(__file__).resolve().parents[2]
ENVS = envcheck.env_files()


@pytest.fixture(scope="module")
def rules():
    return load_rules("paper")


@pytest.mark.parametrize("path", ENVS, ids=[p.stem for p in ENVS])
def test_env_file_is_valid(path):
    rep = envcheck.check_env(path)
    assert rep.problems == [], f"{path.name}: " + "; ".join(rep.problems)


def test_every_env_is_documented():
    readme = (REPO / "envs/README.md").read_text()
    missing = [p.stem for p in ENVS if f"| `{p.stem}` |" not in readme]
    assert not missing, ("add a row for each to the table in envs/README.md "
                         f"(python -m scripts.tools.envcheck --markdown): {missing}")


def test_every_rule_names_an_existing_env(rules):
    bad = []
    for rule in rules:
        if rule.shell is None:  # target-only rules (e.g. `all`) run nothing
            continue
        if not rule.env:
            bad.append(f"{rule.name}: no conda: directive")
        elif not (REPO / rule.env).is_file() or Path(rule.env).parent != Path("envs"):
            bad.append(f"{rule.name}: {rule.env} is not a file under envs/")
    assert not bad, "\n".join(bad)


def test_gpu_rules_use_cuda_builds(rules):
    bad = []
    for rule in rules:
        if rule.gpu and rule.env:
            rep = envcheck.check_env(REPO / rule.env)
            if rep.cuda is None:
                bad.append(f"rule {rule.name} asks for {rule.gpu} GPU(s) at paper scale, but "
                           f"{rule.env} has {'a CPU-only PyTorch' if rep.torch else 'no PyTorch'}")
    assert not bad, "\n".join(bad)


def _profile_old_cuda_rules() -> list[str]:
    doc = yaml.safe_load((REPO / "slurm/config.yaml").read_text())
    for stmt in doc["__definitions__"]:
        if stmt.startswith("OLD_CUDA_RULES"):
            return ast.literal_eval(stmt.split("=", 1)[1].strip())
    raise AssertionError("slurm/config.yaml defines no OLD_CUDA_RULES")


def test_old_cuda_gpu_rules_are_steered_by_the_profile(rules):
    listed = set(_profile_old_cuda_rules())
    missing = []
    for rule in rules:
        if rule.gpu and rule.env:
            rep = envcheck.check_env(REPO / rule.env)
            if rep.cuda is not None and not rep.runs_on_hopper and rule.name not in listed:
                missing.append(f"{rule.name} ({rule.env}: CUDA {rep.build[5:]}, "
                               f"{rep.archs[0]}-{rep.archs[-1]}, no sm_90)")
    assert not missing, ("GPU rules whose CUDA build cannot run on H100/H200; add them to "
                         "OLD_CUDA_RULES in slurm/config.yaml:\n" + "\n".join(missing))
    names = {r.name for r in rules}
    assert listed <= names, f"OLD_CUDA_RULES names unknown rules: {sorted(listed - names)}"


# --- the checker itself, on known inputs -------------------------------------------------------

def _env(tmp_path, body: str):
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent(body))
    return envcheck.check_env(path)


def test_old_conda_cuda_build(tmp_path):
    rep = _env(tmp_path, """
        channels: [pytorch, conda-forge, nodefaults]
        dependencies: [python=3.8.12, pytorch=1.10.1, cudatoolkit=11.1.74, numpy=1.19.2]
        """)
    assert rep.problems == [] and rep.build == "cuda 11.1"
    assert "sm_86" in rep.archs and not rep.runs_on_hopper


def test_pip_wheels(tmp_path):
    rep = _env(tmp_path, """
        channels: [conda-forge, nodefaults]
        dependencies: [python=3.11.7, pip=23.2.1, {pip: [torch==2.13.0, numpy==2.4.6]}]
        """)
    assert rep.problems == [] and rep.runs_on_hopper and rep.cuda == (12, 8)
    rep = _env(tmp_path, """
        channels: [conda-forge, nodefaults]
        dependencies:
          - python=3.9.18
          - pip=23.2.1
          - pip: [--extra-index-url https://download.pytorch.org/whl/cu113, torch==1.12.1+cu113]
        """)
    assert rep.problems == [] and rep.cuda == (11, 3) and rep.archs[-1] == "sm_86"
    rep = _env(tmp_path, """
        channels: [pytorch, nodefaults]
        dependencies: [python=3.8.18, pytorch=1.7.1, cpuonly=1.0]
        """)
    assert rep.problems == [] and rep.build == "cpu" and rep.runs_on_hopper


@pytest.mark.parametrize("deps, problem", [
    ("[python=3.8, numpy>=1.19]", "'numpy>=1.19' is not pinned"),
    ("[python=3.8, numpy]", "'numpy' is not pinned"),
    ("[python=3.8.1, pip=23.2.1, {pip: [numpy]}]", "pip package 'numpy' is not pinned"),
    ("[python=3.9.18, pytorch=1.7.0, cpuonly=1.0]", "supports Python 3.6 to 3.8, not 3.9.18"),
    ("[python=3.11.7, pytorch=1.10.2, cpuonly=2.0]", "supports Python 3.6 to 3.9"),
    ("[python=3.9.18, pytorch=1.10.2]", "PyTorch without a build"),
    ("[numpy=1.19.2]", "does not pin python"),
    ("[python=3.11.7, {pip: [torch==2.13.0]}]", "does not pin `pip` itself"),
])
def test_problems_are_named(tmp_path, deps, problem):
    rep = _env(tmp_path, f"channels: [conda-forge]\ndependencies: {deps}\n")
    assert any(problem in p for p in rep.problems), rep.problems


def test_unparsable_file(tmp_path):
    assert "does not parse" in _env(tmp_path, "dependencies: [a\n").problems[0]
