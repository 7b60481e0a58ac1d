"""Argument parsing shared by every step's CLI.

Rules pass the step's resolved parameters as one JSON string (``--params``),
plus ``--seed`` and ``--threads``; inputs and outputs are explicit flags of each
step.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from scripts.common.seeding import seed_everything, set_threads


def parser(description: str, *, seed: bool = True, required: Sequence[str] = (),
           required_many: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The step's argument parser: ``--params``, ``--threads`` and (unless ``seed=False``)
    ``--seed``, plus a required string option for each flag in ``required`` (``"--out"``) and a
    required one-or-more-values option for each flag in ``required_many``. Options with a type,
    choices, a default or help text are added by the caller with ``add_argument``."""
    _one_line_errors()
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--params", type=json.loads, default={},
                   help="the step's resolved parameters, as a JSON object")
    p.add_argument("--threads", type=int, default=1, help="torch/BLAS threads for this process")
    if seed:
        p.add_argument("--seed", type=int, default=0, help="seed for every random generator")
    for flag in required:
        p.add_argument(flag, required=True)
    for flag in required_many:
        p.add_argument(flag, nargs="+", required=True)
    return p


def _one_line_errors() -> None:
    """A damaged input file ends the step with one line naming the file (no traceback)."""
    from scripts.common.io import DamagedFileError

    previous = sys.excepthook
    if getattr(previous, "_one_line", False):
        return

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, DamagedFileError):
            print(f"error: damaged input: {exc}", file=sys.stderr)
        else:
            previous(exc_type, exc, tb)

    hook._one_line = True
    sys.excepthook = hook


def setup(args: argparse.Namespace, *,
          config_beside: "str | os.PathLike | list | None" = None) -> None:
    """Apply thread and seed settings from parsed arguments. With ``config_beside`` (an output
    file or folder, or a list of them), also write every argument of the call, ``--params``
    included, beside each as the stage's resolved config: ``<folder>/config.json`` for a folder
    the stage owns, ``<dir>/<stem>.config.json`` for a file (see
    ``scripts.common.io.resolved_config_path``)."""
    set_threads(args.threads)
    if getattr(args, "seed", None) is not None:
        seed_everything(args.seed)
    if config_beside is not None:
        from scripts.common.io import write_resolved_config

        for output in ([config_beside] if isinstance(config_beside, (str, os.PathLike))
                       else config_beside):
            write_resolved_config(output, vars(args))


def require(params: dict[str, Any], *keys: str, where: str = "params") -> list[Any]:
    """Fetch required keys, failing with the missing key's name."""
    missing = [k for k in keys if k not in params]
    if missing:
        raise KeyError(f"{where}: missing key(s) {', '.join(missing)}")
    return [params[k] for k in keys]
