"""Fitness of NES candidates: fresh agents trained on the proxy, scored on the real env.

``evaluate_chunk(spec, thetas, seeds)`` scores a list of candidates in one process, batching
them into one population tensor program (fixed-HP SE and RN runs; varied-HP DDQN runs too, their
members of one depth padded in buckets to a shared width and batch: agents.varied_ddqn);
``PopulationEvaluator`` spreads the candidates of an iteration over a process pool of the
job's threads. No files are exchanged (the original's master/worker swapped .pt files).
Valid on Python 3.8 and torch 1.7.
"""
from __future__ import annotations

import multiprocessing as mp
from typing import Dict, List, Sequence

import numpy as np

from scripts.lse import gridworlds, tabular
from scripts.lse.agents import DDQN, TD3, vary_hps, varied_ddqn
from scripts.lse.models import (MAX_STEPS, RealBatch, SEBatch, SyntheticEnvNet, env_spaces, make_rn,
                                tabular_reward_table)
from scripts.lse.runner import Runner, se_protocol


def grid_spec(env: str):
    if env == "cliff":
        tables = gridworlds.cliff_tables()
        start = gridworlds.CLIFF_START[0] * gridworlds.CLIFF_COLS + gridworlds.CLIFF_START[1]
        return tables, start, gridworlds.CLIFF_MAX_STEPS
    return gridworlds.room_tables(), 0, 10


def tabulate_se(theta: np.ndarray, net: Dict, n_states: int):
    """A discrete SE (one-hot state in, state logits out) as tables; next state = argmax."""
    se = SyntheticEnvNet(1, n_states, 4, net, seeds=[0])
    se.set_flat(theta)
    import torch

    with torch.no_grad():
        s = torch.eye(n_states).repeat_interleave(4, 0).unsqueeze(0)
        a = torch.arange(4).repeat(n_states).unsqueeze(0)
        x = torch.cat([torch.nn.functional.one_hot(a, 4).float(), s], 2)
        nxt = se.state_net(x)[0].argmax(-1).numpy().reshape(n_states, 4)
        rew = se.reward_net(x)[0, :, 0].double().numpy().reshape(n_states, 4)
        done = (se.done_net(x)[0, :, 0] > 0.5).numpy().reshape(n_states, 4)
    return nxt, rew, done


def make_agent(kind: str, pop: int, obs_dim: int, n_act: int, hp: Dict, seeds: Sequence[int],
               max_action: float = 1.0):
    if kind == "ddqn":
        return DDQN(pop, obs_dim, n_act, hp, seeds)
    if kind == "duelingddqn":
        return DDQN(pop, obs_dim, n_act, hp, seeds, dueling=True)
    if kind == "td3discrete":
        return TD3(pop, obs_dim, n_act, hp, seeds, discrete=True)
    if kind == "td3":
        return TD3(pop, obs_dim, n_act, hp, seeds, discrete=False, max_action=max_action)
    raise ValueError(f"agent '{kind}' unknown")


def record_transitions(env, net, psi, agent_kind, agent_hp, inner, vary, n_agents, seed):
    """Transitions of ``n_agents`` fresh agents (agent ``k`` seeded ``seed * 1000 + k``, its HPs
    varied when ``vary``), each trained on the SE ``psi`` and tested on the real env ("se"
    protocol): ``{"train": SE transitions, "test": real-env transitions}``."""
    obs_dim, n_act, _, _ = env_spaces(env)
    rows = {"train": [], "test": []}
    for k in range(n_agents):
        s = seed * 1000 + k
        hp = vary_hps(agent_hp, np.random.default_rng(s), agent_kind) if vary else agent_hp
        se = SyntheticEnvNet(1, obs_dim, n_act, net, [s])
        se.set_flat(psi)
        agent = make_agent(agent_kind, 1, obs_dim, n_act, hp, [s])
        cap = inner.get("episode_cap")
        runner = Runner(agent, SEBatch(se, env, [s], MAX_STEPS[env], cap),
                        RealBatch(env, [s + 17], max_steps=cap), record=True, **se_protocol(inner))
        runner.run()
        for part in rows:
            rows[part] += runner.transitions[part]
    return rows


