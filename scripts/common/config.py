"""Loading, resolving and validating the workflow configuration.

``config/config.yaml`` holds the global settings (scale, seeds per scale, data
sources, the list of papers). ``config/<id>.yaml`` holds one block per scale
under the paper's id; the ``paper`` block holds the paper's own values and the
``laptop`` and ``smoke`` blocks hold only what they change (deep-merged over
``paper``). Each resolved block is validated against
``config/schema/<id>.schema.yaml`` before any job runs, and errors name the key.

Every config YAML is read with :func:`load_yaml`, which rejects duplicate keys
and names the file and line of any YAML error. Values given on the command line
(``--config key=value``) reach the workflow as strings below the top level
(Snakemake parses them with YAML's BaseLoader); :func:`type_overrides` gives them
the types the schemas ask for. After the schemas, cross-field checks
(``scripts.common.config_checks``) catch what a schema cannot express.
"""
from __future__ import annotations

import copy
import re
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


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # C parser where built
    """yaml.SafeLoader that refuses a key given twice in one mapping (YAML would keep the last)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # SafeLoader reports unhashable keys itself
        if key in seen:
            raise yaml.constructor.ConstructorError(
                f"while reading the mapping that starts on line {node.start_mark.line + 1}", node.start_mark,
                f"duplicate key '{key}' (first given on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a duplicate key or a syntax error raises ConfigError naming the file
    and the line (``<file>:<line>: ...``)."""
    try:
        with open(path) as f:
            return yaml.load(f, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = " ".join(str(err.problem or err).split())
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(err).split())}") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config file ({err.strerror})") from None


_SCHEMA_CACHE: dict = {}


def load_schema(path: Path) -> Any:
    """A schema file, parsed once per process (and again if it changes)."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _SCHEMA_CACHE:
        _SCHEMA_CACHE[key] = load_yaml(path)
    return copy.deepcopy(_SCHEMA_CACHE[key])


def _key_path(prefix: str, path: Any) -> str:
    parts = [prefix] if prefix else []
    parts += [f"[{p}]" if isinstance(p, int) else str(p) for p in path]
    return ".".join(parts).replace(".[", "[") or "<root>"


def schema_registry(schema_dir: Path = SCHEMA_DIR) -> Registry:
    """Every schema in ``schema_dir`` under its file name, so papers' schemas can
    ``$ref: common.schema.yaml#/$defs/...``."""
    resources = [(path.name, Resource.from_contents(load_schema(path), default_specification=DRAFT202012))
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
        elif err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
            known = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in known and not any(
                re.search(pat, str(k)) for pat in err.schema.get("patternProperties", {}))]
            for k in extra:
                lines.append(f"config key '{_key_path(where, list(err.absolute_path) + [k])}' is not "
                             f"a known setting (check for a typo)"
                             + (f"; known here: {', '.join(known)}" if known else ""))
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
    merged = deep_merge(blocks["paper"], blocks[scale])
    # a scale's resources table is complete (its `default` and the rules that differ from it):
    # it replaces the paper block's rather than inheriting its rules' entries
    if isinstance(blocks[scale], Mapping) and "resources" in blocks[scale]:
        merged["resources"] = copy.deepcopy(blocks[scale]["resources"])
    return merged


def paper_seeds(config: Mapping[str, Any], paper: str, scale: str) -> list:
    """The seeds of a paper at ``scale``: its own ``seeds:`` if its resolved block sets them,
    else the global list of that scale (config/config.yaml)."""
    return list(resolve_paper(config, paper, scale).get("seeds", config["seeds"][scale]))


def validate_global(config: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> None:
    """Validate config/config.yaml's settings (scale, papers, seeds, data sources, the resources
    of the workflow's own rules)."""
    validate(config, load_schema(schema_dir / "config.schema.yaml"), registry=schema_registry(schema_dir))
    _check_resources(config.get("resources") or {}, WORKFLOW_RULE_FILES, "resources")


# the files whose rules each resources table may name: a paper's rule file, and for the global
# table (config/config.yaml) the workflow's own rules
WORKFLOW_RULE_FILES = [ROOT / "Snakefile", ROOT / "rules" / "report.smk"]


def _check_resources(table: Mapping[str, Any], rule_files: "list[Path]", where: str) -> None:
    from scripts.common.resources import problems, rule_names

    names = {n for f in rule_files for n in rule_names(f)}
    found = problems(table, names)
    if found:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(
            f"config key '{where}.{key}': {what}" for key, what in found))


