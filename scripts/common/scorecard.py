"""The scorecard: every claim of config/claims.yaml, judged on this scale's runs by one rule.

Each paper's claims step writes ``results/<scale>/<paper>/claims.csv`` (columns in
``RUN_COLUMNS``: claim id, run, arm, value; ``arm`` is empty for a per-run paired statistic and
``a``/``b`` for the two sets of runs of an unpaired comparison). This step joins those files with
config/claims.yaml and the manifest's left-out reasons, applies ``scripts.common.verdict`` and
writes figures/scorecard.md and figures/scorecard.csv. Paper comparison pages render their own
claims with :func:`claims_markdown`, so a page and the scorecard never disagree.

    python -m scripts.common.scorecard --scale laptop --runs results/laptop/*/claims.csv \
        --left-out JSON --out-md figures/scorecard.md --out-csv figures/scorecard.csv
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import pandas as pd
import yaml

from scripts.common.io import write_csv, write_text
from scripts.common.tables import to_markdown
from scripts.common.verdict import (DIRECTIONS, INTERVAL_NAME, KINDS, MIN_RUNS, NOT_RUN,
                                    fmt_interval, runs_label, verdict)

CLAIMS_YAML = Path(__file__).resolve().parents[2] / "config" / "claims.yaml"
RUN_COLUMNS = ["claim", "run", "arm", "value"]
CLAIM_KEYS = ("id", "claim", "source", "target", "statistic", "kind", "null_value", "direction",
              "paper")
CSV_COLUMNS = ["paper", "claim_id", "claim", "source", "target", "statistic", "kind", "null",
               "direction", "paper_value", "ours", "ci_low", "ci_high", "runs", "runs_b",
               "scale", "verdict", "reason"]
MD_HEADER = ["claim", "paper", "ours [95% CI]", "runs", "scale", "verdict", "from"]


def load_claims(path: str | Path = CLAIMS_YAML) -> List[dict]:
    """The claims as a flat list: ``paper`` is the paper's id, ``paper_value`` the paper's number
    (the yaml's ``paper`` field); fails on a malformed entry."""
    with open(path) as fh:
        data = yaml.safe_load(fh) or {}
    out, seen = [], set()
    for paper, items in data.items():
        for item in items or []:
            missing = [k for k in CLAIM_KEYS if k not in item]
            if missing:
                raise ValueError(f"{path}: claim {item.get('id', '?')} of {paper} lacks "
                                 f"{', '.join(missing)}")
            if item["id"] in seen:
                raise ValueError(f"{path}: claim id {item['id']} is used twice")
            if item["kind"] not in KINDS or item["direction"] not in DIRECTIONS:
                raise ValueError(f"{path}: claim {item['id']}: kind must be one of {KINDS}, "
                                 f"direction one of {DIRECTIONS}")
            seen.add(item["id"])
            entry = {k: v for k, v in item.items() if k != "paper"}
            out.append({**entry, "paper": paper, "paper_value": item["paper"]})
    return out


def run_rows(rows: Iterable[dict]) -> pd.DataFrame:
    """A claims.csv frame from dicts with claim, run, value (and arm for unpaired claims)."""
    frame = pd.DataFrame(list(rows), columns=RUN_COLUMNS)
    frame["arm"] = frame["arm"].fillna("")
    return frame


def write_runs(path: str, rows: Iterable[dict]) -> pd.DataFrame:
    frame = run_rows(rows)
    write_csv(path, frame)
    return frame


def read_runs(paths: Iterable[str]) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"arm": str, "run": str}, keep_default_na=False) for p in paths]
    frames = [f for f in frames if len(f)]   # an empty runs file adds no row (and no dtype warning)
    if not frames:
        return run_rows([])
    frame = pd.concat(frames, ignore_index=True)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def judge(claim: dict, runs: pd.DataFrame, left_out: str = "", scale: str = "") -> dict:
    """One scorecard row: the claim, our statistic with its interval, and the verdict."""
    sub = runs[runs["claim"] == claim["id"]] if len(runs) else runs
    null, direction, kind = float(claim["null_value"]), claim["direction"], claim["kind"]
    if not left_out and len(sub) == 0:
        left_out = "this scale's configuration runs none of it"
    arms = set(sub["arm"]) if len(sub) else set()
    if arms - {""}:
        a = sub[sub["arm"] == "a"]["value"].to_numpy()
        b = sub[sub["arm"] == "b"]["value"].to_numpy()
        v = verdict(a, baseline=b, null=null, direction=direction, kind=kind, left_out=left_out)
    else:
        v = verdict(sub["value"].to_numpy() if len(sub) else [], null=null, direction=direction,
                    kind=kind, left_out=left_out)
    iv = v.interval
    return {"paper": claim["paper"], "claim_id": claim["id"], "claim": claim["claim"],
            "source": claim["source"], "target": claim["target"],
            "statistic": claim["statistic"], "kind": kind, "null": null,
            "direction": direction, "paper_value": str(claim["paper_value"]),
            "ours": iv.point, "ci_low": iv.low, "ci_high": iv.high, "runs": iv.n,
            "runs_b": iv.n_b, "scale": scale, "verdict": v.verdict, "reason": v.reason}


