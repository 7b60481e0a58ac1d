"""scripts.common.checkpoint: atomic saves with RNG states, resume equals uninterrupted,
SIGTERM -> checkpoint and exit 143, and a killed process that resumes from its checkpoint."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from scripts.common import checkpoint as ck

pytestmark = pytest.mark.old_torch  # plain torch + numpy: also runs under Debian's torch 1.13

REPO = Path(__file__).resolve().parents[2]
TOY = REPO / "tests" / "workflow" / "preempt" / "train_toy.py"


def _draws(gen: np.random.Generator):
    return (random.random(), float(np.random.rand()), float(torch.rand(1)), float(gen.random()))


def test_roundtrip_restores_every_rng(tmp_path):
    gen = np.random.default_rng(3)
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    ck.save_checkpoint(tmp_path / "c.pt", {"step": 7, "w": torch.arange(3)}, {"g": gen})
    first = _draws(gen)
    state = ck.load_checkpoint(tmp_path / "c.pt", {"g": gen})
    assert state["step"] == 7 and torch.equal(state["w"], torch.arange(3))
    assert ck.RNG_KEY not in state
    assert _draws(gen) == first


def test_missing_checkpoint_and_bad_arguments(tmp_path):
    assert ck.load_checkpoint(tmp_path / "none.pt") is None
    with pytest.raises(ValueError):
        ck.Checkpointer(tmp_path / "c.pt", every=0)
    ck.save_checkpoint(tmp_path / "c.pt", {"step": 1})
    with pytest.raises(KeyError, match="'g'"):
        ck.load_checkpoint(tmp_path / "c.pt", {"g": np.random.default_rng(0)})


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    ck.save_checkpoint(path, {"step": 1})

    def broken(obj, f, *a, **k):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError):
        ck.save_checkpoint(path, {"step": 2})
    monkeypatch.undo()
    assert ck.load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temp file left behind


def _train(path: Path, total: int, stop_at: int | None = None):
    """SGD on a fixed problem with fresh noise each step; optionally 'preempted' at stop_at."""
    torch.manual_seed(0)
    np.random.seed(0)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    c = ck.Checkpointer(path, every=4, log=lambda m: None)
    state = c.load()
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start = state["step"]
    for step in range(start, total):
        x = torch.randn(8, 3)
        y = x.sum(1, keepdim=True) + float(np.random.normal())
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if stop_at is not None and step + 1 == stop_at:
            c.request_stop(signal.SIGTERM)
        c.step(step + 1, lambda: {"step": step + 1, "model": model.state_dict(),
                                  "opt": opt.state_dict()})
    return model.weight.detach().clone(), c.resumed_step


def test_stop_request_saves_exits_143_and_resume_matches(tmp_path):
    reference, _ = _train(tmp_path / "ref.pt", 10)
    with pytest.raises(SystemExit) as stopped:
        _train(tmp_path / "c.pt", 10, stop_at=6)  # 6 is between two periodic saves (4, 8)
    assert stopped.value.code == ck.EXIT_PREEMPTED == 143
    assert ck.load_checkpoint(tmp_path / "c.pt", restore_rng=False)["step"] == 6
    resumed, resumed_step = _train(tmp_path / "c.pt", 10)
    assert resumed_step == 6
    assert torch.equal(resumed, reference)


def test_preemptible_installs_and_restores_handlers(tmp_path):
    c = ck.Checkpointer(tmp_path / "c.pt", every=1)
    before = signal.getsignal(signal.SIGTERM)
    with c.preemptible():
        signal.raise_signal(signal.SIGUSR1)
        assert c.stop_signal == signal.SIGUSR1
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_kill_and_restart_resumes(tmp_path):
    """A real process gets SIGTERM mid-training (as SLURM does before preempting), saves,
    exits 143; started again it resumes and ends exactly like an uninterrupted run."""
    ref, out = tmp_path / "ref" / "model.json", tmp_path / "run" / "model.json"
    subprocess.run([sys.executable, str(TOY), "--out", str(ref), "--steps", "30"], check=True,
                   capture_output=True)
    cmd = [sys.executable, str(TOY), "--out", str(out), "--steps", "30", "--every", "7"]
    proc = subprocess.Popen(cmd + ["--sleep", "0.2"], stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (out.parent / "checkpoint.pt").exists():  # first periodic save at step 7
        assert proc.poll() is None and time.monotonic() - t0 < 120, proc.stderr.read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, err
    assert "SIGTERM: saved checkpoint" in err and not out.exists()
    stopped_at = ck.load_checkpoint(out.parent / "checkpoint.pt", restore_rng=False)["step"]
    assert 7 <= stopped_at < 30
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "resuming from checkpoint" in done.stderr
    result, expected = json.loads(out.read_text()), json.loads(ref.read_text())
    assert result["starts"] == [0, stopped_at]
    assert result["weight"] == expected["weight"] and result["bias"] == expected["bias"]


def test_fingerprint_follows_settings_and_input_bytes(tmp_path):
    data = tmp_path / "data.npz"
    data.write_bytes(b"abc")
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("1")
    base = ck.fingerprint({"lr": 0.1, "seed": 1}, [data, folder])
    assert base == ck.fingerprint({"seed": 1, "lr": 0.1}, [str(data), str(folder)])  # key order
    assert len(base) == 64
    assert ck.fingerprint({"lr": 0.5, "seed": 1}, [data, folder]) != base
    assert ck.fingerprint({"lr": 0.1, "seed": 2}, [data, folder]) != base
    data.write_bytes(b"abd")
    assert ck.fingerprint({"lr": 0.1, "seed": 1}, [data, folder]) != base
    data.write_bytes(b"abc")
    (folder / "sub" / "a.txt").write_text("2")
    assert ck.fingerprint({"lr": 0.1, "seed": 1}, [data, folder]) != base
    (folder / "sub" / "a.txt").write_text("1")
    assert ck.fingerprint({"lr": 0.1, "seed": 1}, [data, folder]) == base
    # an absent optional input is not the same as a present one
    assert ck.fingerprint({}, [None]) == ck.fingerprint({}, [tmp_path / "missing"])
    assert ck.fingerprint({}, [None]) != ck.fingerprint({}, [data])
    # the known value of the settings-only case: sha256 of the sorted compact JSON
    import hashlib
    assert ck.fingerprint({"b": [1, 2], "a": "x"}) == hashlib.sha256(
        b'{"a": "x", "b": [1, 2]}').hexdigest()


def test_args_fingerprint_ignores_threads_only():
    import argparse
    a = argparse.Namespace(params={"lr": 1}, seed=0, threads=1, out="m.pt")
    assert ck.args_fingerprint(a) == ck.args_fingerprint(argparse.Namespace(**dict(vars(a), threads=8)))
    assert ck.args_fingerprint(a) != ck.args_fingerprint(argparse.Namespace(**dict(vars(a), seed=1)))
    assert ck.args_fingerprint(a) != ck.args_fingerprint(
        argparse.Namespace(**dict(vars(a), params={"lr": 2})))


def test_stale_checkpoint_is_deleted_and_logged(tmp_path):
    path, said = tmp_path / "c.pt", []
    ck.save_checkpoint(path, {"step": 5}, fingerprint="a" * 64)
    assert ck.load_checkpoint(path, fingerprint="a" * 64, log=said.append)["step"] == 5
    assert said == [] and path.exists()
    assert ck.load_checkpoint(path, fingerprint="b" * 64, log=said.append) is None
    assert not path.exists()
    assert len(said) == 1 and "other settings or inputs" in said[0] and "starting fresh" in said[0]
    # a checkpoint written without a fingerprint (older code) is stale for a fingerprinted run
    ck.save_checkpoint(path, {"step": 5})
    assert ck.load_checkpoint(path, fingerprint="a" * 64, log=said.append) is None
    assert not path.exists()
    # the Checkpointer passes its fingerprint through, and remove() ends the run's checkpoint
    c = ck.Checkpointer(path, every=1, fingerprint="c" * 64, log=said.append)
    c.save({"step": 2})
    assert ck.Checkpointer(path, every=1, fingerprint="c" * 64, log=said.append).load()["step"] == 2
    assert ck.Checkpointer(path, every=1, fingerprint="d" * 64, log=said.append).load() is None
    c.save({"step": 3})
    c.remove()
    assert not path.exists()
    c.remove()   # no checkpoint: nothing to do


def test_torch_load_shim(tmp_path):
    torch.save({"w": torch.arange(3), "n": np.float64(2.5)}, tmp_path / "f.pt")
    blob = ck.torch_load(tmp_path / "f.pt")
    assert torch.equal(blob["w"], torch.arange(3)) and blob["n"] == 2.5
    torch.save({"w": torch.arange(3)}, tmp_path / "g.pt")
    assert torch.equal(ck.torch_load(tmp_path / "g.pt", weights_only=True)["w"], torch.arange(3))


def _square(x):
    return {"x": x, "y": x * x}


def test_resumable_map_computes_only_missing_results(tmp_path):
    path, calls = tmp_path / "m.pt", []

    def fn(x):
        calls.append(x)
        if x == 3 and len(calls) == 4:
            raise KeyboardInterrupt("killed mid-way")
        return _square(x)

    with pytest.raises(KeyboardInterrupt):
        ck.resumable_map(fn, [0, 1, 2, 3, 4], path, "f" * 64, log=lambda m: None)
    assert sorted(ck.load_checkpoint(path, restore_rng=False)["results"]) == [0, 1, 2]
    said = []
    out = ck.resumable_map(fn, [0, 1, 2, 3, 4], path, "f" * 64, log=said.append)
    assert out == [_square(x) for x in range(5)]
    assert calls == [0, 1, 2, 3, 3, 4]                      # 0-2 were not computed again
    assert "3 of 5 tasks done" in said[0]
    # other settings: everything again
    calls.clear()
    assert ck.resumable_map(fn, [0, 1], path, "e" * 64, log=said.append) == [_square(0), _square(1)]
    assert calls == [0, 1] and "starting fresh" in said[-1]
