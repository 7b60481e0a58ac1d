# Helpers shared by every paper's rules: scale resolution, path helpers, targets,
# resources and environment choice. Functions only (no rules), so --lint stays clean.
import json
import os
from pathlib import Path

from scripts.common.cluster import CURRENT_LANE_ENV, local_rules
from scripts.common.config import SCALES, resolve_paper

SCALE = config["scale"]
PAPERS = list(config["papers"])


wildcard_constraints:
    paper="|".join(PAPERS),
    seed=r"\d+",


# targets registered by each rules/<id>.smk: paper -> list of target records
TARGETS = {paper: [] for paper in PAPERS}


def P(paper):
    """The paper's settings at the current scale (paper block, scale block merged over it)."""
    return resolve_paper(config, paper, SCALE)


def seeds(paper):
    """Seeds for a paper at this scale: its own `seeds:` if set, else the global list."""
    return list(P(paper).get("seeds", config["seeds"][SCALE]))


def res(paper, *parts):
    """Path of a cached intermediate: results/<scale>/<paper>/<parts...>."""
    return os.path.join("results", SCALE, paper, *parts)


def logpath(paper, *parts):
    """Path of a rule's log: logs/<scale>/<paper>/<parts...>.log."""
    return os.path.join("logs", SCALE, paper, *parts) + ".log"


def benchpath(paper, *parts):
    """Path of a training rule's benchmark file: benchmarks/<scale>/<paper>/<parts...>.tsv."""
    return os.path.join("benchmarks", SCALE, paper, *parts) + ".tsv"


def fig(paper, name):
    """Path of a table or figure: figures/<paper>/<name>."""
    return f"figures/{paper}/{name}"


def stage_params(paper, *keys, **extra):
    """The resolved settings of one stage as a JSON string for `--params` (keys: nested path)."""
    node = P(paper)
    for key in keys:
        if key not in node:
            raise WorkflowError(f"config key '{paper}.{SCALE}.{'.'.join(keys)}' is missing")
        node = node[key]
    if extra:
        node = {**node, **extra}
    return json.dumps(node, sort_keys=True)


def resources_of(paper, stage, variant=None):
    """Cluster resources of a stage from the scale's config: `resources.default`, then
    `resources.<stage>`, then `resources.<stage>:<variant>` (e.g. `train_rn:cliff`, for a stage
    whose jobs differ in size by a wildcard), each overriding the one before."""
    table = P(paper).get("resources", {})
    merged = {"runtime": 10, "mem_mb": 2000, "gpu": 0, "threads": 1}
    merged.update(table.get("default", {}))
    merged.update(table.get(stage, {}))
    if variant is not None:
        merged.update(table.get(f"{stage}:{variant}", {}))
    return merged


def _resource(paper, stage, key, by):
    """The value, or with `by` (a wildcard name) a function of the job's wildcards."""
    if by is None:
        return resources_of(paper, stage)[key]
    return lambda wc: resources_of(paper, stage, getattr(wc, by))[key]


def runtime(paper, stage, by=None):
    return _resource(paper, stage, "runtime", by)


def mem_mb(paper, stage, by=None):
    return _resource(paper, stage, "mem_mb", by)


def gpus(paper, stage):
    return resources_of(paper, stage)["gpu"]


def threads_of(paper, stage, by=None):
    return _resource(paper, stage, "threads", by)


ENV_LANE = config.get("env_lane", "pinned")


def env_file(name):
    """The conda env for a rule (envs/<name>.yaml), as a path relative to rules/; in the
    current lane (--config env_lane=current) every rule runs in envs/current.yaml."""
    path = Path(workflow.basedir) / "envs" / f"{name}.yaml"
    if not path.exists():
        raise WorkflowError(f"conda env file {path} is missing")
    if ENV_LANE == "current":
        name = CURRENT_LANE_ENV
        path = Path(workflow.basedir) / "envs" / f"{name}.yaml"
    if not path.exists():
        raise WorkflowError(f"conda env file {path} is missing")
    return f"../envs/{name}.yaml"


def register_target(paper, path, reproduces, *, scales=SCALES, left_out="", runs=None):
    """Declare a table or figure. At a scale outside `scales` it is listed in the manifest as
    left out, with `left_out` as the reason, and never built. `runs`: what the manifest's seeds
    column says when the target's runs are not the paper's seed list (default: its seed count)."""
    if SCALE not in scales and not left_out:
        raise WorkflowError(f"{path}: give the reason it is left out at scale '{SCALE}'")
    TARGETS[paper].append(
        {
            "path": path,
            "paper": paper,
            "reproduces": reproduces,
            "seeds": len(seeds(paper)) if runs is None else runs,
            "left_out": "" if SCALE in scales else left_out,
        }
    )


def built_targets(paper):
    """Targets of a paper that are built at this scale."""
    return [t["path"] for t in TARGETS[paper] if not t["left_out"]]


def targets_json(paper):
    return json.dumps(TARGETS[paper])


def left_out_json(paper=None):
    """JSON {target path: reason} of the targets left out at this scale (one paper, or all):
    claims on those targets read 'not run at this scale' (scripts/common/scorecard.py)."""
    papers = [paper] if paper else PAPERS
    return json.dumps({t["path"]: t["left_out"] for p in papers for t in TARGETS[p] if t["left_out"]},
                      sort_keys=True)


# --- the report: a PNG for every figure, an HTML page for every Markdown table (rules/report.smk)

# the report's subcategories within each paper, in the order it lists them (sorted by name)
REPORT_TABLES, REPORT_FIGURES, REPORT_EXAMPLES = "1. Tables", "2. Figures", "3. Examples and data"

# PDF path pattern -> its report entry (caption relative to rules/, category, subcategory)
FIGURE_REPORTS = {}


def figure_report(path, caption, category, subcategory=REPORT_FIGURES):
    """A figure's PDF output (or a list of them). The PDF stays a plain output; its PNG, copied
    beside it by rules/report.smk, carries the caption into the report, where browsers show it
    (a PDF pane stays blank in many, headless ones included)."""
    for pdf in [path] if isinstance(path, str) else path:
        FIGURE_REPORTS[pdf] = {"caption": caption, "category": category,
                               "subcategory": subcategory}
    return path


def report_previews(paper):
    """The report's views of a paper's built targets: <stem>.png beside each PDF, <stem>.html
    beside each Markdown table or summary."""
    out = []
    for path in built_targets(paper):
        stem, ext = os.path.splitext(path)
        if ext == ".pdf":
            out.append(f"{stem}.png")
        elif ext == ".md":
            out.append(f"{stem}.html")
    return out
