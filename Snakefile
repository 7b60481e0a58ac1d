# Reproduction workflow for five RL papers; see README.md and ../shared/DESIGN.md.
# Thin on purpose: configuration, validation, includes and the target rules.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, workflow.basedir)  # makes `scripts` importable for config validation
from snakemake.utils import update_config

from scripts.common.config import (ConfigError, check_config_files, type_overrides,
                                   validate_global, validate_papers)

# config is read beside this file, so `snakemake -s <repo>/Snakefile -d <elsewhere>` works; jobs
# import `scripts` from here too (outputs go to the working directory)
_CONFIG_DIR = os.path.join(workflow.basedir, "config")
shell.prefix(f"export PYTHONPATH={workflow.basedir}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

# every config file is parsed first by our loader: a duplicate key (which `configfile:` would
# resolve silently) or a YAML error stops here, naming the file and line
try:
    check_config_files(
        sorted(
            os.path.join(_CONFIG_DIR, f)
            for f in os.listdir(_CONFIG_DIR)
            if f.endswith(".yaml")
        )
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


report: "report/workflow.rst"


for _paper in PAPERS:

    include: f"rules/{_paper}.smk"


rule all:
    """The whole study at the configured scale: figures/all is the manifest of every target."""
    default_target: True
    input:
        "figures/all",


rule manifest_all:
    """One row per table and figure of every paper (built or left out, and why)."""
    input:
        expand("figures/{paper}/all", paper=PAPERS),
    output:
        "figures/all",
    log:
        f"logs/{SCALE}/manifest_all.log",
    conda:
        "envs/workflow.yaml"
    threads: 1
    resources:
        runtime=5,
        mem_mb=1000,
    params:
        scale=SCALE,
    shell:
        "python -m scripts.common.manifest --scale {params.scale} --combine {input}"
        " --out {output} > {log} 2>&1"


rule manifest_paper:
    """One paper's manifest: figures/<id>/all."""
    input:
        lambda wc: built_targets(wc.paper),
    output:
        "figures/{paper}/all",
    log:
        f"logs/{SCALE}/manifest_{{paper}}.log",
    conda:
        "envs/workflow.yaml"
    threads: 1
    resources:
        runtime=5,
        mem_mb=1000,
    params:
        scale=SCALE,
        targets=lambda wc: targets_json(wc.paper),
    shell:
        "python -m scripts.common.manifest --scale {params.scale} --targets {params.targets:q}"
        " --out {output} > {log} 2>&1"
