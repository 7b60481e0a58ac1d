"""Checks across fields that a JSON schema cannot express (one value bounded by another, a name
that must be defined elsewhere). Each check takes a paper's resolved block at one scale and
returns ``(key, problem)`` pairs; :func:`scripts.common.config.validate_papers` runs them after the
schema, and the error names the key as ``<paper>.<scale>.<key>``."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Tuple

Problem = Tuple[str, str]


def _ranges(block: Mapping[str, Any], where: str) -> List[Problem]:
    """``first <= last`` of a checkpoint range (and of every stage of an env block)."""
    out = []
    for name, rng in [(f"stages.{k}", v) for k, v in (block.get("stages") or {}).items()] + (
            [("heldout", block["heldout"])] if "heldout" in block else []):
        if isinstance(rng, Mapping) and rng.get("first", 0) > rng.get("last", 0):
            out.append((f"{where}.{name}", f"first ({rng['first']}) is after last ({rng['last']})"))
    return out


def check_trex(p: Mapping[str, Any]) -> List[Problem]:
    out: List[Problem] = []
    envs = p.get("envs") or {}
    for env, block in envs.items():
        out += _ranges(block, f"envs.{env}")
    ra = p.get("reward_atari") or {}
    if ra.get("min_len", 0) > ra.get("max_len", float("inf")):
        out.append(("reward_atari.min_len", f"{ra['min_len']} is above max_len ({ra['max_len']})"))
    for group in ("mujoco_envs", "atari_envs", "control_envs"):
        for env in p.get(group, []):
            if env not in envs:
                out.append((group, f"'{env}' has no block under envs"))
    for env in p.get("control_envs", []):
        if env not in p.get("mujoco_envs", []):
            out.append(("control_envs", f"'{env}' is not among mujoco_envs "
                                        f"({', '.join(p.get('mujoco_envs', [])) or 'none'})"))
    atari = p.get("atari_envs", [])
    if atari and p.get("attention_env") not in atari:
        out.append(("attention_env", f"'{p.get('attention_env')}' is not among the Atari games "
                                     f"({', '.join(atari)})"))
    mujoco = p.get("mujoco_envs", [])
    if mujoco:
        defined = {s for e in mujoco for s in (envs.get(e, {}).get("stages") or {})}
        for stage in p.get("mujoco_stages", []):
            if stage not in defined:
                out.append(("mujoco_stages", f"'{stage}' is defined by none of {', '.join(mujoco)}"))
    n_seeds = len(p.get("seeds", []))
    for key in ("atari_rl_seeds", "control_seeds"):
        if key in p and p[key] > n_seeds:
            out.append((key, f"{p[key]} is more than the {n_seeds} seeds"))
    noise = p.get("noise") or {}
    if noise.get("enabled"):
        env = noise.get("env")
        if env not in envs:
            out.append(("noise.env", f"'{env}' has no block under envs"))
        elif noise.get("stage") not in (envs[env].get("stages") or {}):
            out.append(("noise.stage", f"'{noise.get('stage')}' is not a stage of envs.{env}"))
    out += _check_trex_minatar(p.get("minatar") or {}, n_seeds)
    return out


def _check_trex_minatar(m: Mapping[str, Any], n_seeds: int) -> List[Problem]:
    """The MinAtar stand-in (rules/trex_minatar.smk): ranges, snippet lengths, seed counts,
    held-out checkpoints beyond the demos and within the demonstrator's run."""
    if not m:
        return []
    out = _ranges(m, "minatar")
    rw = m.get("reward") or {}
    if rw.get("min_len", 0) > rw.get("max_len", float("inf")):
        out.append(("minatar.reward.min_len", f"{rw['min_len']} is above max_len ({rw['max_len']})"))
    for key in ("rl_seeds", "control_seeds"):
        if m.get(key, 0) > n_seeds:
            out.append((f"minatar.{key}", f"{m[key]} is more than the {n_seeds} seeds"))
    games = m.get("games") or []
    if games and m.get("attention_game") not in games:
        out.append(("minatar.attention_game", f"'{m.get('attention_game')}' is not among the MinAtar games "
                                              f"({', '.join(games)})"))
    updates = (m.get("demonstrator") or {}).get("updates", 0)
    last_demo = max([r.get("last", 0) for r in (m.get("stages") or {}).values()] or [0])
    held = m.get("heldout") or {}
    if held and held.get("first", 0) <= last_demo:
        out.append(("minatar.heldout.first", f"{held['first']} is not after the last demo checkpoint ({last_demo})"))
    if held and held.get("last", 0) > updates:
        out.append(("minatar.heldout.last", f"{held['last']} is beyond the demonstrator's {updates} updates"))
    return out


def check_irrl(p: Mapping[str, Any]) -> List[Problem]:
    out: List[Problem] = []
    ram = p.get("ram") or {}
    epochs = ram.get("epochs", 0)
    late = [e for e in ram.get("save_epochs", []) if e > epochs]
    if late:
        out.append(("ram.save_epochs", f"{', '.join(map(str, late))} beyond the {epochs} epochs"))
    saved = set(ram.get("save_epochs", [])) | {epochs}
    ex = p.get("experiments") or {}
    if "oracle_epoch" in ex and ex["oracle_epoch"] not in saved:
        out.append(("experiments.oracle_epoch", f"{ex['oracle_epoch']} is not a saved epoch "
                                                f"(ram.save_epochs and ram.epochs: {sorted(saved)})"))
    missing = [e for e in ex.get("noise_epochs", []) if e not in saved]
    if missing:
        out.append(("experiments.noise_epochs", f"{', '.join(map(str, missing))} not saved epochs "
                                                f"(ram.save_epochs and ram.epochs: {sorted(saved)})"))
    sk = p.get("skills") or {}
    for env in sk.get("envs", []):
        if env not in (sk.get("env_settings") or {}):
            out.append(("skills.envs", f"'{env}' has no block under skills.env_settings"))
    return out


def check_fdt(p: Mapping[str, Any]) -> List[Problem]:
    out: List[Problem] = []
    extra = [s for s in p.get("table4_seeds", []) if s not in p.get("seeds", [])]
    if extra:
        out.append(("table4_seeds", f"{', '.join(map(str, extra))} not among the seeds"))
    return out


def check_dsi(p: Mapping[str, Any]) -> List[Problem]:
    gw = p.get("gridworld") or {}
    if "ablation_recipe" in gw and gw["ablation_recipe"] not in gw.get("recipes", []):
        return [("gridworld.ablation_recipe", f"'{gw['ablation_recipe']}' is not among the recipes "
                                              f"({', '.join(gw.get('recipes', []))})")]
    return []


CHECKS: Dict[str, Callable[[Mapping[str, Any]], List[Problem]]] = {
    "trex": check_trex,
    "irrl": check_irrl,
    "fdt": check_fdt,
    "dsi": check_dsi,
}


def cross_field_problems(paper: str, resolved: Mapping[str, Any]) -> List[Problem]:
    check = CHECKS.get(paper)
    return check(resolved) if check else []
