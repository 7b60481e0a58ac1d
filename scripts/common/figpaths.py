"""Where a figure's PNG goes (no plotting imports, so the workflow can use it at parse time)."""
from __future__ import annotations

import os


def png_beside(path: "str | os.PathLike") -> str:
    """The PNG that goes beside a PDF ``<dir>/<stem>.pdf``: ``<dir>/<stem>.png``."""
    return os.path.splitext(str(path))[0] + ".png"


def png_preview(path: "str | os.PathLike") -> str:
    """Where ``scripts.common.plotting.save_figure`` writes the PNG of a PDF:
    ``<dir>/.<stem>.png``. The workflow copies it to :func:`png_beside` in a rule of its own
    (rules/report.smk), which gives the PNG its caption in the report; the hidden name keeps
    Snakemake from deleting it as that rule's output before the copy."""
    head, tail = os.path.split(str(path))
    return os.path.join(head, "." + os.path.splitext(tail)[0] + ".png")
