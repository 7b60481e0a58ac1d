"""Syntax floor: the code each rule runs must be valid on its conda env's Python.

For every rule with a conda env, take the env's pinned Python (envs/*.yaml) and the modules
the rule runs (`python -m scripts.X.Y` and `python scripts/....py` in its shell command), plus
everything they import from `scripts/` (transitively, package `__init__`s included), and check
each file:

1. it parses with that Python's grammar (`ast.parse(..., feature_version=)`): no walrus
   before 3.8, no `match` before 3.10, no `except*` before 3.11, ...;
2. no runtime-evaluated typing newer than that Python: builtin generics such as `list[int]`
   (3.9) and `X | Y` unions (3.10) outside annotations, or in annotations of a module
   without `from __future__ import annotations`;
3. vermin finds no standard-library feature newer than that Python (`str.removeprefix`,
   `zip(strict=)`, `functools.cache`, ...).

    python -m scripts.tools.syntax_floor              # the workflow's rules, exit 1 on problems
    python -m scripts.tools.syntax_floor --python 3.8 scripts/common/*.py
"""
from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

REPO = Path(__file__).resolve().parents[2]
BUILTIN_GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}
TYPE_NAMES = BUILTIN_GENERICS | {"int", "str", "float", "bool", "bytes", "complex", "object"}
PyVersion = Tuple[int, int]


def parse_py(text: str) -> PyVersion:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


# --- which files a rule runs -------------------------------------------------------------

