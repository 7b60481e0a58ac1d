"""What each rule of the workflow runs: its conda env, shell command, GPU request, modules.

Loads the Snakefile through Snakemake's API (no job runs), at a given scale, so checks cover
whatever papers `config/config.yaml` includes:

    python -m scripts.tools.workflow_rules --scale paper
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[2]
MODULE_RE = re.compile(r"python3?\s+-m\s+(scripts(?:\.\w+)+)")
SCRIPT_RE = re.compile(r"python3?\s+((?:scripts|tests)/[\w/]+\.py)")


@dataclass
class RuleInfo:
    name: str
    env: Optional[str]  # env file relative to the repo root, None when the rule names none
    shell: Optional[str]
    gpu: Optional[int]  # None: not set, or set by a function (unknown until jobs exist)
    modules: List[str] = field(default_factory=list)  # `python -m scripts.x.y` targets
    scripts: List[str] = field(default_factory=list)  # `python path/to/file.py` targets
    local: bool = False  # runs on the submitting node under a cluster executor (localrules)


def _gpu(rule) -> Optional[int]:
    res = rule.resources.get("gpu")
    if res is None:
        return None
    value = getattr(res, "_value", res)
    return value if isinstance(value, int) else None


def load_rules(scale: str = "paper", snakefile: Path | str = REPO / "Snakefile",
               config: Optional[dict] = None) -> List[RuleInfo]:
    """Parse the workflow at ``scale`` and describe every rule."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (ConfigSettings, OutputSettings, ResourceSettings,
                                          StorageSettings)

    snakefile = Path(snakefile).resolve()
    overrides = {"scale": scale, **(config or {})}
    quiet = io.StringIO()
    # an empty working directory: the workflow reads its config beside the Snakefile, and the
    # checks must not depend on (or trip over) the outputs of the checkout's own runs
    with contextlib.redirect_stderr(quiet), SnakemakeApi(OutputSettings()) as api, \
            tempfile.TemporaryDirectory() as workdir:
        wapi = api.workflow(resource_settings=ResourceSettings(),
                            config_settings=ConfigSettings(config=overrides),
                            storage_settings=StorageSettings(), snakefile=snakefile,
                            workdir=Path(workdir))
        workflow = wapi._workflow  # parsed on creation; the public API has no rule listing
        rules = list(workflow.rules)
        local = set(workflow._localrules)  # what `localrules` and `localrule: True` declared
    out = []
    for rule in rules:
        env = None
        if rule.conda_env is not None:
            env_path = (Path(rule.snakefile).parent / str(rule.conda_env)).resolve()
            try:
                env = str(env_path.relative_to(snakefile.parent))
            except ValueError:
                env = str(env_path)
        shell = rule.shellcmd
        out.append(RuleInfo(
            name=rule.name, env=env, shell=shell, gpu=_gpu(rule),
            modules=sorted(set(MODULE_RE.findall(shell or ""))),
            scripts=sorted(set(SCRIPT_RE.findall(shell or ""))), local=rule.name in local))
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="paper")
    args = p.parse_args(argv)
    print(json.dumps([asdict(r) for r in load_rules(args.scale)], indent=1))


if __name__ == "__main__":
    main()
