"""Score held-out GridWorld episodes with a trained detector (rule dsi_score_gridworld).

Writes every episode's per-frame scores and the metrics: F1@1/2/3 as the paper computes it (best
of 11 thresholds on the test episodes, the original per-move labels and alignment), F1 at the
threshold chosen on the validation episodes, AP and AUROC (frame-aligned labels), and the same
for the two random baselines on the same episodes (uniform scores, all ones). Diagnostics: G's
accuracy on clean, masked and reversed inputs of the data's test split, mask mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.common import cli
from scripts.common.io import save_npz, torch_load, write_json
from scripts.common.progress import get_logger
from scripts.common.seeding import device as pick_device
from scripts.dsi import metrics as M
from scripts.dsi.gen_gridworld_eval import load_eval
from scripts.dsi.train_gridworld import Params as TrainParams
from scripts.dsi.trainer import EpisodeSet, build_nets, evaluate_split, score_episodes


@dataclass(frozen=True)
class Params(TrainParams):
    """Settings of rule dsi_score_gridworld: the training step's (dsi.train_gridworld.Params),
    with batch_size set to eval_batch_size. The nets are rebuilt from them (build_nets: init,
    instance_norm, out_dim, max_length, pooling, hidden) and G's diagnostics computed with them
    (evaluate_split: task, batch_size, max_length), from the same dict. Not read by this step,
    passed with its config block: reverse, weight_decay, iterative, mask_sampling,
    concrete_temperature, compact_mode, loss_weights, epochs, lr_d, lr_g, warmup_epochs,
    eval_batch_size, negatives, name."""


def metric_block(scores, labels, official, split) -> dict:
    val = [i for i, s in enumerate(split) if s == 0]
    test = [i for i, s in enumerate(split) if s == 1]
    off_scores = [scores[i][:len(official[i])] for i in range(len(scores))]
    res = M.evaluate([off_scores[i] for i in test], [official[i] for i in test],
                     [off_scores[i] for i in val], [official[i] for i in val])
    # AP / AUROC on frame-aligned labels (the original alignment shifts the second segment)
    res["ap"] = M.average_precision([scores[i] for i in test], [labels[i] for i in test])
    res["auroc"] = M.auroc([scores[i] for i in test], [labels[i] for i in test])
    # the same with scores dilated over +-1 frame (credits a one-frame offset, as F1@tol does)
    wide = M.dilate([scores[i] for i in test], 1)
    res["ap_tol1"] = M.average_precision(wide, [labels[i] for i in test])
    res["auroc_tol1"] = M.auroc(wide, [labels[i] for i in test])
    res["ap_official"] = M.average_precision([off_scores[i] for i in test],
                                             [official[i] for i in test])
    aligned = M.evaluate([scores[i] for i in test], [labels[i] for i in test],
                         [scores[i] for i in val], [labels[i] for i in val])
    for k, v in aligned.items():
        if k.startswith("f1_"):
            res[f"aligned_{k}"] = v
    res["base_rate"] = float(np.mean(np.concatenate([labels[i] for i in test])))
    return res


def main() -> None:
    ap = cli.parser(__doc__)
    ap.add_argument("--detector", required=True)
    ap.add_argument("--predictor", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--test-split", required=True)
    ap.add_argument("--scores", required=True)
    ap.add_argument("--diagnostics", required=True)
    args = ap.parse_args()
    cli.setup(args, config_beside=args.scores)
    log = get_logger("dsi.score_gridworld")
    cfg = args.params   # build_nets and evaluate_split read this dict
    cli.step_params(Params, cfg)
    dev = pick_device()
    d, g = build_nets(cfg, 3)
    d.load_state_dict(torch_load(args.detector, map_location=dev))
    g.load_state_dict(torch_load(args.predictor, map_location=dev))
    d.to(dev)
    g.to(dev)
    eps, labels, official, split, kind = load_eval(args.eval)
    scores = score_episodes(d, eps, dev)
    res = {"dsi": metric_block(scores, labels, official, split)}
    rng = np.random.default_rng(args.seed)
    res["random_uniform"] = metric_block([rng.random(len(e)) for e in eps], labels, official,
                                         split)
    res["random_all_ones"] = metric_block([np.ones(len(e)) for e in eps], labels, official, split)
    diag = evaluate_split(d, g, EpisodeSet.load(args.test_split), cfg, dev,
                          np.random.default_rng(args.seed))
    res["diagnostics"] = diag
    lengths = np.array([len(s) for s in scores])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    save_npz(args.scores, scores=np.concatenate(scores).astype(np.float32), offsets=offsets,
             labels=np.concatenate(labels), split=split, kind=kind)
    write_json(args.diagnostics, res)
    log.info("DSI: %s", {k: round(v, 3) for k, v in res["dsi"].items()})
    log.info("uniform: F1@2 %.2f; diagnostics %s", res["random_uniform"]["f1_best_tol2"], diag)


if __name__ == "__main__":
    main()
