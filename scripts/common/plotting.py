"""One plot style for every figure, and a save that stamps scale and seeds."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from scripts.common.figpaths import png_beside, png_preview  # noqa: E402,F401
from scripts.common.io import atomic_path  # noqa: E402

PALETTE = "colorblind"
# colours per role, so that "ours", "paper" and baselines read the same in every figure
ROLE_COLORS = {"ours": "#0072B2", "paper": "#D55E00", "demo": "#7F7F7F", "baseline": "#009E73",
               "random": "#CC79A7", "control": "#E69F00"}


def apply_style() -> None:
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1)
    plt.rcParams.update({"figure.dpi": 150, "savefig.bbox": "tight", "axes.spines.top": False,
                         "axes.spines.right": False, "legend.frameon": False,
                         "pdf.fonttype": 42})


def save_figure(fig: plt.Figure, path: str | os.PathLike, *, scale: str, seeds: int,
                note: str = "") -> None:
    """Save atomically, with a small footer stating the scale and seed count. A PDF also gets a
    PNG (:func:`png_preview`); both are byte-identical for the same figure."""
    footer = f"scale: {scale} · seeds: {seeds}" + (f" · {note}" if note else "")
    # placed under everything already drawn (x labels, legends below axes), right-aligned with it;
    # the tight bbox of the saved file grows to hold it
    fig.draw_without_rendering()  # runs the layout engine first, so the box is where it will be
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    width, height = fig.get_size_inches()
    fig.text(box.x1 / width, box.y0 / height - 0.02, footer, ha="right", va="top", fontsize=7,
             color="0.4")
    fmt = os.path.splitext(str(path))[1].lstrip(".") or "pdf"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, metadata=REPRODUCIBLE_METADATA.get(fmt))
    if fmt == "pdf":  # a PNG of every PDF, for the report and for browsers without a PDF viewer
        with atomic_path(png_preview(path)) as tmp:
            fig.savefig(tmp, format="png", metadata=REPRODUCIBLE_METADATA["png"])
    plt.close(fig)


# no creation date (PDF) and a fixed software tag: the same figure gives the same bytes, so the
# manifest's sha256 only changes when the figure does
REPRODUCIBLE_METADATA = {"pdf": {"CreationDate": None, "Producer": "matplotlib"},
                         "png": {"Software": "matplotlib"},
                         "svg": {"Date": None}}


# plots of a mean and its interval over at most this many runs also show each run
MAX_RUN_POINTS = 10


def run_points(ax, x: float, values, color: str, *, width: float = 0.25, label: str | None = None,
               max_runs: int = MAX_RUN_POINTS) -> bool:
    """Draw each run's value as a point beside a bar or interval at ``x`` (spread evenly over
    ``width``, no randomness). Nothing is drawn above ``max_runs`` runs; returns whether drawn."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0 or v.size > max_runs:
        return False
    xs = x + (np.linspace(-width / 2, width / 2, v.size) if v.size > 1 else np.zeros(1))
    ax.scatter(xs, v, s=14, color="white", edgecolor=color, linewidth=1.0, zorder=6, label=label)
    return True


def run_lines(ax, frame, x: str, y: str, color: str, *, run: str = "seed", scale: float = 1.0,
              max_runs: int = MAX_RUN_POINTS) -> bool:
    """Each run's curve as a thin line under a mean curve with a band (at most ``max_runs``)."""
    runs = list(frame.groupby(run))
    if not runs or len(runs) > max_runs:
        return False
    for _, g in runs:
        g = g.sort_values(x)
        ax.plot(g[x], scale * g[y], color=color, lw=0.6, alpha=0.45, zorder=1)
    return True
