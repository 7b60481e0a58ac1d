"""T-REX's steps read their --params through typed Params dataclasses (scripts.common.cli.step_params):
what the plans pass fits them, and a misspelt key stops a step with one line naming it."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from scripts.common.cli import step_params
from scripts.common.config import load_config, paper_seeds, resolve_paper
from scripts.trex.plan import make_plan
from scripts.trex.plan_minatar import MinAtarPlan

STEPS = {"demonstrator": "train_demonstrator", "rollouts": "generate_rollouts", "pairs": "make_pairs",
         "reward": "train_reward", "predict": "predict_returns", "policy": "train_policy",
         "eval": "eval_policy"}


@pytest.mark.parametrize("scale", ["smoke", "laptop", "paper"])
def test_every_plan_params_fit_their_step(scale):
    cfg = load_config()
    trex = resolve_paper(cfg, "trex", scale)
    seeds = paper_seeds(cfg, "trex", scale)
    p = make_plan(trex, scale, seeds)
    for env in p.cfg["envs"]:  # every configured env, ALE and MuJoCo alike
        for step, module in STEPS.items():
            cls = importlib.import_module(f"scripts.trex.{module}").Params
            step_params(cls, json.loads(p.params(step, env)), where=f"{module}/{env}")
    ma = MinAtarPlan(trex, scale, seeds)
    for method, module in [("demonstrator_params", "train_demonstrator"), ("rollout_params", "generate_rollouts"),
                           ("pairs_params", "make_pairs"), ("reward_params", "train_reward"),
                           ("predict_params", "predict_returns"), ("policy_params", "train_policy"),
                           ("eval_params", "eval_policy"), ("random_params", "eval_random")]:
        cls = importlib.import_module(f"scripts.trex.{module}").Params
        step_params(cls, json.loads(getattr(ma, method)()), where=module)
    from scripts.trex import claims, fig_mujoco
    step_params(claims.Params, json.loads(p.claims_params()))
    step_params(fig_mujoco.Params, json.loads(p.mujoco_stages_params()))


def test_paper_breakout_reward_settings_arrive_typed():
    cfg = load_config()
    p = make_plan(resolve_paper(cfg, "trex", "paper"), "paper", paper_seeds(cfg, "trex", "paper"))
    from scripts.trex import make_pairs, train_reward
    r = step_params(train_reward.Params, json.loads(p.params("reward", "breakout")))
    assert (r.lr, r.batch, r.epochs, r.iterations, r.weight_decay, r.device) == (5e-5, 1, 5, None, 0.0, "auto")
    s = step_params(make_pairs.Params, json.loads(p.params("pairs", "enduro")))
    assert (s.ckpt_every, s.stages, s.pairs.whole_demo_games, s.pairs.whole_demo_pairs) == (
        25, {"stage1": {"first": 3100, "last": 3650, "step": 50}}, ["enduro"], 2000)


def _run(module, params, *args):
    return subprocess.run([sys.executable, "-m", f"scripts.trex.{module}", "--params", json.dumps(params),
                           *args], capture_output=True, text=True)


def test_a_trex_step_refuses_a_misspelt_key_in_one_line(tmp_path):
    """train_reward with `weigth_decay`: the key is named, no traceback, exit status 1."""
    params = {"lr": 5e-5, "batch": 1, "epochs": 1, "ckpt_every": 10, "weigth_decay": 0.0}
    r = _run("train_reward", params, "--env", "breakout", "--demos", str(tmp_path / "d.npz"),
             "--pairs", str(tmp_path / "p.npz"), "--out-model", str(tmp_path / "r.pt"),
             "--out-log", str(tmp_path / "l.csv"), "--out-acc", str(tmp_path / "a.json"))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "error: bad --params: params: unknown key(s) weigth_decay (this step takes batch, center, channels,"
        " ckpt_every, device, epochs, hidden, init, iterations, l2, lr, members, valid_fraction, weight_decay)")
    assert "Traceback" not in r.stderr


def test_a_nested_misspelt_key_is_named_with_its_block(tmp_path):
    """train_policy with `rl.ctrl_coeff` (the authors' spelling) and a missing `env` key."""
    ppo = {"lr": 3e-4}
    r = _run("train_policy", {"env": {"max_episode_steps": 32}, "ppo": ppo,
                              "rl": {"total_steps": 64, "control_reward": 1.0, "ctrl_coeff": 0.1}},
             "--env", "halfcheetah", "--set", "control", "--out", str(tmp_path / "f.pt"),
             "--out-log", str(tmp_path / "l.csv"))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "error: bad --params: params.rl: unknown key(s) ctrl_coeff (this step takes control_reward,"
        " ctrl_coef, last_member_only, norm_obs, schedule_steps, total_steps)")
    r = _run("eval_policy", {"env": {"minatar": None}, "eval": {"episodes": 1, "deterministic": False}},
             "--env", "halfcheetah", "--set", "control", "--policy", str(tmp_path / "f.pt"),
             "--experiment", "mujoco", "--out", str(tmp_path / "e.csv"))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == "error: bad --params: params.env: missing key max_episode_steps"
