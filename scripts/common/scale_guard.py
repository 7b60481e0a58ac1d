"""Keep one scale's tables and figures from being overwritten by a run at another scale.

``results/``, ``logs/`` and ``benchmarks/`` are split by scale, but ``figures/<id>/...`` is one
tree, so the README's commands (``snakemake figures/trex/fig_extrapolation.pdf``) stay the same
at every scale. ``figures/.scale`` records which scale that tree holds; a run configured for
another scale is refused before it plans any job, while ``figures/`` holds anything else.
"""
from __future__ import annotations

import os
from pathlib import Path

MARKER = ".scale"


class ScaleClash(Exception):
    """figures/ holds another scale's outputs."""


def figures_scale(figdir: "str | os.PathLike") -> "str | None":
    """The scale recorded for ``figdir``, or None when nothing is recorded."""
    marker = Path(figdir) / MARKER
    if not marker.is_file():
        return None
    return marker.read_text().strip() or None


def holds_outputs(figdir: "str | os.PathLike") -> bool:
    """Whether ``figdir`` holds any file besides the marker (and hidden temporary files)."""
    root = Path(figdir)
    if not root.is_dir():
        return False
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name == MARKER and Path(dirpath) == root:
                continue
            if name == "README.md" and Path(dirpath) == root:
                continue
            return True
    return False


def check(figdir: "str | os.PathLike", scale: str) -> None:
    """Raise ScaleClash when ``figdir`` holds outputs of a scale other than ``scale``."""
    found = figures_scale(figdir)
    if found is None or found == scale or not holds_outputs(figdir):
        return
    raise ScaleClash(
        f"{figdir}/ holds the tables and figures of scale '{found}' ({figdir}/{MARKER}); this "
        f"run is configured for scale '{scale}' and would overwrite them. Either run at "
        f"'{found}' (--config scale={found}; the slurm profile sets scale=paper), or move that "
        f"scale's figures aside first, e.g. `mv {figdir} {figdir}-{found}` (its results/{found}/ "
        f"stay cached and are reused when you move them back and run at '{found}').")


def mark(figdir: "str | os.PathLike", scale: str) -> None:
    """Record ``scale`` as the scale of ``figdir`` (called when a run starts)."""
    root = Path(figdir)
    root.mkdir(parents=True, exist_ok=True)
    marker = root / MARKER
    if figures_scale(root) != scale:
        tmp = root / f".{MARKER}.tmp"
        tmp.write_text(scale + "\n")
        os.replace(tmp, marker)
