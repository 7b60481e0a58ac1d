"""Every job's --params fit its step's parameter dataclass, at every scale.

A step with a typed ``Params`` dataclass (scripts.common.cli.step_params) refuses unknown and
missing keys at run time; this test finds a mismatch between what the rules pass and what the
step declares before any job runs, from the shell commands of full dry runs. Paper scale runs
only on a cluster, so a dry run is how its parameters get checked here."""
from __future__ import annotations

import dataclasses
import importlib
import json
import re
import shlex

import pytest

from tests.workflow.helpers import snakemake

COMMAND = re.compile(r"python -m (scripts\.[\w.]+) (.*?)(?= && | > |$)")


def _calls(out: str) -> list[tuple[str, dict]]:
    calls = []
    for module, rest in COMMAND.findall(out):
        argv = shlex.split(rest)
        if "--params" in argv:
            calls.append((module, json.loads(argv[argv.index("--params") + 1])))
    return calls


@pytest.mark.parametrize("scale", ["smoke", "laptop", "paper"])
def test_every_job_params_fit_the_step_dataclass(scale, tmp_path):
    from scripts.common.cli import step_params

    proc = snakemake("-n", "-p", "--forceall", "--cores", "2", "figures/all", "--config", f"scale={scale}",
                     "-d", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    calls = _calls(proc.stdout)
    assert len(calls) > 50  # the dry run's commands were found
    checked = set()
    for module, params in calls:
        step = importlib.import_module(module)
        cls = getattr(step, "Params", None)
        if cls is not None and dataclasses.is_dataclass(cls):
            step_params(cls, params, where=module)  # raises ParamsError naming the key
            checked.add(module)
    if scale == "paper":  # every step runs at paper scale; the typed ones were checked
        assert "scripts.lse.mbrl_fit" in checked
        # T-REX's ALE and MuJoCo steps (every one with --params runs at paper scale)
        assert {"scripts.trex." + m for m in (
            "train_demonstrator", "generate_rollouts", "make_pairs", "train_reward", "predict_returns",
            "train_policy", "eval_policy", "fig_mujoco", "claims")} <= checked
    if scale == "smoke":  # the MinAtar stand-in runs at smoke scale (its random-policy step too)
        assert "scripts.trex.eval_random" in checked
    # the cross experiment (rules/cross.smk) runs at every scale: its typed steps were checked
    assert {"scripts.cross.detector_data", "scripts.cross.select", "scripts.dsi.train_detector",
            "scripts.fdt.minatar_train"} <= checked
