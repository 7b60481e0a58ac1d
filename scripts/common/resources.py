"""Threads and cluster resources of a rule, from a `resources:` table keyed by rule name.

A table (one per paper and scale in config/<id>.yaml, one for the workflow's own rules in
config/config.yaml) holds `default` and the rules that differ from it::

    resources:
      default: {runtime: 30, mem_mb: 4000}
      trex_train_reward: {runtime: 240, mem_mb: 8000}
      trex_train_policy:
        by: kind                  # a wildcard, or a selector a rule file registers
        mujoco: {runtime: 240}
        atari: {runtime: 2880, mem_mb: 16000, gpu: 1, threads: 8}

A rule's values are DEFAULTS, then the table's `default`, then its own entry, then, where the
entry has `by`, the entry's block for the job's value of `by` (a value without a block keeps
the entry's values). runtime is in minutes; gpu is the number of GPUs a job asks for.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

DEFAULTS: Dict[str, int] = {"runtime": 10, "mem_mb": 2000, "gpu": 0, "threads": 1}
KEYS = tuple(DEFAULTS)
_RULE = re.compile(r"^\s*(?:rule|checkpoint)\s+(\w+)\s*:", re.M)


def resolve(table: Mapping[str, Any], rule: str, value: Optional[str] = None) -> Dict[str, int]:
    """The rule's threads and resources; ``value``: the job's value of the entry's ``by``."""
    out = dict(DEFAULTS)
    out.update(table.get("default") or {})
    entry = table.get(rule) or {}
    out.update({k: v for k, v in entry.items() if k in KEYS})
    if value is not None and isinstance(entry.get(value), Mapping):
        out.update(entry[value])
    return out


def selector(table: Mapping[str, Any], rule: str) -> Optional[str]:
    """The name the rule's values vary by (its entry's ``by``), or None."""
    return (table.get(rule) or {}).get("by")


def varying(table: Mapping[str, Any], rule: str) -> List[str]:
    """The keys the rule's ``by`` blocks set: the only ones that differ from job to job."""
    entry = table.get(rule) or {}
    return sorted({k for block in entry.values() if isinstance(block, Mapping) for k in block})


def problems(table: Mapping[str, Any], rules: Iterable[str]) -> List[Tuple[str, str]]:
    """``(key, problem)`` for each entry that names no rule in ``rules``, and for variant blocks
    without a ``by`` (the schema checks the values)."""
    known = set(rules)
    out = []
    for name, entry in (table or {}).items():
        if name == "default":
            continue
        if name not in known:
            out.append((name, "not a rule of this paper's rule file (rules are keyed by name)"))
            continue
        variants = [k for k in (entry or {}) if k not in KEYS and k != "by"]
        if variants and "by" not in entry:
            out.append((f"{name}.{variants[0]}", "a variant block needs `by` (what it varies by)"))
    return out


def rule_names(path: "str | Path") -> List[str]:
    """Names of the rules a Snakefile defines with `rule <name>:` (a rule whose name is computed,
    `rule: name: f"..."`, cannot be keyed and takes the table's default)."""
    return _RULE.findall(Path(path).read_text())