def module_file(module: str, root: Path = REPO) -> Optional[Path]:
    base = root.joinpath(*module.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _package_inits(path: Path, root: Path) -> List[Path]:
    """The `__init__.py` files Python runs before ``path`` (a file under root/scripts)."""
    top = root / "scripts"
    if top != path.parent and top not in path.parents:
        return []
    out, parent = [], path.parent
    while True:
        init = parent / "__init__.py"
        if init.is_file():
            out.append(init)
        if parent == top:
            return out
        parent = parent.parent


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_files(path: Path, root: Path = REPO) -> Set[Path]:
    """Files under scripts/ that ``path`` imports (directly)."""
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return set()
    is_pkg = path.name == "__init__.py"
    here = _module_name(path, root) if root in path.parents else ""
    out: Set[Path] = set()
    for node in ast.walk(tree):
        names: List[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = here.split(".") if is_pkg else here.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                base = ".".join(p for p in [*pkg, base] if p)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if name.split(".")[0] != "scripts":
                continue
            parts = name.split(".")
            for i in range(2, len(parts) + 1):  # the package inits and the module itself
                f = module_file(".".join(parts[:i]), root)
                if f is not None:
                    out.add(f)
    return out


def closure(start: Iterable[Path], root: Path = REPO) -> Set[Path]:
    seen: Set[Path] = set()
    todo = list(start)
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        todo.extend(_package_inits(f, root))
        todo.extend(imported_files(f, root))
    return seen


# --- checks on one file ---------------------------------------------------------------------

class _RuntimeTyping(ast.NodeVisitor):
    """Typing syntax that is evaluated at run time and needs a newer Python."""

    def __init__(self, target: PyVersion, future_annotations: bool):
        self.target, self.future = target, future_annotations
        self.problems: List[Tuple[int, str]] = []
        self._in_annotation = 0
        self._function_depth = 0

    def _annotation(self, node: Optional[ast.AST], local: bool = False) -> None:
        if node is None:
            return
        if self.future or local:  # not evaluated: postponed, or a local variable annotation
            return
        self._in_annotation += 1
        self.visit(node)
        self._in_annotation -= 1

    def visit_FunctionDef(self, node):  # noqa: N802
        for dec in node.decorator_list:
            self.visit(dec)
        args = node.args
        for a in [*getattr(args, "posonlyargs", []), *args.args, *args.kwonlyargs,
                  args.vararg, args.kwarg]:
            if a is not None:
                self._annotation(a.annotation)
        for d in [*args.defaults, *args.kw_defaults]:
            if d is not None:
                self.visit(d)
        self._annotation(node.returns)
        self._function_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self._function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node):  # noqa: N802
        self._annotation(node.annotation, local=self._function_depth > 0)
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node):  # lambda args have no annotations; handled in FunctionDef
        pass

    def visit_Subscript(self, node):  # noqa: N802
        if (self.target < (3, 9) and isinstance(node.value, ast.Name)
                and node.value.id in BUILTIN_GENERICS):
            self.problems.append((node.lineno, f"`{node.value.id}[...]` is evaluated at run "
                                 "time and needs Python 3.9 (use typing.List etc.)"))
        self.generic_visit(node)

    def visit_BinOp(self, node):  # noqa: N802
        if self.target < (3, 10) and isinstance(node.op, ast.BitOr):
            sides = (node.left, node.right)
            typeish = all(_typeish(s) for s in sides)
            if typeish and (self._in_annotation or any(_is_none(s) for s in sides)
                            or all(isinstance(s, ast.Name) for s in sides)):
                self.problems.append((node.lineno, "`X | Y` type union is evaluated at run "
                                      "time and needs Python 3.10 (use typing.Optional/Union)"))
        self.generic_visit(node)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _typeish(node: ast.AST) -> bool:
    if _is_none(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in TYPE_NAMES or node.id[:1].isupper()
    if isinstance(node, ast.Attribute):
        return node.attr[:1].isupper()
    if isinstance(node, ast.Subscript):
        return _typeish(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _typeish(node.left) and _typeish(node.right)
    return False


def check_source(source: str, target: PyVersion, name: str = "<source>") -> List[str]:
    """Grammar and runtime-typing problems of ``source`` on Python ``target``."""
    try:
        tree = ast.parse(source, filename=name, feature_version=target)
    except SyntaxError as err:
        return [f"{name}:{err.lineno}: not valid Python {target[0]}.{target[1]} syntax: "
                f"{err.msg}"]
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    visitor = _RuntimeTyping(target, future)
    visitor.visit(tree)
    return [f"{name}:{line}: {msg}" for line, msg in visitor.problems]


def vermin_problems(files: List[Path], target: PyVersion) -> List[str]:
    """Standard-library features newer than ``target``, as found by vermin."""
    if not files:
        return []
    cmd = [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())", "--no-tips", "--violations", "--no-parse-comments",
           f"-t={target[0]}.{target[1]}-", *map(str, files)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:  # pragma: no cover
        return ["vermin is not installed (pip install vermin, see requirements.txt)"]
    if "No module named vermin" in r.stderr:
        return ["vermin is not installed (pip install vermin, see requirements.txt)"]
    problems, current = [], ""
    for line in r.stdout.splitlines():
        if re.match(r"^!?[\d.,!~ -]+\s+/", line):  # "!2, 3.10   /path/file.py"
            current = line.split()[-1]
        elif line.startswith("  ") and current and "require" in line:
            problems.append(f"{current}: {line.strip()}")
    if r.returncode not in (0, 1) and not problems:
        problems.append(f"vermin failed: {r.stderr.strip()[-500:]}")
    return problems


def check_files(files: Iterable[Path], target: PyVersion, use_vermin: bool = True) -> List[str]:
    files = sorted(set(files))
    out = []
    for f in files:
        out += check_source(f.read_text(), target, str(f.relative_to(REPO)
                                                       if REPO in f.parents else f))
    if use_vermin:
        out += vermin_problems(files, target)
    return out


# --- the workflow -----------------------------------------------------------------------------

def rule_targets(scale: str = "paper") -> Dict[Tuple[str, PyVersion], Dict[str, Set[Path]]]:
    """(env file, Python) -> {rule name: files it runs, with their scripts/ imports}."""
    from scripts.tools.envcheck import check_env
    from scripts.tools.workflow_rules import load_rules

    groups: Dict[Tuple[str, PyVersion], Dict[str, Set[Path]]] = defaultdict(dict)
    for rule in load_rules(scale):
        if rule.env is None or not (rule.modules or rule.scripts):
            continue
        rep = check_env(REPO / rule.env)
        if rep.python is None:
            raise SystemExit(f"rule {rule.name}: env {rule.env} pins no python")
        start = []
        for mod in rule.modules:
            f = module_file(mod)
            if f is None:
                raise SystemExit(f"rule {rule.name}: module {mod} not found under scripts/")
            start.append(f)
        start += [REPO / s for s in rule.scripts if (REPO / s).is_file()]
        groups[(rule.env, parse_py(rep.python))][rule.name] = closure(start)
    return groups


def check_workflow(scale: str = "paper", use_vermin: bool = True) -> List[str]:
    problems = []
    for (env, py), rules in sorted(rule_targets(scale).items()):
        files = set().union(*rules.values())
        for p in check_files(files, py, use_vermin):
            problems.append(f"[{env}, Python {py[0]}.{py[1]}] {p}")
    return problems


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="*", type=Path, help="check these files (needs --python)")
    p.add_argument("--python", help="target Python, e.g. 3.8 (with files)")
    p.add_argument("--scale", default="paper", help="scale at which the workflow is loaded")
    p.add_argument("--no-vermin", action="store_true")
    args = p.parse_args(argv)
    if args.files:
        if not args.python:
            p.error("--python is required with files")
        problems = check_files([f.resolve() for f in args.files], parse_py(args.python),
                               not args.no_vermin)
    else:
        groups = rule_targets(args.scale)
        for (env, py), rules in sorted(groups.items()):
            n = len(set().union(*rules.values()))
            print(f"{env} (Python {py[0]}.{py[1]}): {len(rules)} rules, {n} files")
        problems = check_workflow(args.scale, not args.no_vermin)
    for prob in problems:
        print(prob)
    print("syntax floor: " + (f"{len(problems)} problem(s)" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