def validate_papers(config: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> None:
    """Validate every paper's resolved block at every scale against its schema, then the
    cross-field checks of ``scripts.common.config_checks``."""
    from scripts.common.config_checks import cross_field_problems

    registry = schema_registry(schema_dir)
    for paper in config["papers"]:
        schema_path = schema_dir / f"{paper}.schema.yaml"
        if not schema_path.exists():
            raise ConfigError(f"config key 'papers': no schema {schema_path} for paper '{paper}'")
        schema = load_schema(schema_path)
        blocks = config.get(paper)
        if not isinstance(blocks, Mapping):
            raise ConfigError(f"config key '{paper}' is missing (expected config/{paper}.yaml)")
        unknown = sorted(set(blocks) - set(SCALES))
        if unknown:
            raise ConfigError(f"config key '{paper}.{unknown[0]}': not a scale; "
                              f"allowed: {', '.join(SCALES)}")
        for scale in SCALES:
            resolved = resolve_paper(config, paper, scale)
            validate(resolved, schema, where=f"{paper}.{scale}", registry=registry)
            _check_resources(resolved.get("resources") or {}, [ROOT / "rules" / f"{paper}.smk"],
                             f"{paper}.{scale}.resources")
            problems = cross_field_problems(paper, resolved)
            if problems:
                raise ConfigError("invalid configuration:\n  " + "\n  ".join(
                    f"config key '{paper}.{scale}.{key}': {what}" for key, what in problems))


def check_config_files(paths: "list[str | Path]") -> None:
    """Parse each config file with :func:`load_yaml` (duplicate keys, YAML errors with file and
    line). The Snakefile calls it before its ``configfile:`` directives, whose parser would keep
    the last of two duplicate keys silently."""
    for path in paths:
        load_yaml(path)


def _schemas(schema_dir: Path) -> dict:
    return {p.name: load_schema(p) for p in sorted(schema_dir.glob("*.schema.yaml"))}


def _deref(node: Any, doc: str, schemas: dict) -> "tuple[Any, str]":
    """Follow ``$ref`` (``#/$defs/x`` or ``<file>#/$defs/x``); other keys beside it are kept."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and seen < 20:
        seen += 1
        ref = node["$ref"]
        file, _, pointer = ref.partition("#")
        doc = file or doc
        target: Any = schemas[doc]
        for part in [p for p in pointer.split("/") if p]:
            target = target[part]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **rest} if isinstance(target, Mapping) else target
    return node, doc


def _branches(node: Any, doc: str, schemas: dict) -> "list[tuple[Mapping, str]]":
    """The schema and every anyOf/oneOf/allOf branch of it, dereferenced."""
    node, doc = _deref(node, doc, schemas)
    if not isinstance(node, Mapping):
        return []
    out = [(node, doc)]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            out += _branches(sub, doc, schemas)
    return out


def _coerce(value: Any, node: Any, doc: str, schemas: dict) -> Any:
    branches = _branches(node, doc, schemas)
    if isinstance(value, Mapping):
        out = {}
        for key, sub in value.items():
            subs = []
            for b, d in branches:
                if key in b.get("properties", {}):
                    subs.append((b["properties"][key], d))
                    continue
                matched = [v for pat, v in b.get("patternProperties", {}).items() if re.search(pat, str(key))]
                if matched:
                    subs.append((matched[0], d))
                elif isinstance(b.get("additionalProperties"), Mapping):
                    subs.append((b["additionalProperties"], d))
            out[key] = _coerce(sub, {"anyOf": [s for s, _ in subs]} if len(subs) != 1 else subs[0][0],
                               subs[0][1] if subs else doc, schemas) if subs else sub
        return out
    if isinstance(value, list):
        items = [(b["items"], d) for b, d in branches if isinstance(b.get("items"), Mapping)]
        if not items:
            return list(value)
        return [_coerce(v, items[0][0], items[0][1], schemas) for v in value]
    if isinstance(value, str):
        types: set = set()
        enums: list = []
        for b, _ in branches:
            t = b.get("type")
            types.update([t] if isinstance(t, str) else (t or []))
            enums += list(b.get("enum", [])) + ([b["const"]] if "const" in b else [])
        if "string" in types or value in enums:
            return value
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if isinstance(parsed, str) and "number" in types:  # YAML 1.1 reads 1e-4 as a string
            try:
                parsed = float(value)
            except ValueError:
                pass
        ok = ((isinstance(parsed, bool) and "boolean" in types)
              or (isinstance(parsed, int) and not isinstance(parsed, bool) and types & {"integer", "number"})
              or (isinstance(parsed, float) and "number" in types)
              or (parsed is None and "null" in types)
              or (not isinstance(parsed, (dict, list)) and parsed in enums and parsed is not None))
        return parsed if ok else value
    return value


def type_overrides(overrides: Mapping[str, Any], schema_dir: Path = SCHEMA_DIR) -> dict:
    """``--config`` values typed as the schemas ask. Snakemake parses a nested ``--config`` value
    with YAML's BaseLoader, so ``'seeds={smoke: [0, 1]}'`` arrives as strings; a string is replaced
    by its YAML value where the schema wants an integer, number, boolean or null there (a paper's
    scale blocks are typed by the paper's schema). Values the schema does not type stay as given,
    and validation then names them."""
    schemas = _schemas(schema_dir)
    out = {}
    for key, value in dict(overrides).items():
        if f"{key}.schema.yaml" in schemas and isinstance(value, Mapping):
            out[key] = {scale: _coerce(block, schemas[f"{key}.schema.yaml"], f"{key}.schema.yaml", schemas)
                        for scale, block in value.items()}
        else:
            out[key] = _coerce({key: value}, schemas["config.schema.yaml"], "config.schema.yaml",
                               schemas)[key]
    return out


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
