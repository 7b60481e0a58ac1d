"""Damaged intermediates are caught by the steps that read them, with one line naming the file.

Each case writes a valid file with the workflow's own writer, checks that the step's reader
accepts it, damages it (header only, cut mid-line, cut mid-number, a row lost, a value missing,
a binary cut short or with a flipped byte) and checks that the reader now fails naming the file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from scripts.common.io import (DamagedFileError, read_csv_checked, read_json, save_npz, torch_save,
                               write_csv, write_json)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ------------------------------------------------------------------ damage

def header_only(path):
    with open(path) as f:
        head = f.readline()
    with open(path, "w") as f:
        f.write(head)


def cut_mid_line(path):
    data = open(path, "rb").read()
    last = data.rstrip(b"\n").rfind(b",")  # inside the last row, before its last field
    open(path, "wb").write(data[:last + 1])


def cut_mid_number(path):
    data = open(path, "rb").read().rstrip(b"\n")
    open(path, "wb").write(data[:-2])  # "0.8125" -> "0.81": still parses as a number


def drop_last_row(path):
    lines = open(path).read().splitlines(keepends=True)
    open(path, "w").write("".join(lines[:-1]))


def blank_last_value(path):
    """The last row loses its value (value, val_acc or return: columns that may not be empty)."""
    lines = open(path).read().splitlines()
    header = lines[0].split(",")
    col = next(header.index(c) for c in ("value", "val_acc", "return") if c in header)
    cells = lines[-1].split(",")
    cells[col] = ""
    lines[-1] = ",".join(cells)
    open(path, "w").write("\n".join(lines) + "\n")


def empty(path):
    open(path, "w").close()


def cut_binary(path):
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])


def flip_byte(path):
    data = bytearray(open(path, "rb").read())
    data[len(data) // 3] ^= 0xFF
    open(path, "wb").write(bytes(data))


def drop_key(path):
    obj = json.load(open(path))
    obj.pop(sorted(obj)[-1])
    json.dump(obj, open(path, "w"))


def cut_json(path):
    data = open(path).read()
    open(path, "w").write(data[: len(data) // 2])


# ------------------------------------------------------------------ valid files and their readers

def tidy_rows(paper, metrics, extra=None, n=3):
    rows = []
    for metric in metrics:
        for i in range(n):
            rows.append({"paper": paper, "experiment": "x", "method": "dsi", "env": "E", "seed": 0,
                         "step": 100 * (i + 1), "metric": metric, "value": 10.0 + i + 0.8125,
                         **(extra or {})})
    return pd.DataFrame(rows)


def make_dsi_eval(tmp):
    path = tmp / "results" / "eval" / "dqn" / "dsi" / "seed0.csv"
    write_csv(path, tidy_rows("dsi", ["test_return", "final_return"]))
    return path


def read_dsi_eval(path):
    from scripts.common.io import read_tidy
    return read_tidy([path], metrics=["final_return", "test_return"])


def make_fdt_eval(tmp):
    path = tmp / "results" / "eval" / "breakout" / "fdt_seed0.csv"
    write_csv(path, tidy_rows("fdt", ["online"], {"rtg": 90.0, "rtg_label": "90", "test_seed": 1,
                                                  "episode": 0}))
    return path


def read_fdt_eval(path):
    from scripts.fdt.tables import load_evals
    return load_evals([str(path)])


def make_irrl_metrics(tmp):
    run = tmp / "results" / "train" / "ram" / "lin_clip" / "official" / "seed0"
    write_csv(run / "metrics.csv", pd.DataFrame({"epoch": [0, 1, 2], "val_loss": [2.3, 1.1, 0.9],
                                                 "val_acc": [0.1, 0.6, 0.8125]}))
    write_json(run / "config.json", {"params": {"epochs": 2}, "seed": 0})
    return run / "metrics.csv"


def read_irrl_metrics(path):
    from scripts.irrl.summaries import load_runs
    return load_runs([str(path)])


def make_trex_meta(tmp):
    path = tmp / "demos.csv"
    write_csv(path, pd.DataFrame({"episode": [0, 1], "checkpoint": [5, 10], "ckpt_episode": [0, 0],
                                  "return": [1.5, 2.8125], "length": [100, 100]}))
    return path


def read_trex_meta(path):
    return read_csv_checked(path, columns=["episode", "checkpoint", "return"], no_na=True, rows=2)


def make_trex_npz(tmp):
    from scripts.trex.data import concat_episodes
    path = tmp / "trajs.npz"
    rng = np.random.default_rng(0)
    save_npz(path, **concat_episodes([rng.normal(size=(50, 17)), rng.normal(size=(40, 17))],
                                     "mujoco").arrays())
    return path


def read_trex_npz(path):
    from scripts.trex.data import Trajectories
    return Trajectories.load(str(path)).obs.sum()


def make_irrl_npz(tmp):
    path = tmp / "dataset.npz"
    rng = np.random.default_rng(0)
    save_npz(path, X_train=rng.random((40, 64)), y_train=rng.integers(0, 10, (40, 1)),
             X_test=rng.random((10, 64)), y_test=rng.integers(0, 10, (10, 1)))
    return path


def read_irrl_npz(path):
    from scripts.irrl.data import load_cluttered
    return load_cluttered(str(path), 0.25, 0)


def make_reward_pt(tmp):
    import torch
    path = tmp / "reward.pt"
    torch_save(path, {"spec": {"kind": "mujoco"}, "state_dict": {"w": torch.arange(4000.0)}})
    return path


def read_reward_pt(path):
    from scripts.trex.nets import load_torch
    return load_torch(str(path))


def make_irrl_pt(tmp):
    import torch
    path = tmp / "ckpt_e2.pt"
    torch_save(path, {"model": {"w": torch.arange(4000.0)}, "params": {}, "dynamic": False, "epoch": 2})
    return path


def read_irrl_pt(path):
    from scripts.irrl.data import torch_load
    return torch_load(str(path))


def make_dsi_json(tmp):
    path = tmp / "scores.json"
    block = {"f1_best_tol2": 80.0}
    write_json(path, {"dsi": block, "random_uniform": block, "random_all_ones": block,
                      "diagnostics": {"test_acc_clean": 0.9}})
    return path


def read_dsi_json(path):
    from scripts.dsi.table_gridworld import parse_runs
    return parse_runs([f"S:fixed:full:0:{path}"])


def make_lse_npz(tmp):
    path = tmp / "runs.npz"
    save_npz(path, lengths=np.ones((4, 10)), steps_to_threshold=np.arange(4.0),
             test_returns=np.random.default_rng(0).random((4, 500)), group=np.arange(4))
    return path


def read_lse_npz(path):
    from scripts.lse.fig5_9 import load_run_set
    return load_run_set(str(path))


CSV_DAMAGE = [header_only, cut_mid_line, cut_mid_number, empty, blank_last_value]
BIN_DAMAGE = [cut_binary, flip_byte, empty]
CASES = (
    [("dsi eval", make_dsi_eval, read_dsi_eval, d) for d in CSV_DAMAGE]
    + [("fdt eval", make_fdt_eval, read_fdt_eval, d) for d in CSV_DAMAGE]
    + [("irrl metrics", make_irrl_metrics, read_irrl_metrics, d) for d in CSV_DAMAGE + [drop_last_row]]
    + [("trex demo meta", make_trex_meta, read_trex_meta, d) for d in CSV_DAMAGE + [drop_last_row]]
    + [("trex trajectories npz", make_trex_npz, read_trex_npz, d) for d in BIN_DAMAGE]
    + [("irrl dataset npz", make_irrl_npz, read_irrl_npz, d) for d in BIN_DAMAGE]
    + [("lse run set npz", make_lse_npz, read_lse_npz, d) for d in BIN_DAMAGE]
    + [("trex reward pt", make_reward_pt, read_reward_pt, d) for d in BIN_DAMAGE]
    + [("irrl checkpoint pt", make_irrl_pt, read_irrl_pt, d) for d in BIN_DAMAGE]
    + [("dsi scores json", make_dsi_json, read_dsi_json, d) for d in [cut_json, empty, drop_key]]
)


@pytest.mark.parametrize("make,read,damage", [c[1:] for c in CASES],
                         ids=[f"{c[0]}-{c[3].__name__}" for c in CASES])
def test_damaged_file_fails_naming_the_file(tmp_path, make, read, damage):
    path = make(tmp_path)
    read(path)  # the intact file is accepted
    damage(path)
    with pytest.raises(DamagedFileError) as info:
        read(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert "\n" not in message


def test_at_least_40_damage_cases():
    assert len(CASES) >= 40


def test_json_missing_key_is_named(tmp_path):
    path = tmp_path / "best.json"
    write_json(path, {"model": []})
    with pytest.raises(DamagedFileError, match=r"best\.json: missing key\(s\) models"):
        read_json(path, keys=["models"])


def test_row_count_against_the_plan(tmp_path):
    path = make_irrl_metrics(tmp_path)
    json.dump({"params": {"epochs": 3}}, open(path.parent / "config.json", "w"))
    with pytest.raises(DamagedFileError, match=r"has 3 data rows, expected 4 \(epochs 0\.\.3"):
        read_irrl_metrics(path)


def _run_step(*args):
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_dsi_seaquest_table_step_stops_on_a_header_only_eval(tmp_path):
    """The issue's case: a header-only evaluation CSV used to drop the DSI row with rc 0."""
    good = make_dsi_eval(tmp_path)
    bad = tmp_path / "seed1.csv"
    write_csv(bad, tidy_rows("dsi", ["test_return", "final_return"]))
    header_only(bad)
    out = tmp_path / "figures"
    proc = _run_step("scripts.dsi.fig_seaquest", "--scale", "smoke", "--evals", str(good), str(bad),
                     "--fig", str(out / "f.pdf"), "--csv", str(out / "t.csv"), "--md", str(out / "t.md"))
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: damaged input: {bad}: has no data rows (header only)")
    assert "Traceback" not in proc.stderr
    assert not (out / "t.csv").exists()


def test_irrl_table_step_stops_on_metrics_cut_mid_number(tmp_path):
    path = make_irrl_metrics(tmp_path)
    cut_mid_number(path)
    proc = _run_step("scripts.irrl.plot_curves", "--metrics", str(path), "--scale", "smoke", "--model", "ram",
                     "--out", str(tmp_path / "c.pdf"))
    assert proc.returncode != 0
    assert f"error: damaged input: {path}: truncated" in proc.stderr
