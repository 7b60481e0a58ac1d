"""save_figure writes the same bytes for the same figure (PDF and the PNG beside it), whatever
the clock says, so the manifest's sha256 is stable across identical runs."""
from __future__ import annotations

import matplotlib.pyplot as plt

from scripts.common.plotting import apply_style, png_beside, png_preview, save_figure


def _draw(path, monkeypatch, epoch):
    # matplotlib stamps SOURCE_DATE_EPOCH (else the clock) as the PDF's creation date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    apply_style()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [2, 0, 1], label="ours")
    ax.legend()
    save_figure(fig, path, scale="smoke", seeds=1)


def test_same_figure_same_bytes(tmp_path, monkeypatch):
    a, b = tmp_path / "a" / "fig.pdf", tmp_path / "b" / "fig.pdf"
    _draw(a, monkeypatch, 1_000_000_000)
    _draw(b, monkeypatch, 1_700_000_000)
    assert a.read_bytes() == b.read_bytes()
    assert b"CreationDate" not in a.read_bytes()
    png_a, png_b = png_preview(a), png_preview(b)
    assert png_a == str(tmp_path / "a" / ".fig.png")
    assert png_beside(a) == str(tmp_path / "a" / "fig.png")
    with open(png_a, "rb") as fa, open(png_b, "rb") as fb:
        data = fa.read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data == fb.read()


def test_png_path_gets_no_second_file(tmp_path, monkeypatch):
    _draw(tmp_path / "x.png", monkeypatch, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]
