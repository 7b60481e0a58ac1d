"""Atomic writes and resolved-config files.

Every output is written to a temporary file in the destination's directory and
renamed into place, so a killed job never leaves a half-written file that a
restarted workflow would take for finished.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    with open(path) as f:
        return json.load(f)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Compressed npz, written atomically (np.savez appends .npz unless given a file object)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def write_csv(path: str | os.PathLike, frame: "pandas.DataFrame") -> None:  # noqa: F821
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_csvs(paths: "list[str | os.PathLike]") -> "pandas.DataFrame":  # noqa: F821
    """Concatenate CSV files with the same columns (e.g. one tidy file per seed) into one frame."""
    import pandas as pd

    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def resolved_config_path(output: str | os.PathLike) -> Path:
    """Where the resolved config of ``output`` lives.

    - a folder (an existing directory, or a path without a suffix that is not a file): the stage
      owns it, so ``<folder>/config.json``;
    - a path named ``config.json`` or ``*.config.json``: that path;
    - any other file ``<dir>/<stem>.<ext>``: ``<dir>/<stem>.config.json``, so that stages (or jobs
      of one stage, e.g. one per seed) writing files into the same folder each keep their own
      config instead of overwriting one ``config.json``.
    """
    out = Path(output)
    if out.is_dir() or (out.suffix == "" and not out.is_file()):
        return out / "config.json"
    if out.name == "config.json" or out.name.endswith(".config.json"):
        return out
    return out.parent / f"{out.stem}.config.json"


def write_resolved_config(output: str | os.PathLike, params: dict[str, Any]) -> Path:
    """Write the parameters that made ``output`` beside it (see :func:`resolved_config_path`),
    with their ``provenance`` (git commit, package versions, device, env lane)."""
    from scripts.common.provenance import provenance

    dest = resolved_config_path(output)
    write_json(dest, {**params, "provenance": provenance()})
    return dest


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()
