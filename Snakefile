# Reproduction workflow for five RL papers; see README.md and CONTRIBUTING.md.
# Thin on purpose: configuration, validation, includes and the target rules.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, workflow.basedir)  # makes `scripts` importable for config validation
from snakemake.utils import update_config

from scripts.common import scale_guard
from scripts.common.config import ConfigError, check_config_files, type_overrides, validate_global, validate_papers

# config is read beside this file, so `snakemake -s <repo>/Snakefile -d <elsewhere>` works; jobs
# import `scripts` from here too (outputs go to the working directory)
_CONFIG_DIR = os.path.join(workflow.basedir, "config")
shell.prefix(
    f"export PYTHONPATH={workflow.basedir}${{{{PYTHONPATH:+:$PYTHONPATH}}}}"
    f" RL_ENV_LANE={config.get('env_lane', 'pinned')}; "
)

# every config file is parsed first by our loader: a duplicate key (which `configfile:` would
# resolve silently) or a YAML error stops here, naming the file and line
try:
    check_config_files(
        sorted(os.path.join(_CONFIG_DIR, f) for f in os.listdir(_CONFIG_DIR) if f.endswith(".yaml"))
        + [str(f) for f in workflow.config_settings.configfiles]
    )
    # --config values below the top level arrive as strings; type them as the schemas ask
    _OVERRIDES = type_overrides(workflow.config_settings.overwrite_config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None


configfile: os.path.join(_CONFIG_DIR, "config.yaml")


# the config is checked against config/schema/ before any job runs; errors name the key
try:
    update_config(config, _OVERRIDES)
    validate_global(config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None

# each paper's settings live in config/<id>.yaml, and its pinned download registry, if it has
# a long one, in config/<id>_sources.yaml (merged into data_sources); --config overrides still win
for _paper in config["papers"]:

    configfile: os.path.join(_CONFIG_DIR, f"{_paper}.yaml")

    if os.path.exists(os.path.join(_CONFIG_DIR, f"{_paper}_sources.yaml")):

        configfile: os.path.join(_CONFIG_DIR, f"{_paper}_sources.yaml")


try:
    update_config(config, _OVERRIDES)  # `configfile:` re-applied the untyped --config values
    validate_global(config)  # again: the papers' files add data sources
    validate_papers(config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None


include: "rules/common.smk"


# figures/ is one tree for every scale (so the README's commands stay the same); a run at
# another scale than the one it holds is refused before any job is planned
try:
    scale_guard.check("figures", SCALE)
except scale_guard.ScaleClash as err:
    raise WorkflowError(str(err)) from None


onstart:
    scale_guard.mark("figures", SCALE)


report: "report/workflow.rst"


for _paper in PAPERS:

    include: f"rules/{_paper}.smk"


include: "rules/report.smk"


rule all:
    """The whole study at the configured scale: figures/all is the manifest of every target."""
    default_target: True
    input:
        "figures/all",


from scripts.common.scorecard import load_claims

# a paper's per-run claims file is needed when one of its claims' targets is built at this scale
# (a claim's optional `runs` names another file of the paper's, e.g. T-REX's MinAtar stand-in)
_BUILT = {t["path"] for p in PAPERS for t in TARGETS[p] if not t["left_out"]}
SCORECARD_RUNS = sorted(
    {
        res(c["paper"], c.get("runs", "claims.csv"))
        for c in load_claims()
        if c["paper"] in PAPERS and c["target"] in _BUILT
    }
)


rule scorecard:
    """Every claim of config/claims.yaml judged on this scale's runs by the one verdict rule."""
    input:
        claims=os.path.join(_CONFIG_DIR, "claims.yaml"),
        runs=SCORECARD_RUNS,
    output:
        md="figures/scorecard.md",
        csv="figures/scorecard.csv",
        # the report shows the HTML page inline (a Markdown file would only be a download)
        html=report("figures/scorecard.html", caption="report/scorecard.rst", category="0. Scorecard"),
    log:
        f"logs/{SCALE}/scorecard.log",
    conda:
        f"envs/{os.path.basename(env_file('workflow'))}"
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json(),
    shell:
        "python -m scripts.common.scorecard --scale {params.scale} --claims {input.claims}"
        " --runs {input.runs} --left-out {params.left_out:q} --out-md {output.md}"
        " --out-csv {output.csv} > {log} 2>&1"
        " && python -m scripts.common.md_html --md {output.md} --out {output.html} >> {log} 2>&1"


rule manifest_all:
    """One row per table and figure of every paper (built or left out, and why), and the scorecard."""
    input:
        papers=expand("figures/{paper}/all", paper=PAPERS),
        scorecard=rules.scorecard.output,
    output:
        "figures/all",
    log:
        f"logs/{SCALE}/manifest_all.log",
    conda:
        f"envs/{os.path.basename(env_file('workflow'))}"
    params:
        scale=SCALE,
        lane=ENV_LANE,
        scorecard=json.dumps(
            [
                {
                    "path": p,
                    "paper": "all",
                    "reproduces": "Scorecard: every claim's verdict",
                    "seeds": "",
                    "left_out": "",
                }
                for p in ("figures/scorecard.md", "figures/scorecard.csv")
            ]
        ),
    shell:
        "python -m scripts.common.manifest --scale {params.scale} --env-lane {params.lane}"
        " --combine {input.papers}"
        " --extra-targets {params.scorecard:q} --out {output} > {log} 2>&1"


rule manifest_paper:
    """One paper's manifest: figures/<id>/all."""
    input:
        lambda wc: built_targets(wc.paper),
        lambda wc: report_previews(wc.paper),
    output:
        "figures/{paper}/all",
    log:
        f"logs/{SCALE}/manifest_{{paper}}.log",
    conda:
        f"envs/{os.path.basename(env_file('workflow'))}"
    params:
        scale=SCALE,
        lane=ENV_LANE,
        targets=lambda wc: targets_json(wc.paper),
    shell:
        "python -m scripts.common.manifest --scale {params.scale} --env-lane {params.lane}"
        " --targets {params.targets:q} --out {output} > {log} 2>&1"


# every rule's threads and resources, from config by the rule's name (rules/common.smk)
apply_resources()

# downloads, tables, figures, comparisons, reports and manifests run on the submitting node
# (compute nodes need no internet, and seconds-long jobs do not wait in the queue)
workflow.localrules(*local_rules(rule.name for rule in workflow.rules))
