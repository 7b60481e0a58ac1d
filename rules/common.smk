# Helpers shared by every paper's rules: scale resolution, path helpers, targets,
# resources and environment choice. Functions only (no rules), so --lint stays clean.
import json
import os
from pathlib import Path

from scripts.common.cluster import CURRENT_LANE_ENV, local_rules
from scripts.common.config import paper_seeds, resolve_paper
from scripts.common.plan import Layout
from scripts.common.resources import resolve as resolve_resources
from scripts.common.resources import selector as resource_selector_of
from scripts.common.resources import varying as resource_keys_by

SCALE = config["scale"]
PAPERS = list(config["papers"])


wildcard_constraints:
    paper="|".join(PAPERS),
    seed=r"\d+",


# targets registered by each rules/<id>.smk: paper -> list of target records
TARGETS = {paper: [] for paper in PAPERS}
# claim id -> why this scale runs none of it, where its target is built for other claims
CLAIMS_LEFT_OUT = {paper: {} for paper in PAPERS}


def P(paper):
    """The paper's settings at the current scale (paper block, scale block merged over it)."""
    return resolve_paper(config, paper, SCALE)


def seeds(paper):
    """Seeds for a paper at this scale: its own `seeds:` if set, else the global list."""
    return paper_seeds(config, paper, SCALE)


def res(paper, *parts):
    """Path of a cached intermediate: results/<scale>/<paper>/<parts...>."""
    return Layout(paper, SCALE).res(*parts)


def logpath(paper, *parts):
    """Path of a rule's log: logs/<scale>/<paper>/<parts...>.log."""
    return Layout(paper, SCALE).log(*parts)


def benchpath(paper, *parts):
    """Path of a training rule's benchmark file: benchmarks/<scale>/<paper>/<parts...>.tsv."""
    return Layout(paper, SCALE).bench(*parts)


def fig(paper, name):
    """Path of a table or figure: figures/<paper>/<name>."""
    return Layout(paper, SCALE).fig(name)


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


# --- threads and resources. Rules state none: once all are defined, the Snakefile calls
# apply_resources(), which looks each one up by name in its table (the `resources:` of its
# paper at this scale for rules/<id>.smk; config.yaml's for the Snakefile and rules/report.smk)

# name -> function of a job's wildcards, for a table entry's `by` that is not a wildcard
RESOURCE_SELECTORS = {}


def resource_selector(name, function):
    """Let `by: <name>` in a resources table pick a block by function(wildcards)."""
    RESOURCE_SELECTORS[name] = function


def resource_table(job_rule):
    """The resources table of a rule: its paper's (rules/<id>.smk, or a part of it included from
    there, rules/<id>_<part>.smk) or the workflow's."""
    stem = Path(str(job_rule.snakefile)).stem.split("_")[0]
    if stem in PAPERS and Path(str(job_rule.snakefile)).parent.name == "rules":
        return P(stem).get("resources") or {}
    return config.get("resources") or {}


def _by_job(table, name, by, key):
    pick = RESOURCE_SELECTORS.get(by)

    def value(wildcards):
        if pick is not None:
            return resolve_resources(table, name, pick(wildcards))[key]
        if not hasattr(wildcards, by):
            raise WorkflowError(
                f"resources of {name}: `by: {by}` names neither one of its wildcards"
                f" nor a registered selector ({', '.join(RESOURCE_SELECTORS)})"
            )
        return resolve_resources(table, name, getattr(wildcards, by))[key]

    return value


def apply_resources():
    """Set the threads and resources of every rule from its table, as its own `threads`
    and `resources` directives would: over --default-resources, under --set-threads and
    --set-resources."""
    settings = workflow.resource_settings
    set_threads = getattr(settings, "_parsed_overwrite_threads", None) or {}
    set_resources = getattr(settings, "_parsed_overwrite_resources", None) or {}
    for each in workflow.rules:
        table = resource_table(each)
        values = resolve_resources(table, each.name)
        by = resource_selector_of(table, each.name)
        if by is not None:  # what the `by` blocks set is a function of the job's wildcards
            values.update({key: _by_job(table, each.name, by, key) for key in resource_keys_by(table, each.name)})
        threads = values.pop("threads")
        if each.name not in set_threads:
            each.resources["_cores"] = threads
        each.resources.update(values)
        each.resources.update(set_resources.get(each.name, {}))


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


def register_targets(paper, targets):
    """Declare every table and figure of a paper's plan (scripts.common.plan.Targets)."""
    TARGETS[paper].extend(targets.records())


def register_claims_left_out(paper, reasons):
    """Declare the claims (id -> reason) a paper's plan runs none of at this scale although their
    target is built (e.g. the laptop's LSE Fig. 3 without varied-HP SEs)."""
    CLAIMS_LEFT_OUT[paper].update(reasons)


def built_targets(paper):
    """Targets of a paper that are built at this scale."""
    return [t["path"] for t in TARGETS[paper] if not t["left_out"]]


def targets_json(paper):
    return json.dumps(TARGETS[paper])


def left_out_json(paper=None):
    """JSON {target path or claim id: reason} of the targets left out at this scale and of the
    claims run nowhere (one paper, or all): those claims read 'not run at this scale'
    (scripts/common/scorecard.py)."""
    papers = [paper] if paper else PAPERS
    reasons = {t["path"]: t["left_out"] for p in papers for t in TARGETS[p] if t["left_out"]}
    reasons.update({c: r for p in papers for c, r in CLAIMS_LEFT_OUT[p].items()})
    return json.dumps(reasons, sort_keys=True)


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
        FIGURE_REPORTS[pdf] = {"caption": caption, "category": category, "subcategory": subcategory}
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
