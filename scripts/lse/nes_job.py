"""Shared driver of one NES run as one job: resume from a checkpoint, log, save outputs.
Valid on Python 3.8 and torch 1.7."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import pandas as pd
import torch
import yaml

from scripts.common import checkpoint as ck
from scripts.common.io import torch_load, torch_save, write_csv, write_text
from scripts.lse import nes
from scripts.lse.inner import PopulationEvaluator


CHECKPOINT = "checkpoint.pkl"   # in the run's folder (torch.save, or pickle without torch)


def load_checkpoint(path: Path, fp: Optional[str] = None, log=None) -> Optional[Dict]:
    """The NES state saved at ``path`` (None if absent, or if saved under another fingerprint:
    then it is deleted, and ``log`` says so)."""
    state = ck.load_checkpoint(path, restore_rng=False, fingerprint=fp,
                               log=log.info if log is not None else None)
    if state is None:
        return None
    state.pop(ck.RNG_KEY, None)   # NES keeps its own generator state in the state itself
    for k in ("psi", "best_psi", "solved_psi"):
        if state.get(k) is not None:
            state[k] = np.asarray(state[k], dtype=float)
    return state


def run_job(spec: Dict, nes_cfg: Dict, psi0: np.ndarray, run_seed: int, out_dir: str,
            threads: int, log, solved: Optional[float] = None, checkpoint_every: int = 1) -> Dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ck_path = out / CHECKPOINT
    fp = ck.fingerprint({"spec": spec, "nes": nes_cfg, "psi0": np.asarray(psi0), "seed": run_seed,
                         "solved": solved})
    start = load_checkpoint(ck_path, fp, log)
    if start is not None:
        log.info("resuming from %s at iteration %d", ck_path, start["it"])

    def checkpoint(state: Dict) -> None:
        if state["it"] % checkpoint_every == 0:
            ck.save_checkpoint(ck_path, dict(state), fingerprint=fp)

    evaluator = PopulationEvaluator(spec, threads)
    t0 = time.time()
    try:
        state = nes.run_nes(psi0, nes_cfg, run_seed, evaluator, solved=solved, start=start,
                            checkpoint=checkpoint, log=log)
    finally:
        evaluator.close()
    log.info("NES run finished: %d iterations in %.1f s", state["it"], time.time() - t0)
    return state


def save_outputs(state: Dict, out_dir: str, config: Dict, *, se_semantics: bool) -> np.ndarray:
    """model.pt (flat Linear parameters; tensors only), log.csv, config.yaml. SE semantics: the
    first solved psi if any (the paper saved only solved SEs), else the best psi, flagged."""
    out = Path(out_dir)
    if se_semantics and state["solved_psi"] is not None:
        psi, solved = state["solved_psi"], True
    else:
        psi = state["best_psi"] if state["best_psi"] is not None else state["psi"]
        solved = state["solved_psi"] is not None
    model = {"psi": torch.as_tensor(np.asarray(psi, dtype=np.float32)),
             "solved": torch.tensor(bool(solved)),
             "solved_iteration": torch.tensor(-1 if state["solved_it"] is None else int(state["solved_it"])),
             "best_score": torch.tensor(float(state["best_score"]))}
    write_csv(out / "log.csv", pd.DataFrame(state["rows"]))
    write_text(out / "config.yaml", yaml.safe_dump(config, sort_keys=True))
    torch_save(out / "model.pt", model)
    ck.remove_checkpoint(out / CHECKPOINT)   # finished: a rerun trains again
    return psi


def load_model(path: str) -> Dict:
    m = torch_load(path, map_location=None, keys=["psi", "solved", "solved_iteration", "best_score"])
    cfg_path = Path(path).parent / "config.yaml"
    cfg = yaml.safe_load(cfg_path.read_text()) if cfg_path.exists() else {}
    return {"psi": m["psi"].double().numpy(), "solved": bool(m["solved"]),
            "solved_iteration": int(m["solved_iteration"]), "best_score": float(m["best_score"]),
            "config": cfg}
