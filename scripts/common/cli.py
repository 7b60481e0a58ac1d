"""Argument parsing shared by every step's CLI.

Rules pass the step's resolved parameters as one JSON string (``--params``),
plus ``--seed`` and ``--threads``; inputs and outputs are explicit flags of each
step.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import keyword
import os
import sys
import typing
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
    """A damaged input file, or --params that do not fit the step, end it with one line naming
    the file or key (no traceback)."""
    from scripts.common.io import DamagedFileError

    previous = sys.excepthook
    if getattr(previous, "_one_line", False):
        return

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, DamagedFileError):
            print(f"error: damaged input: {exc}", file=sys.stderr)
        elif issubclass(exc_type, ParamsError):
            print(f"error: bad --params: {exc}", file=sys.stderr)
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


class ParamsError(ValueError):
    """A step's ``--params`` do not fit its parameter dataclass (the message names the key)."""


def step_params(cls: Any, raw: Any, where: str = "params") -> Any:
    """Build the step's typed parameter dataclass ``cls`` from its ``--params`` object.

    Every field without a default must be given; a key the dataclass does not declare is an
    error (a misspelt or stale setting never passes silently); values are checked against the
    field's type (``int``, ``float`` (an int is accepted), ``str``, ``bool``, ``dict``, ``list``,
    ``Optional[...]``, a nested parameter dataclass). Errors name the key, as ``where.key``. A key
    that is a Python keyword, such as ``lambda``, fills the field ``lambda_``."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{where}: expected an object of settings, got {type(raw).__name__}")
    # a key that is a Python keyword (`lambda`) is the field of that name with a trailing `_`
    keys = {(f.name[:-1] if f.name.endswith("_") and keyword.iskeyword(f.name[:-1]) else f.name): f
            for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ParamsError(f"{where}: unknown key(s) {', '.join(unknown)} "
                          f"(this step takes {', '.join(sorted(keys))})")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, f in keys.items():
        if key not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParamsError(f"{where}: missing key {key}")
            continue
        values[f.name] = _typed(raw[key], hints[f.name], f"{where}.{key}")
    return cls(**values)


def _typed(value: Any, hint: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin is typing.Union:  # Optional[X] and unions: the first member the value fits
        if value is None and type(None) in args:
            return None
        errors = []
        for member in (a for a in args if a is not type(None)):
            try:
                return _typed(value, member, where)
            except ParamsError as err:
                errors.append(str(err))
        raise ParamsError(errors[0] if len(errors) == 1 else f"{where}: {value!r} fits none of {hint}")
    if dataclasses.is_dataclass(hint):
        return step_params(hint, value, where)
    kind = origin or hint
    if kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind in (dict, list, str, bool):
        if isinstance(value, kind):
            return value
    elif kind in (tuple, typing.Tuple):
        if isinstance(value, (list, tuple)):
            return tuple(value)
    else:
        raise TypeError(f"{where}: step_params cannot check the type {hint}")
    raise ParamsError(f"{where}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
