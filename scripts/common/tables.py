"""Tables written as CSV and Markdown, ours beside the paper's reported value."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.common.io import write_csv, write_text

REPORTED_DIR = Path(__file__).resolve().parents[2] / "config" / "reported"


def load_reported(paper: str, reported_dir: Path = REPORTED_DIR) -> pd.DataFrame:
    """The paper's reported numbers (config/reported/<paper>.csv); these are the paper's, not ours."""
    path = reported_dir / f"{paper}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no reported numbers for '{paper}': {path} is missing")
    return pd.read_csv(path, comment="#")


def fmt_ci(point: float, low: float, high: float, digits: int = 1) -> str:
    """'12.3 [10.1, 14.5]'; without an interval just the point; '–' for NaN."""
    if point is None or not np.isfinite(point):
        return "–"
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return f"{point:.{digits}f}"
    return f"{point:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no tabulate dependency)."""
    def cell(v: object) -> str:
        if isinstance(v, float):
            if not np.isfinite(v):
                return "–"
            # a whole number in a float column (counts beside fractions) prints whole, not 2.653e+04
            return f"{v:.0f}" if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"
        return str(v).replace("|", "\\|")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def write_table(frame: pd.DataFrame, csv_path: str | os.PathLike, md_path: str | os.PathLike, *,
                title: str, scale: str, seeds: int, notes: list[str] | None = None,
                interval: str = "95% bootstrap CI") -> None:
    """Write ``frame`` as CSV and as Markdown with a title and a scale/seed line.

    The CSV carries ``scale`` and ``n_seeds`` columns so it is self-describing too.
    """
    out = frame.copy()
    out["scale"] = scale
    out["n_seeds"] = seeds
    write_csv(csv_path, out)
    lines = [f"# {title}", "",
             f"Scale: **{scale}**, seeds: **{seeds}**. Ours: point estimate with {interval} "
             "over seeds. Columns marked *paper* are the paper's reported values "
             "(config/reported/), not ours.", "", to_markdown(frame), ""]
    for note in notes or []:
        lines.append(f"- {note}")
    write_text(md_path, "\n".join(lines).rstrip() + "\n")
