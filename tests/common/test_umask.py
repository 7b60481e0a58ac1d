"""Outputs get the mode a plain open() would give them: 0666 less the umask (a temp file made by
mkstemp is 0600, which kept results and figures from group members on shared filesystems)."""
from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from scripts.common.io import save_npz, torch_save, write_csv, write_json, write_text


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


WRITERS = {
    "text": lambda p: write_text(p, "x\n"),
    "json": lambda p: write_json(p, {"a": 1}),
    "csv": lambda p: write_csv(p, pd.DataFrame({"a": [1]})),
    "npz": lambda p: save_npz(p, a=np.zeros(3)),
    "pt": lambda p: torch_save(p, {"a": 1}),
}


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o002, 0o664), (0o027, 0o640), (0o077, 0o600)])
@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_outputs_respect_the_umask(tmp_path, umask, kind, mask, mode):
    umask(mask)
    path = tmp_path / "sub" / f"out.{kind}"
    WRITERS[kind](path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o777 & ~mask


def test_figures_are_group_readable_under_umask_022(tmp_path, umask):
    import matplotlib.pyplot as plt

    from scripts.common.plotting import save_figure

    umask(0o022)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = tmp_path / "fig.png"
    save_figure(fig, path, scale="smoke", seeds=1)
    assert os.stat(path).st_mode & stat.S_IRGRP
