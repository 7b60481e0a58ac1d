"""Train one skill-discovery run (four rooms, one reward variant) and log effective skills.

Writes stats.csv (every ``eval_every`` iterations: effective skills, discriminator loss, mean
rewards of every variant, DISDAIN bonus), snap_{iter}.npz at the snapshot iterations (Q and
discriminator tables plus the terminal-state occupancy used by the occupancy figure: one
rollout per skill with epsilon 0.005, five per skill at iteration 0), and a resumable
checkpoint.npz.
"""
from __future__ import annotations

import json
import os
import time
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from scripts.common.cli import parser, setup, step_params
from scripts.common.checkpoint import args_fingerprint, remove_checkpoint
from scripts.common.io import save_npz, write_csv
from scripts.common.progress import get_logger
from scripts.irrl.params import TrainSkillsParams as Params
from scripts.irrl.skills import SkillLearner, config_for


def save_checkpoint(path: str, learner: SkillLearner, rows: list, fp: str = "") -> None:
    st = learner.state_dict()
    save_npz(path, q_skill=st["q_skill"], q_bonus=st["q_bonus"], disc=st["disc"],
             iteration=np.array(st["iteration"]), rng=np.array(json.dumps(st["rng"])),
             rows=np.array(json.dumps(rows)), fingerprint=np.array(fp))


def load_checkpoint(path: str, learner: SkillLearner, fp: str = "", log=None) -> list:
    """The rows so far, with ``learner`` restored; [] (and the file deleted) when there is no
    checkpoint or it was saved under another fingerprint of the settings."""
    if not os.path.exists(path):
        return []
    with np.load(path) as z:
        saved = str(z["fingerprint"]) if "fingerprint" in z.files else ""
    if saved != fp:
        if log is not None:
            log.info("checkpoint %s was made with other settings or inputs (fingerprint %s, this "
                     "run %s): deleting it and starting fresh", path, saved[:12] or None, fp[:12])
        os.remove(path)
        return []
    with np.load(path) as z:
        learner.load_state_dict({"q_skill": z["q_skill"], "q_bonus": z["q_bonus"],
                                 "disc": z["disc"], "iteration": int(z["iteration"]),
                                 "rng": json.loads(str(z["rng"]))})
        return json.loads(str(z["rows"]))


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser(__doc__.splitlines()[0], required=["--sreward", "--outdir"])
    args = p.parse_args(argv)
    setup(args, config_beside=args.outdir)
    prm = step_params(Params, args.params)
    log = get_logger("irrl.skills")
    cfg = config_for(prm, args.sreward)
    learner = SkillLearner(cfg, args.seed)
    ckpt = os.path.join(args.outdir, "checkpoint.npz")
    fp = args_fingerprint(args)
    rows = load_checkpoint(ckpt, learner, fp, log)
    if rows:
        log.info("resumed at iteration %d", learner.iteration)
    total = prm.iterations
    snaps = sorted(set(int(i) for i in prm.snapshot_iters if i <= total) | {0, total})
    log.info("%s: env %s, %d skills, %d iterations, config %s", args.sreward, cfg.env,
             cfg.n_skills, total, cfg)

    def checkpoint_hooks():
        it = learner.iteration
        if it % prm.eval_every == 0 and (not rows or rows[-1]["iteration"] < it):
            ev = learner.evaluate(prm.eval_per_skill)
            rows.append({"iteration": it, **ev, "seconds": time.time() - t0})
            log.info("iter %d: effective skills %.2f, disc loss %.3f", it, ev["effective_skills"],
                     ev["disc_loss"])
        if it in snaps:
            per = prm.occupancy_init_per_skill if it == 0 else prm.occupancy_per_skill
            occ = learner.occupancy(per)
            save_npz(os.path.join(args.outdir, f"snap_{it}.npz"), q_skill=learner.q_skill,
                     q_bonus=learner.q_bonus, disc=learner.disc, occupancy=occ,
                     walls=learner.grid.walls, iteration=np.array(it),
                     rollouts_per_skill=np.array(per))
        if it % prm.checkpoint_every == 0 and it > 0:
            save_checkpoint(ckpt, learner, rows, fp)

    t0 = time.time()
    checkpoint_hooks()
    while learner.iteration < total:
        learner.train_step()
        checkpoint_hooks()
    frame = pd.DataFrame(rows)
    frame.insert(0, "sreward", args.sreward)
    frame.insert(1, "seed", args.seed)
    write_csv(os.path.join(args.outdir, "stats.csv"), frame)
    remove_checkpoint(ckpt)   # finished: a rerun trains again
    log.info("done in %.1fs (%.3f ms/iteration)", time.time() - t0,
             1e3 * (time.time() - t0) / max(total, 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
