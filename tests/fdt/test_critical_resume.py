"""FDT critical states, the real fdt.critical step on a small generated behaviour log: SIGKILL
right after its first checkpoint (in phase A, in phase B within a buffer, in phase B after a
buffer), rerun, and the outputs equal an uninterrupted run's; other settings start fresh."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scripts.common.io import save_npz, write_json
from scripts.fdt.replay import LAYOUT_KEYS

REPO = Path(__file__).resolve().parents[2]
N_BUF, EPISODES, LENGTHS = 3, 40, (12, 30)
PRM = {"return_transitions": 2100, "phase_b_first_buffer": 1, "min_samples": 0, "pairs": 1,
       "candidate_limit": 10 ** 6, "min_len": 5}


def _log(folder: Path) -> int:
    """Buffers of episodes whose frames come from a few templates, so cells recur; returns the
    number of training-set episodes (from the real fdt.trainset step)."""
    rng = np.random.default_rng(0)
    templates = rng.integers(0, 255, (4, 84, 84), dtype=np.uint8)
    folder.mkdir()
    for k in range(N_BUF):
        lengths = rng.integers(*LENGTHS, EPISODES)
        n = int(lengths.sum())
        terminal = np.zeros(n, np.uint8)
        terminal[np.cumsum(lengths) - 1] = 1
        terminal[-1] = 0   # the buffer ends in an unfinished episode
        buf = {"observation": templates[rng.integers(0, 4, n)],
               "action": rng.integers(0, 3, n).astype(np.int32),
               "reward": (rng.random(n) < 0.15).astype(np.float32),
               "raw_reward": np.full(n, np.nan, np.float32), "terminal": terminal,
               "lives": np.full(n, -1, np.int32), "padding": np.zeros(n, bool),
               "valid": np.ones(n, bool)}
        assert set(buf) == set(LAYOUT_KEYS)
        save_npz(folder / f"buffer_{k}.npz", **buf)
        np.save(folder / f"labels_{k}.npy", rng.integers(0, 2, n).astype(np.int64))
    write_json(folder / "manifest.json", {"source": "generated", "buffers": N_BUF})
    trainset = folder.parent / "trainset.npz"
    subprocess.run([sys.executable, "-m", "scripts.fdt.trainset", "--params",
                    json.dumps({"transitions": 400, "capacity": 10 ** 6,
                                "episodes_per_visit": 3, "min_len": 5}),
                    "--seed", "0", "--replay", str(folder), "--out", str(trainset)],
                   cwd=REPO, check=True, capture_output=True)
    labels = folder.parent / "labels"
    labels.mkdir()
    for k in range(N_BUF):
        (folder / f"labels_{k}.npy").rename(labels / f"buffer_{k}.npy")
    with np.load(trainset) as z:
        return int((z["episode_start"] == np.arange(len(z["action"]))).sum())


def _cmd(tmp: Path, out: Path, gamma: float = 0.99, **change):
    return [sys.executable, "-m", "scripts.fdt.critical", "--params",
            json.dumps(dict(PRM, **change)), "--seed", "0", "--game", "breakout",
            "--trainset", str(tmp / "trainset.npz"), "--replay", str(tmp / "replay"),
            "--labels", str(tmp / "labels"), "--gamma", str(gamma), "--ll=-1",
            "--sampling", "ap", "--budget", "60", "--out", str(out / "crit.npz")]


def _same(a: Path, b: Path) -> bool:
    with np.load(a / "crit.npz") as za, np.load(b / "crit.npz") as zb:
        arrays = za.files == zb.files and all(np.array_equal(za[k], zb[k]) for k in za.files)
    return arrays and (json.loads((a / "crit.json").read_text())
                       == json.loads((b / "crit.json").read_text()))


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fdt_log")
    episodes_a = _log(tmp / "replay")
    subprocess.run(_cmd(tmp, tmp / "full", checkpoint_every=10 ** 6), cwd=REPO, check=True,
                   capture_output=True)
    stats = json.loads((tmp / "full" / "crit.json").read_text())
    # the fixture exercises the selection: candidates, ranked cells, a phase-B read
    assert stats["important_cells"] > 3 and stats["pos"] > 0 and stats["neg"] > 0
    assert 2100 <= stats["return_transitions"] < 2200   # the budget ends phase B
    return tmp, episodes_a


@pytest.mark.parametrize("where", ["A", "B within a buffer", "B after a buffer"])
def test_fdt_critical_kill9_resume_equals_uninterrupted(log_dir, tmp_path, kill9, where):
    tmp, episodes_a = log_dir
    every = {"A": 1, "B within a buffer": episodes_a + 3, "B after a buffer": 10 ** 6}[where]
    out = tmp_path / "cut"
    ckpt = out / ".crit.npz.checkpoint.pt"
    rerun = kill9(_cmd(tmp, out, checkpoint_every=every), ckpt, cwd=REPO)
    assert f"resumed in phase {where[0]}" in rerun.stdout
    if where.startswith("B"):
        assert ("next episode 0," in rerun.stdout) == (where == "B after a buffer")
    assert _same(tmp / "full", out)
    assert not ckpt.exists()


def test_fdt_critical_other_settings_start_fresh_but_checkpoint_every_resumes(log_dir,
                                                                              tmp_path, kill9):
    tmp, _ = log_dir
    out = tmp_path / "cut"
    ckpt = out / ".crit.npz.checkpoint.pt"
    # how often it saves is not a setting of the result: a rerun with another interval resumes
    rerun = kill9(_cmd(tmp, out, checkpoint_every=1), ckpt, cwd=REPO)
    kill9.only(_cmd(tmp, out, checkpoint_every=1), ckpt, cwd=REPO)
    other_every = subprocess.run(_cmd(tmp, out, checkpoint_every=10 ** 6), cwd=REPO, check=True,
                                 capture_output=True, text=True)
    assert "resumed in phase A" in other_every.stdout + other_every.stderr
    assert _same(tmp / "full", out) and "resumed" in rerun.stdout
    # another discount after a kill: the checkpoint is discarded and the run starts fresh
    kill9.only(_cmd(tmp, out, checkpoint_every=1), ckpt, cwd=REPO)
    changed = subprocess.run(_cmd(tmp, out, gamma=0.9, checkpoint_every=1), cwd=REPO,
                             check=True, capture_output=True, text=True)
    text = changed.stdout + changed.stderr
    assert "starting fresh" in text and "resumed" not in text
    subprocess.run(_cmd(tmp, tmp_path / "fresh", gamma=0.9, checkpoint_every=10 ** 6), cwd=REPO,
                   check=True, capture_output=True)
    assert _same(tmp_path / "fresh", out) and not _same(tmp / "full", out)
    assert not ckpt.exists()
