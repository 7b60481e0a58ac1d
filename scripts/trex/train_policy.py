"""PPO (tianshou) on the learned reward, or on a constant reward (set ``control``).

MuJoCo: reward = normalised ensemble reward of the raw observation returned by ``step``
(true ensemble mean; ``last_member_only`` reproduces the authors' code) minus
``ctrl_coef`` * |a|^2; the policy sees VectorEnvNormObs-normalised observations while the
reward is computed on raw ones inside each env. Atari: reward = sigmoid(r_hat(s)) on the
masked stack, episodes end at life loss (the sigmoid is a living bonus). The true reward
is never seen by the learner; it is logged per completed episode (train_log.csv).
The learning rate decays over ``schedule_steps`` (default ``total_steps``): a shorter run
follows the first part of the paper's schedule.
Output: final.pt (policy + observation statistics), train_log.csv; resumes from
checkpoint.pt in the same folder when its fingerprint (settings and reward file) matches, and
removes it once the outputs are written.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import pandas as pd

from scripts.common import cli
from scripts.common.checkpoint import args_fingerprint, remove_checkpoint
from scripts.common.io import torch_save, write_csv
from scripts.common.progress import get_logger
from scripts.trex import nets, rl, util
from scripts.trex.params import RunEnv


@dataclass(frozen=True)
class RL:
    """RL on the learned reward (config/trex.yaml ``rl_<kind>``, or ``minatar.rl``)."""

    total_steps: int  # agent steps of the run
    control_reward: float  # the constant reward of the control set
    ctrl_coef: Optional[float] = None  # reward -= ctrl_coef * |a|^2 (MuJoCo; None: 0)
    norm_obs: Optional[bool] = None  # policy on normalised observations (MuJoCo; None: True)
    last_member_only: Optional[bool] = None  # the authors' last-member reward (MuJoCo; None: False)
    schedule_steps: Optional[int] = None  # steps the learning rate decays over (None: total_steps)


@dataclass(frozen=True)
class Params:
    """Settings of rules trex_train_policy and trex_minatar_policy: how to make the env, PPO
    (``ppo_<kind>``, or ``minatar.ppo``) and the RL run (``rl_<kind>``, or ``minatar.rl``)."""

    env: RunEnv  # the episode cap and MinAtar settings
    ppo: Dict[str, Any]  # PPO settings as scripts.trex.rl.train_ppo reads them (kept in final.pt)
    rl: RL  # the run's length, the control's reward and the MuJoCo reward options


def main(argv=None) -> int:
    p = cli.parser(__doc__.splitlines()[0], required=["--env", "--set", "--out-log"])
    p.add_argument("--reward", default="", help="reward.pt (not for the control)")
    p.add_argument("--out", required=True, help="final.pt")
    args = p.parse_args(argv)
    cli.setup(args, config_beside=Path(args.out).parent)
    log = get_logger("trex.policy")
    prm, env = cli.step_params(Params, args.params), args.env
    spec_set = util.parse_set(args.set)
    kind = rl.env_kind(env)
    rlc = prm.rl
    ppo = dict(prm.ppo)
    ctrl = float(rlc.ctrl_coef or 0.0) if kind == "mujoco" else 0.0
    if spec_set["control"]:
        reward_fn_factory = lambda: rl.ConstantReward(float(rlc.control_reward))  # noqa: E731
    else:
        model, spec = nets.load_reward_model(args.reward)
        if kind in ("atari", "minatar"):
            reward_fn_factory = lambda: rl.AtariSigmoidReward(model)  # noqa: E731
        else:
            sd = {k: v for k, v in model.state_dict().items()}
            reward_fn_factory = lambda: rl.NumpyEnsembleReward(  # noqa: E731
                sd, spec["members"], bool(rlc.last_member_only))
    collect = ppo["n_envs"] * ppo["steps_per_env"]
    total_updates = max(1, int(round(int(rlc.total_steps) / collect)))
    epochs = max(1, -(-total_updates // int(ppo["epoch_updates"])))
    max_steps = prm.env.max_episode_steps
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    log.info("%s/%s seed %d: %d epochs x %d updates x %d steps", env, args.set, args.seed, epochs,
             ppo["epoch_updates"], collect)
    algo, obs_rms, rows, spec = rl.train_ppo(
        env=env, ppo=ppo, seed=args.seed, total_epochs=epochs, work_dir=out.parent,
        norm_obs=kind == "mujoco" and (rlc.norm_obs is None or bool(rlc.norm_obs)),
        make_train_env=lambda: rl.RewardSubstitution(
            rl.make_env(env, purpose="learned", max_episode_steps=max_steps,
                        minatar=prm.env.minatar),
            reward_fn_factory(), ctrl_coef=ctrl),
        extra_spec={"set": args.set, **({"minatar": prm.env.minatar} if prm.env.minatar else {})},
        fingerprint=args_fingerprint(args, inputs=[args.reward]),
        schedule_updates=max(total_updates, int(round(int(rlc.schedule_steps or 0) / collect))))
    write_csv(args.out_log, pd.DataFrame(rows))
    spec["env_steps"] = int(rows[-1]["env_step"]) if rows else 0
    torch_save(out, rl.policy_blob(algo, obs_rms, spec))
    remove_checkpoint(out.parent / rl.CHECKPOINT)   # finished: a rerun trains again
    return 0


if __name__ == "__main__":
    sys.exit(main())
