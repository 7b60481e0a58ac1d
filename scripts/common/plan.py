"""What a paper builds at one scale, as plain data: the shared part of every scripts/<id>/plan.py.

Each paper's ``scripts/<id>/plan.py`` turns its resolved settings (config/<id>.yaml at one scale,
``scripts.common.config.resolve_paper``) into run lists, stage parameters and targets with pure
functions, tested without Snakemake (tests/<id>/test_plan.py). Its rule file, rules/<id>.smk,
holds rules only: it builds the plan once, and names each table or figure by its key in the
plan's :class:`Targets`, so a target's path is written in one place.

``Layout`` is the one definition of where a paper's files go (rules/common.smk's ``res``,
``logpath``, ``benchpath`` and ``fig`` use it too).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union


@dataclass(frozen=True)
class Layout:
    """Paths of one paper at one scale."""

    paper: str
    scale: str

    def res(self, *parts: str) -> str:
        """A cached intermediate: results/<scale>/<paper>/<parts...>."""
        return os.path.join("results", self.scale, self.paper, *parts)

    def log(self, *parts: str) -> str:
        """A rule's log: logs/<scale>/<paper>/<parts...>.log."""
        return os.path.join("logs", self.scale, self.paper, *parts) + ".log"

    def bench(self, *parts: str) -> str:
        """A training rule's benchmark file: benchmarks/<scale>/<paper>/<parts...>.tsv."""
        return os.path.join("benchmarks", self.scale, self.paper, *parts) + ".tsv"

    def fig(self, name: str) -> str:
        """A table or figure: figures/<paper>/<name>."""
        return f"figures/{self.paper}/{name}"


@dataclass(frozen=True)
class Target:
    """One table or figure of a paper, as the manifest lists it."""

    path: str
    reproduces: str  # what of the paper it reproduces ("Table 1 (Atari LfD performance)")
    runs: Union[int, str]  # the manifest's seeds column: a run count, or words for other designs
    left_out: str = ""  # why it is not built at this scale; empty when it is built

    @property
    def built(self) -> bool:
        return not self.left_out

    def record(self, paper: str) -> Dict[str, Any]:
        """The manifest's record (scripts/common/manifest.py)."""
        return {"path": self.path, "paper": paper, "reproduces": self.reproduces, "seeds": self.runs,
                "left_out": self.left_out}


class Targets:
    """A paper's tables and figures at one scale, in manifest order, each under a key: its file
    name under figures/<paper>/ (``"table1_atari.csv"``, ``"cases/acc/case_0.png"``)."""

    def __init__(self, layout: Layout, runs: Union[int, str]):
        self.layout = layout
        self.runs = runs  # the default seeds column: the paper's seed count at this scale
        self._items: Dict[str, Target] = {}

    def add(self, name: str, reproduces: str, *, built: bool = True, left_out: str = "",
            runs: Optional[Union[int, str]] = None) -> str:
        """Declare a target; returns its path. One that is not ``built`` at this scale must say
        why (``left_out``): the manifest and the scorecard show the reason."""
        if name in self._items:
            raise ValueError(f"{self.layout.paper}: target '{name}' is declared twice")
        path = self.layout.fig(name)
        if not built and not left_out:
            raise ValueError(f"{path}: give the reason it is left out at scale '{self.layout.scale}'")
        self._items[name] = Target(path, reproduces, self.runs if runs is None else runs,
                                   "" if built else left_out)
        return path

    def leave_out_all(self, reason: str) -> None:
        """Leave every target out at this scale (a stage that does not run here), keeping the
        reason of one already left out."""
        if not reason.strip():
            raise ValueError(f"{self.layout.paper}: give the reason it is left out at scale "
                             f"'{self.layout.scale}'")
        self._items = {k: t if t.left_out else replace(t, left_out=reason.strip())
                       for k, t in self._items.items()}

    def __getitem__(self, name: str) -> str:
        """The path of a declared target (a rule's output names it by key)."""
        try:
            return self._items[name].path
        except KeyError:
            raise KeyError(f"{self.layout.paper}: no target '{name}' in its plan "
                           f"(declared: {', '.join(self._items)})") from None

    def __iter__(self) -> Iterator[Target]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> List[str]:
        return list(self._items)

    def target(self, name: str) -> Target:
        self[name]  # the same error for an unknown key
        return self._items[name]

    def built(self) -> List[str]:
        """Paths of the targets built at this scale."""
        return [t.path for t in self if t.built]

    def records(self) -> List[Dict[str, Any]]:
        """Every target's manifest record, built or left out."""
        return [t.record(self.layout.paper) for t in self]


def claims_of_games_left_out(reason: Any, games_run: Sequence[str], all_games: Sequence[str],
                             claim_ids: Sequence[str]) -> Dict[str, str]:
    """{claim id: reason} for the per-game claims (``claim_ids``: formats with ``{game}``) of the
    games in ``all_games`` a scale does not run, where it gives a ``reason`` and runs some game
    (where it runs none, its targets are left out and the claims read their reason)."""
    why = str(reason or "").strip()
    if not (why and games_run):
        return {}
    return {c.format(game=g): why for g in sorted(all_games) if g not in games_run for c in claim_ids}

