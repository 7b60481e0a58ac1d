"""Loading, resolving and validating the workflow configuration.

``config/config.yaml`` holds the global settings (scale, seeds per scale, data
sources, the list of papers). ``config/<id>.yaml`` holds one block per scale
under the paper's id; the ``paper`` block holds the paper's own values and the
``laptop`` and ``smoke`` blocks hold only what they change (deep-merged over
``paper``). Each resolved block is validated against
``config/schema/<id>.schema.yaml`` before any job runs, and errors name the key.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCALES = ("smoke", "laptop", "paper")
ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "config" / "schema"


class ConfigError(ValueError):
    """A configuration value is missing or not allowed; the message names the key."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (mappings merge, the rest replaces)."""
    merged = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_yaml(path: str | Path) -> Any:
    with open(path) as f:
        return yaml.safe_load(f)


def _key_path(prefix: str, path: Any) -> str:
    parts = [prefix] if prefix else []
    parts += [f"[{p}]" if isinstance(p, int) else str(p) for p in path]
    return ".".join(parts).replace(".[", "[") or "<root>"


def schema_registry(schema_dir: Path = SCHEMA_DIR) -> Registry:
    """Every schema in ``schema_dir`` under its file name, so papers' schemas can
    ``$ref: common.schema.yaml#/$defs/...``."""
    resources = [(path.name, Resource.from_contents(load_yaml(path), default_specification=DRAFT202012))
                 for path in sorted(schema_dir.glob("*.schema.yaml"))]
    return Registry().with_resources(resources)


def validate(instance: Any, schema: Mapping[str, Any], *, where: str = "",
             registry: Registry | None = None) -> None:
    """Validate against a JSON schema; raise ConfigError naming the offending keys."""
    validator = jsonschema.Draft202012Validator(schema, registry=registry or schema_registry())
    errors = sorted(validator.iter_errors(instance), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return
    lines = []
    for err in errors[:10]:
        key = _key_path(where, err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            key = _key_path(where, list(err.absolute_path) + [missing])
            lines.append(f"config key '{key}' is missing")
        elif err.validator == "additionalProperties":
            lines.append(f"config key '{key}': {err.message} (check for a typo)")
        elif err.validator == "enum":
            allowed = ", ".join(map(repr, err.validator_value))
            lines.append(f"config key '{key}': {err.instance!r} is not allowed; allowed: {allowed}")
        else:
            lines.append(f"config key '{key}': {err.message}")
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def resolve_paper(config: Mapping[str, Any], paper: str, scale: str) -> dict[str, Any]:
    """The paper's settings at ``scale``: the ``paper`` block with the scale's block merged over it."""
    if paper not in config:
        raise ConfigError(f"config key '{paper}' is missing (expected config/{paper}.yaml)")
    blocks = config[paper]
    if not isinstance(blocks, Mapping) or "paper" not in blocks:
        raise ConfigError(f"config key '{paper}.paper' is missing")
    if scale == "paper":
        return copy.deepcopy(dict(blocks["paper"]))
    if scale not in blocks:
        raise ConfigError(f"config key '{paper}.{scale}' is missing")
    return deep_merge(blocks["paper"], blocks[scale])


def validate_global(config: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> None:
    """Validate config/config.yaml's settings (scale, papers, seeds, data sources)."""
    validate(config, load_yaml(schema_dir / "config.schema.yaml"), registry=schema_registry(schema_dir))


def validate_papers(config: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> None:
    """Validate every paper's resolved block at every scale against its schema."""
    registry = schema_registry(schema_dir)
    for paper in config["papers"]:
        schema_path = schema_dir / f"{paper}.schema.yaml"
        if not schema_path.exists():
            raise ConfigError(f"config key 'papers': no schema {schema_path} for paper '{paper}'")
        schema = load_yaml(schema_path)
        blocks = config.get(paper)
        if not isinstance(blocks, Mapping):
            raise ConfigError(f"config key '{paper}' is missing (expected config/{paper}.yaml)")
        unknown = sorted(set(blocks) - set(SCALES))
        if unknown:
            raise ConfigError(f"config key '{paper}.{unknown[0]}': not a scale; "
                              f"allowed: {', '.join(SCALES)}")
        for scale in SCALES:
            validate(resolve_paper(config, paper, scale), schema, where=f"{paper}.{scale}",
                     registry=registry)


def validate_config(config: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> None:
    """Validate the global config, then every paper's resolved block at every scale."""
    validate_global(config, schema_dir)
    validate_papers(config, schema_dir)


def load_config(paths: list[str | Path] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Load config.yaml and each paper's file as Snakemake would, then validate."""
    root_cfg = ROOT / "config"
    config = load_yaml(root_cfg / "config.yaml")
    for paper in config.get("papers", []):
        config = deep_merge(config, load_yaml(root_cfg / f"{paper}.yaml"))
        sources = root_cfg / f"{paper}_sources.yaml"
        if sources.exists():  # a paper's long download registry, as the Snakefile merges it
            config = deep_merge(config, load_yaml(sources))
    for path in paths or []:
        config = deep_merge(config, load_yaml(path))
    config = deep_merge(config, overrides)
    validate_config(config)
    return config