def _tabular_scores(spec: Dict, thetas: np.ndarray, seeds: Sequence[int]) -> List[float]:
    tables, start, max_steps = grid_spec(spec["env"])
    hp, inner = spec["agent"], spec["inner"]
    out = []
    for theta, seed in zip(thetas, seeds):
        kw = dict(algo=hp.get("algo", "ql"), alpha=hp["alpha"], gamma=hp["gamma"], eps=hp["eps"],
                  episodes=inner["train_episodes"], solved=spec["solved"],
                  early_out_num=inner["early_out_num"], seed=int(seed))
        if spec["kind"] == "rn_tabular":
            R = tabular_reward_table(spec["mode"], theta, spec["net"], tables[0], tables[1], hp["gamma"])
            res = tabular.run_tabular(tables, tables, start, max_steps, protocol="threshold",
                                      agent_reward=R, unsolved_weight=spec["unsolved_weight"], **kw)
        else:  # se_tabular
            syn = tabulate_se(theta, spec["net"], tables[0].shape[0])
            res = tabular.run_tabular(syn, tables, start, max_steps, protocol="se",
                                      test_episodes=inner["test_episodes"],
                                      early_out_diff=inner["early_out_diff"], **kw)
        out.append(res["fitness"])
    return out


def _deep_scores(spec: Dict, thetas: np.ndarray, seeds: Sequence[int]) -> List[float]:
    env, inner = spec["env"], spec["inner"]
    obs_dim, n_act, discrete, max_action = env_spaces(env)
    P = len(seeds)
    seeds = [int(s) for s in seeds]
    varied = bool(spec.get("vary_hp"))
    if varied and (spec["agent_kind"] != "ddqn" or P == 1):  # one member at a time
        if P > 1:
            return [x for theta, seed in zip(thetas, seeds) for x in _deep_scores(spec, theta[None], [seed])]
        varied, spec = False, dict(spec, vary_hp=False,
                                   agent=vary_hps(spec["agent"], np.random.default_rng(seeds[0]), spec["agent_kind"]))
    import torch

    torch.manual_seed(seeds[0])
    if varied:  # each member draws its HPs from its seed; batched by depth (agents.varied_ddqn)
        hps = [vary_hps(spec["agent"], np.random.default_rng(s), "ddqn") for s in seeds]
        agent = varied_ddqn(obs_dim, n_act, hps, seeds)
    else:
        agent = make_agent(spec["agent_kind"], P, obs_dim, n_act, spec["agent"], seeds, max_action)
    cap = inner.get("episode_cap")
    test_env = RealBatch(env, [s + 17 for s in seeds], spec["agent"].get("action_repeat", 1),
                         max_steps=cap)
    if spec["kind"] == "se":
        se = SyntheticEnvNet(P, obs_dim, n_act, spec["net"], seeds)
        se.set_flat(thetas)
        train_env = SEBatch(se, env, seeds, MAX_STEPS[env], cap)
        runner = Runner(agent, train_env, test_env, **se_protocol(inner))
    else:  # rn
        mode = spec["mode"]
        rn = make_rn(mode, P, obs_dim, len(spec.get("info_keys", [])), spec["net"], seeds)
        rn.set_flat(thetas)
        train_env = RealBatch(env, seeds, spec["agent"].get("action_repeat", 1), mode, rn,
                              spec["agent"]["gamma"], spec.get("info_keys", []), max_steps=cap)
        runner = Runner(agent, train_env, test_env, protocol="threshold",
                        episodes=inner["train_episodes"], solved=spec["solved"],
                        early_out_num=inner["early_out_num"],
                        unsolved_weight=spec["unsolved_weight"],
                        max_total_steps=inner.get("max_total_steps"))
    return [r["fitness"] for r in runner.run()]


def evaluate_chunk(spec: Dict, thetas: np.ndarray, seeds: Sequence[int]) -> List[float]:
    from scripts.common.seeding import set_threads

    set_threads(1)
    if len(seeds) == 0:
        return []
    if spec["kind"] in ("rn_tabular", "se_tabular"):
        return _tabular_scores(spec, thetas, seeds)
    if spec.get("one_by_one"):
        out = []
        for theta, seed in zip(thetas, seeds):
            out += _deep_scores(spec, theta[None], [seed])
        return out
    return _deep_scores(spec, np.asarray(thetas), seeds)


class PopulationEvaluator:
    """Score candidates over a pool of ``workers`` processes (contiguous chunks, batched inside)."""

    def __init__(self, spec: Dict, workers: int = 1):
        self.spec, self.workers = spec, max(1, int(workers))
        self.pool = None
        if self.workers > 1:
            self.pool = mp.get_context("spawn").Pool(self.workers)

    def __call__(self, thetas: np.ndarray, seeds: List[int]) -> np.ndarray:
        if self.pool is None:
            return np.asarray(evaluate_chunk(self.spec, thetas, seeds))
        chunks = np.array_split(np.arange(len(seeds)), self.workers)
        jobs = [(self.spec, thetas[c], [seeds[i] for i in c]) for c in chunks]
        parts = self.pool.starmap(evaluate_chunk, jobs)
        return np.asarray([x for p in parts for x in p])

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None
