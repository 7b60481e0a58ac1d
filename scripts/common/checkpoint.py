"""Checkpoints that survive preemption: atomic saves with RNG states, and a stop signal.

A long training step keeps a checkpoint beside its output (``<output dir>/checkpoint.pt``)
and resumes from it when it is started again: after a laptop run was killed, after Snakemake
retried a job that hit its time limit, or after SLURM preempted and requeued it. A resumed run
ends with the same outputs as an uninterrupted one, because the checkpoint holds the random
states of python, numpy (global and any Generators the step passes) and torch (CPU and CUDA).

    ckpt = Checkpointer(out_dir / "checkpoint.pt", every=100)
    state = ckpt.load()                      # None on a fresh start; restores RNG states
    start = 0
    if state is not None:
        model.load_state_dict(state["model"]); opt.load_state_dict(state["opt"])
        start = state["step"]
    with ckpt.preemptible():                 # SIGTERM/SIGUSR1 -> save at the next step, exit
        for step in range(start, total):
            ...one update...
            ckpt.step(step + 1, lambda: {"step": step + 1, "model": model.state_dict(),
                                         "opt": opt.state_dict()})
    write the final output (atomically), then ckpt.remove()

A checkpoint belongs to one set of settings and inputs. Pass ``fingerprint=fingerprint(
settings, inputs)`` (the step's parameters, seed and other arguments, and the files it reads):
it is stored with every save, and a checkpoint made under another fingerprint (or none) is
deleted on load, with a log line, so the step starts fresh instead of "resuming" a run of
other settings. Once the outputs are written the step removes its checkpoint (``remove``),
so a rerun retrains rather than republishing the old model.

SLURM sends SIGTERM before it kills a preempted job (and, with ``--signal=USR1@<s>``,
SIGUSR1 before the time limit). The handler only sets a flag; at the next ``step`` call the
state is saved and the process exits with ``EXIT_PREEMPTED`` (143 = 128 + SIGTERM, the code of
a process ended by SIGTERM), which Snakemake treats as a failure: with ``--retries`` or
SLURM's requeue the job runs again and resumes. Python >= 3.8, torch >= 1.7.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Sequence

import numpy as np

from scripts.common.io import DamagedFileError, atomic_path
from scripts.common.io import torch_load as io_torch_load

EXIT_PREEMPTED = 128 + signal.SIGTERM  # 143
STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)
RNG_KEY = "_rng"
FINGERPRINT_KEY = "_fingerprint"
_IGNORED_ARGS = ("threads",)   # how many threads ran it does not change what a step computes


def _torch():
    try:
        import torch
    except ImportError:  # numpy-only steps
        return None
    return torch


def _hash_file(digest: "hashlib._Hash", path: Path, chunk: int = 1 << 20) -> None:
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            digest.update(block)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):   # a torch tensor
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):   # by content (repr would elide the middle of big arrays)
        arr = np.ascontiguousarray(obj)
        return {"ndarray": hashlib.sha256(arr.tobytes()).hexdigest(), "dtype": str(arr.dtype),
                "shape": list(arr.shape)}
    if isinstance(obj, (Path, os.PathLike)):
        return os.fspath(obj)
    if isinstance(obj, (set, tuple)):
        return sorted(obj) if isinstance(obj, set) else list(obj)
    # no repr() fallback: an object's repr may hold its address and change from run to run
    raise TypeError(f"cannot fingerprint a {type(obj).__name__}")


def fingerprint(settings: Any, inputs: Sequence[Any] = ()) -> str:
    """A sha256 of the step's settings (JSON, keys sorted) and the bytes of its input files
    (a folder: every file in it, by relative path). A missing or empty input path counts as
    absent (``None``), so optional inputs can be passed as they come."""
    digest = hashlib.sha256()
    digest.update(json.dumps(settings, sort_keys=True, default=_json_default).encode())
    for item in inputs:
        digest.update(b"\0input\0")
        if item is None or item == "" or not Path(item).exists():
            digest.update(b"absent")
            continue
        path = Path(item)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            digest.update(os.fspath(f.relative_to(path)).encode() if path.is_dir() else b".")
            digest.update(b"\0")
            _hash_file(digest, f)
    return digest.hexdigest()


def args_fingerprint(args: Any, inputs: Sequence[Any] = (),
                     ignore: Sequence[str] = _IGNORED_ARGS) -> str:
    """``fingerprint`` of a step's parsed command line (every argument but ``--threads``:
    parameters, seed, names, paths) and the input files it names."""
    settings = {k: v for k, v in sorted(vars(args).items()) if k not in ignore}
    return fingerprint(settings, inputs)


def torch_load(path: str | os.PathLike, map_location: Any = "cpu",
               weights_only: bool = False) -> Any:
    """``torch.load`` on every torch from 1.7 (no ``weights_only`` argument) to >= 2.6
    (``weights_only`` defaults to True), with errors that name the file
    (``scripts.common.io.torch_load``). The default, full unpickling, is for files this
    workflow wrote itself (checkpoints hold RNG states, numpy scalars, optimiser states);
    ``weights_only=True`` where the installed torch has it, for plain tensor files."""
    return io_torch_load(path, map_location=map_location, weights_only=weights_only)


def remove_checkpoint(path: str | os.PathLike) -> None:
    """Delete a finished step's checkpoint (once its outputs are written), if there is one."""
    path = Path(path)
    if path.exists():
        path.unlink()


