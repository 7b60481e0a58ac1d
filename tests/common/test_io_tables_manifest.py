"""Atomic writes, the table writer and the manifest."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from scripts.common import io
from scripts.common.manifest import main as manifest_main
from scripts.common.manifest import paper_manifest
from scripts.common.tables import fmt_ci, to_markdown, write_table


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_existing_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    io.write_text(target, "new")
    assert target.read_text() == "new"


def test_atomic_path_addresses_its_temporary_like_the_target(tmp_path, monkeypatch):
    """In a mount namespace getcwd() can name another filesystem than the working directory
    (the SLURM CI failure: EXDEV on rename). The temporary must be reached through the same
    relative directory as the target, never through an absolute path built from getcwd()."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("os.getcwd", lambda: "/elsewhere/not/this/filesystem")
    with io.atomic_path("results/x/out.json") as tmp:
        assert not tmp.is_absolute() and tmp.parent == io.Path("results/x")
        tmp.write_text("{}")
    monkeypatch.undo()
    assert (tmp_path / "results/x/out.json").read_text() == "{}"
    assert [p.name for p in (tmp_path / "results/x").iterdir()] == ["out.json"]


def test_save_npz_round_trip_keeps_the_name(tmp_path):
    path = tmp_path / "a.npz"
    io.save_npz(path, x=np.arange(3))
    assert path.exists()
    assert np.load(path)["x"].tolist() == [0, 1, 2]


def test_resolved_config_is_written_next_to_the_output(tmp_path):
    out = tmp_path / "stage" / "model.pt"
    out.parent.mkdir()
    out.write_bytes(b"x")
    dest = io.write_resolved_config(out, {"lr": np.float32(0.5)})
    assert dest == tmp_path / "stage" / "model.config.json"
    written = io.read_json(dest)
    assert written.pop("provenance")["env_lane"] in ("pinned", "current")
    assert written == {"lr": 0.5}


def test_resolved_configs_of_files_sharing_a_folder_do_not_overwrite_each_other(tmp_path):
    a = io.write_resolved_config(tmp_path / "eval" / "seed0.csv", {"seed": 0})
    b = io.write_resolved_config(tmp_path / "eval" / "seed1.csv", {"seed": 1})
    c = io.write_resolved_config(tmp_path / "crit" / "seed0_g0.9_n100.npz", {"gamma": 0.9})
    assert (a.name, b.name, c.name) == ("seed0.config.json", "seed1.config.json",
                                        "seed0_g0.9_n100.config.json")
    assert io.read_json(a)["seed"] == 0 and io.read_json(b)["seed"] == 1


def test_a_stage_that_owns_its_folder_writes_config_json(tmp_path):
    assert io.write_resolved_config(tmp_path / "run", {}) == tmp_path / "run" / "config.json"
    (tmp_path / "made.d").mkdir()
    assert io.write_resolved_config(tmp_path / "made.d", {}) == tmp_path / "made.d" / "config.json"
    named = tmp_path / "out" / "config.json"
    assert io.write_resolved_config(named, {}) == named


def test_fmt_ci():
    assert fmt_ci(1.234, 1.0, 1.5) == "1.2 [1.0, 1.5]"
    assert fmt_ci(1.234, float("nan"), float("nan"), digits=2) == "1.23"
    assert fmt_ci(float("nan"), 0, 1) == "–"


def test_write_table_writes_csv_and_markdown_with_scale(tmp_path):
    frame = pd.DataFrame({"method": ["ours"], "value": ["1.0 [0.5, 1.5]"], "paper": [2.0]})
    write_table(frame, tmp_path / "t.csv", tmp_path / "t.md", title="Table 1", scale="smoke", seeds=1)
    csv = pd.read_csv(tmp_path / "t.csv")
    assert list(csv.columns) == ["method", "value", "paper", "scale", "n_seeds"]
    md = (tmp_path / "t.md").read_text()
    assert md.startswith("# Table 1")
    assert "Scale: **smoke**, seeds: **1**" in md
    assert "| ours | 1.0 [0.5, 1.5] | 2 |" in md


def test_markdown_escapes_pipes():
    assert "a\\|b" in to_markdown(pd.DataFrame({"x": ["a|b"]}))
    # whole numbers in a float column print whole; fractions keep 4 significant digits
    assert to_markdown(pd.DataFrame({"n": [26530.0, 0.000758412, float("nan")]})).splitlines()[2:] == \
        ["| 26530 |", "| 0.0007584 |", "| – |"]


def test_manifest_rows_hash_built_files_and_explain_left_out(tmp_path):
    built = tmp_path / "fig.pdf"
    built.write_bytes(b"figure")
    targets = [
        {"path": str(built), "paper": "p", "reproduces": "Fig. 1", "seeds": 3, "left_out": ""},
        {"path": "figures/p/t.csv", "paper": "p", "reproduces": "Table 2", "seeds": 3,
         "left_out": "needs a GPU"},
    ]
    frame = paper_manifest(targets, "laptop")
    assert frame.loc[0, "sha256"] == hashlib.sha256(b"figure").hexdigest()
    assert frame.loc[0, "status"] == "built"
    assert frame.loc[1, "status"] == "left out: needs a GPU" and frame.loc[1, "sha256"] == ""


def test_manifest_fails_on_a_missing_target(tmp_path):
    with pytest.raises(FileNotFoundError, match="was not built"):
        paper_manifest([{"path": str(tmp_path / "nope.pdf"), "paper": "p", "reproduces": "x",
                         "seeds": 1, "left_out": ""}], "smoke")


def test_manifest_combine(tmp_path):
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "all"
    for path, name in [(a, "x"), (b, "y")]:
        pd.DataFrame([{"path": name, "paper": name, "reproduces": "r", "scale": "smoke", "seeds": 1,
                       "status": "built", "sha256": "0", "env_lane": "pinned"}]).to_csv(path, sep="\t", index=False)
    assert manifest_main(["--scale", "smoke", "--combine", str(a), str(b), "--out", str(out)]) == 0
    assert pd.read_csv(out, sep="\t")["path"].tolist() == ["x", "y"]