def scorecard(claims: List[dict], runs: pd.DataFrame, left_out: Dict[str, str],
              scale: str) -> pd.DataFrame:
    """Rows of every claim. ``left_out``: manifest path -> reason, for targets not built, and
    claim id -> reason, for claims this scale runs none of although their target is built."""
    rows = [judge(c, runs, left_out.get(c["id"]) or left_out.get(c["target"], ""), scale) for c in claims]
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def _ours_cell(r: pd.Series) -> str:
    if r["verdict"] == NOT_RUN:
        return "–"
    from scripts.common.verdict import Interval

    return fmt_interval(Interval(r["ours"], r["ci_low"], r["ci_high"], int(r["runs"]),
                                 int(r["runs_b"])))


def _verdict_cell(r: pd.Series) -> str:
    text = f"**{r['verdict']}**"
    return f"{text} ({r['reason']})" if r["reason"] else text


def markdown_table(frame: pd.DataFrame) -> str:
    from scripts.common.verdict import Interval

    rows = []
    for _, r in frame.iterrows():
        rows.append({
            "claim": f"{r['claim']} — *{r['statistic']}*",
            "paper": r["paper_value"],
            "ours [95% CI]": _ours_cell(r),
            "runs": ("–" if r["verdict"] == NOT_RUN else
                     runs_label(Interval(0, 0, 0, int(r["runs"]), int(r["runs_b"])))),
            "scale": r["scale"],
            "verdict": _verdict_cell(r),
            "from": r["source"],
        })
    return to_markdown(pd.DataFrame(rows, columns=MD_HEADER))


RULE_TEXT = (f"Verdict rule (scripts/common/verdict.py): **holds** when the {INTERVAL_NAME} "
             f"from at least {MIN_RUNS} independent runs excludes the null in the paper's "
             "direction; **contradicted** when it excludes it the other way; **not shown at "
             "this scale** otherwise (the interval contains the null, fewer runs, or no spread between "
             "runs); **not run "
             "at this scale** when the claim's target is left out (the manifest's reason). "
             "A run is a training seed (or seed x environment where a claim is stratified), never "
             "episodes or steps of one run.")


def claims_markdown(paper: str, runs_path: Union[None, str, Sequence[str]], left_out: Dict[str, str],
                    scale: str, claims_yaml: str | Path = CLAIMS_YAML) -> str:
    """A paper's section of the scorecard, for its own comparison page. ``runs_path``: one runs
    file or several (a paper whose claims' runs are split over files)."""
    claims = [c for c in load_claims(claims_yaml) if c["paper"] == paper]
    paths = [runs_path] if isinstance(runs_path, str) else list(runs_path or [])
    runs = read_runs(paths)
    frame = scorecard(claims, runs, left_out, scale)
    return "\n".join(["## Claims and verdicts (as in figures/scorecard.md)", "", RULE_TEXT, "",
                      markdown_table(frame), ""])


def provenance(root: Path) -> str:
    """The commit of the code that made the scorecard (when in a git checkout). No date: the
    scorecard is a manifest target, byte-identical between identical runs (the README copy
    adds the file's date, scripts/tools/readme_scorecard.py)."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    commit = (commit + (" (with uncommitted changes)" if dirty else "")) if commit else "unknown"
    return f"commit {commit}"


def write_scorecard(frame: pd.DataFrame, scale: str, out_md: str, out_csv: str,
                    stamp: str) -> None:
    write_csv(out_csv, frame)
    counts = frame["verdict"].value_counts()
    summary = ", ".join(f"{counts[v]} {v}" for v in counts.index)
    lines = ["# Scorecard: which of the papers' claims reproduced", "",
             f"Scale: **{scale}**; {stamp}. {len(frame)} claims: {summary}.", "",
             "Claims, statistics, null values and the papers' numbers: config/claims.yaml. "
             "*paper* is the paper's number for the statistic (theirs, not ours); *ours* is the "
             "mean over runs (ratios: geometric mean) with its 95% interval.", "",
             RULE_TEXT, ""]
    for paper, sub in frame.groupby("paper", sort=False):
        lines += [f"## {paper}", "", markdown_table(sub), ""]
    write_text(out_md, "\n".join(lines).rstrip() + "\n")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", required=True)
    p.add_argument("--runs", nargs="*", default=[], help="per-paper claims.csv files")
    p.add_argument("--left-out", type=json.loads, default={},
                   help="JSON: target path -> reason, for the claims' targets not built, and "
                        "claim id -> reason, for claims run nowhere at this scale")
    p.add_argument("--claims", default=str(CLAIMS_YAML))
    p.add_argument("--out-md", required=True)
    p.add_argument("--out-csv", required=True)
    args = p.parse_args(argv)
    frame = scorecard(load_claims(args.claims), read_runs(args.runs), args.left_out, args.scale)
    write_scorecard(frame, args.scale, args.out_md, args.out_csv,
                    provenance(Path(__file__).resolve().parents[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