def rng_state(generators: Optional[Dict[str, np.random.Generator]] = None) -> Dict[str, Any]:
    """The state of every random generator a step uses (python, numpy, torch, CUDA)."""
    state: Dict[str, Any] = {"python": random.getstate(), "numpy": np.random.get_state()}
    torch = _torch()
    if torch is not None:
        state["torch"] = torch.get_rng_state()
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
    if generators:
        state["generators"] = {k: g.bit_generator.state for k, g in generators.items()}
    return state


def set_rng_state(state: Dict[str, Any],
                  generators: Optional[Dict[str, np.random.Generator]] = None) -> None:
    """Restore what ``rng_state`` captured (Generators are updated in place)."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch = _torch()
    if torch is not None and "torch" in state:
        torch.set_rng_state(state["torch"].cpu())   # CPU even when loaded with map_location
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([t.cpu() for t in state["cuda"]])
    for name, gen in (generators or {}).items():
        saved = state.get("generators", {})
        if name not in saved:
            raise KeyError(f"checkpoint has no state for the generator '{name}'")
        gen.bit_generator.state = saved[name]


def save_checkpoint(path: str | os.PathLike, state: Dict[str, Any],
                    generators: Optional[Dict[str, np.random.Generator]] = None,
                    fingerprint: Optional[str] = None) -> None:
    """Write ``state`` plus the RNG states (and the run's fingerprint, if given) atomically
    (temp file, fsync, rename)."""
    payload = dict(state)
    payload[RNG_KEY] = rng_state(generators)
    if fingerprint is not None:
        payload[FINGERPRINT_KEY] = fingerprint
    torch = _torch()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            if torch is not None:
                # protocol 4: numpy arrays as raw bytes (torch's default protocol 2 writes
                # them latin-1 encoded, up to twice the size: replay buffers, frames)
                torch.save(payload, f, pickle_protocol=4)
            else:
                import pickle

                pickle.dump(payload, f, protocol=4)
            f.flush()
            os.fsync(f.fileno())


def load_checkpoint(path: str | os.PathLike,
                    generators: Optional[Dict[str, np.random.Generator]] = None,
                    map_location: Any = "cpu",
                    restore_rng: bool = True,
                    fingerprint: Optional[str] = None,
                    log: Optional[Callable[[str], None]] = None) -> Optional[Dict[str, Any]]:
    """The saved state (RNG states restored, or with ``restore_rng=False`` left under
    ``RNG_KEY``), or None when there is no checkpoint. With
    ``fingerprint``, a checkpoint saved under another fingerprint (or without one) is stale:
    it is deleted, ``log`` says so, and None is returned (a fresh start)."""
    path = Path(path)
    if not path.exists():
        return None
    torch = _torch()
    try:
        if torch is not None:
            payload = torch_load(path, map_location=map_location)
        else:
            import pickle

            with open(path, "rb") as f:
                payload = pickle.load(f)
    except (DamagedFileError, EOFError, OSError) as err:
        (log or _stderr)(f"checkpoint {path} cannot be read ({err}): deleting it and starting fresh")
        path.unlink()
        return None
    saved = payload.pop(FINGERPRINT_KEY, None)
    if fingerprint is not None and saved != fingerprint:
        (log or _stderr)(
            f"checkpoint {path} was made with other settings or inputs (fingerprint "
            f"{str(saved)[:12]}, this run {fingerprint[:12]}): deleting it and starting fresh")
        path.unlink()
        return None
    if restore_rng:
        rng = payload.pop(RNG_KEY, None)
        if rng is not None:
            set_rng_state(rng, generators)
    # else the RNG states stay in the payload under RNG_KEY, for the step to restore them
    # (set_rng_state) at the point of its code where it saved them
    return payload


def resumable_map(fn: Callable[[Any], Any], tasks: Sequence[Any], path: str | os.PathLike,
                  fingerprint: str, *, pool: Any = None,
                  log: Optional[Callable[[str], None]] = None) -> list:
    """``[fn(t) for t in tasks]`` for tasks whose results do not depend on each other (each
    seeded by itself), checkpointing the results so far to ``path`` after every task: a rerun
    (preemption, a killed job) computes only the missing ones, unless the checkpoint's
    fingerprint differs (then it starts fresh). With ``pool`` (a multiprocessing pool) the tasks
    run in it (``imap``, results in order). The caller removes ``path`` once its output is
    written (``remove_checkpoint``)."""
    log = log or _stderr
    state = load_checkpoint(path, restore_rng=False, fingerprint=fingerprint, log=log)
    results: Dict[int, Any] = dict(state["results"]) if state is not None else {}
    if results:
        log(f"resuming from {path}: {len(results)} of {len(tasks)} tasks done")
    todo = [i for i in range(len(tasks)) if i not in results]
    outs = (pool.imap(fn, [tasks[i] for i in todo]) if pool is not None
            else (fn(tasks[i]) for i in todo))
    for i, out in zip(todo, outs):
        results[i] = out
        save_checkpoint(path, {"results": results}, fingerprint=fingerprint)
    return [results[i] for i in range(len(tasks))]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Checkpointer:
    """Periodic and on-signal checkpoints of one training step."""

    def __init__(self, path: str | os.PathLike, every: int,
                 generators: Optional[Dict[str, np.random.Generator]] = None,
                 log: Optional[Callable[[str], None]] = None,
                 fingerprint: Optional[str] = None, map_location: Any = "cpu"):
        if every < 1:
            raise ValueError(f"checkpoint interval must be >= 1, got {every}")
        self.path = Path(path)
        self.every = int(every)
        self.generators = generators
        self.log = log or _stderr
        self.fingerprint = fingerprint
        self.map_location = map_location
        self.stop_signal: Optional[int] = None
        self.resumed_step: Optional[int] = None

    def load(self) -> Optional[Dict[str, Any]]:
        state = load_checkpoint(self.path, self.generators, map_location=self.map_location,
                                fingerprint=self.fingerprint, log=self.log)
        if state is not None:
            self.resumed_step = state.get("step")
            self.log(f"resuming from checkpoint {self.path} at step {self.resumed_step}")
        return state

    def save(self, state: Dict[str, Any]) -> None:
        save_checkpoint(self.path, state, self.generators, self.fingerprint)

    @property
    def stop_requested(self) -> bool:
        return self.stop_signal is not None

    def request_stop(self, signum: int = signal.SIGTERM, frame: Any = None) -> None:
        """Signal handler: only note the signal; the training loop saves at its next step."""
        self.stop_signal = signum

    def step(self, done: int, make_state: Callable[[], Dict[str, Any]]) -> None:
        """Call after each update with the number of updates done: saves every ``every``
        updates, and at once (then exits with EXIT_PREEMPTED) when a stop signal came."""
        if self.stop_requested:
            self.save(make_state())
            name = signal.Signals(self.stop_signal).name
            self.log(f"{name}: saved checkpoint at step {done}; exiting with {EXIT_PREEMPTED}"
                     " so that the job is retried or requeued and resumes from it")
            sys.exit(EXIT_PREEMPTED)
        if done % self.every == 0:
            self.save(make_state())

    def remove(self) -> None:
        """Delete the checkpoint, once the step's outputs are written: a finished run keeps no
        checkpoint, so running the step again trains again."""
        remove_checkpoint(self.path)

    @contextmanager
    def preemptible(self, signals: Sequence[int] = STOP_SIGNALS) -> Iterator["Checkpointer"]:
        """Within the block, the given signals request a checkpoint-and-exit."""
        previous = {s: signal.signal(s, self.request_stop) for s in signals}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
