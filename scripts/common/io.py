"""Atomic writes, checked reads and resolved-config files.

Every output is written to a temporary file in the destination's directory and
renamed into place, so a killed job never leaves a half-written file that a
restarted workflow would take for finished. The file gets the mode a plain
``open`` would give it (0666 less the umask), so group members on a shared
filesystem can read results and figures under umask 022.

Every reader of an intermediate checks what it reads (:func:`read_csv_checked`,
:func:`load_npz`, :func:`open_npz`, :func:`read_json`, :func:`torch_load`) and
fails with :class:`DamagedFileError`, one line naming the file and what is wrong.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np


class DamagedFileError(ValueError):
    """An input file is missing, cut short, corrupt or not what the plan expects. The message is
    one line: ``<path>: <what is wrong>``."""

    def __init__(self, path: "str | os.PathLike", problem: str):
        self.path = str(path)
        self.problem = " ".join(str(problem).split())  # one line
        super().__init__(f"{self.path}: {self.problem}")


def _reason(err: BaseException) -> str:
    text = " ".join(str(err).split()) or "no details"
    return f"{type(err).__name__}: {text[:160]}"


def current_umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The temporary is addressed the way the caller addresses ``path`` (relative stays relative).
    ``tempfile.mkstemp`` would make it absolute from ``getcwd()``, and inside a mount namespace
    (a SLURM job's, a container's) that string can name another filesystem than the working
    directory it came from: the final rename then fails with EXDEV."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~current_umask()  # what a plain open() would give
    for _ in range(100):
        tmp_path = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp{target.suffix}"
        try:
            os.close(os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary name next to {target}")
    try:
        os.chmod(tmp_path, mode)
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _require_keys(path, obj: Any, keys: Sequence[str], kind: str) -> Any:
    """``obj`` when it is a dict holding every key in ``keys`` (nothing to check without keys);
    otherwise a DamagedFileError naming the file."""
    if keys:
        if not isinstance(obj, dict):
            raise DamagedFileError(path, f"expected {kind}, found {type(obj).__name__}")
        missing = [k for k in keys if k not in obj]
        if missing:
            raise DamagedFileError(path, f"missing key(s) {', '.join(missing)}")
    return obj


def read_json(path: str | os.PathLike, *, keys: Sequence[str] = ()) -> Any:
    """Parse a JSON file; with ``keys``, the top-level object must hold each of them."""
    try:
        with open(path) as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise DamagedFileError(path, "file is missing") from None
    except json.JSONDecodeError as err:
        raise DamagedFileError(path, f"not valid JSON (line {err.lineno}, column {err.colno}: "
                                     f"{err.msg}); the file may be cut short") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DamagedFileError(path, f"cannot read as JSON ({_reason(err)})") from None
    return _require_keys(path, obj, keys, "a JSON object")


load_json = read_json


def read_csv_checked(path: str | os.PathLike, *, columns: Iterable[str] = (),
                     rows: "int | tuple[int | None, int | None] | None" = None, min_rows: int = 1,
                     no_na: "bool | Iterable[str]" = False, **read_kw: Any) -> "pandas.DataFrame":  # noqa: F821
    """Read a CSV that a step of this workflow wrote, and check it.

    - the file exists, is not empty and ends with a newline (a file cut mid-line does not);
    - it parses, with every column of ``columns`` present;
    - it has at least ``min_rows`` data rows, and, with ``rows``, exactly that many (an int) or
      within ``(low, high)`` (either may be None) as the plan expects;
    - ``no_na``: no missing value in those columns (``True``: in ``columns``, or every column).

    Anything else fails with :class:`DamagedFileError` naming the file.
    """
    import pandas as pd

    columns = list(columns)
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size:
                f.seek(size - 1)
                last = f.read(1)
    except FileNotFoundError:
        raise DamagedFileError(path, "file is missing") from None
    except OSError as err:
        raise DamagedFileError(path, f"cannot read ({_reason(err)})") from None
    if size == 0:
        raise DamagedFileError(path, "file is empty")
    if last not in (b"\n", b"\r"):
        raise DamagedFileError(path, "truncated: the last line has no newline (cut mid-line?)")
    try:
        frame = pd.read_csv(path, **read_kw)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as err:
        raise DamagedFileError(path, f"cannot parse as CSV ({_reason(err)})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DamagedFileError(path, f"missing column(s) {', '.join(missing)}; "
                                     f"found {', '.join(map(str, frame.columns)) or 'none'}")
    n = len(frame)
    if n < min_rows:
        raise DamagedFileError(path, "has no data rows (header only)" if n == 0
                               else f"has {n} data rows, expected at least {min_rows}")
    if rows is not None:
        low, high = (rows, rows) if isinstance(rows, int) else rows
        if (low is not None and n < low) or (high is not None and n > high):
            want = (f"{low}" if low == high else
                    f"at least {low}" if high is None else
                    f"at most {high}" if low is None else f"{low} to {high}")
            raise DamagedFileError(path, f"has {n} data rows, expected {want}")
    if no_na is not False:
        check = (columns or list(frame.columns)) if no_na is True else list(no_na)
        bad = [c for c in check if c in frame.columns and frame[c].isna().any()]
        if bad:
            first = int(frame[bad[0]].isna().to_numpy().argmax())
            raise DamagedFileError(path, f"missing value(s) in column(s) {', '.join(bad)} "
                                         f"(first at data row {first + 1})")
    return frame


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Compressed npz, written atomically (np.savez appends .npz unless given a file object)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def write_csv(path: str | os.PathLike, frame: "pandas.DataFrame") -> None:  # noqa: F821
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_csvs(paths: "list[str | os.PathLike]", **checks: Any) -> "pandas.DataFrame":  # noqa: F821
    """Concatenate CSV files with the same columns (e.g. one tidy file per seed) into one frame;
    each file is read with :func:`read_csv_checked` and ``checks``."""
    import pandas as pd

    paths = list(paths)
    if not paths:
        raise ValueError("read_csvs: no files given")
    return pd.concat([read_csv_checked(p, **checks) for p in paths], ignore_index=True)


def read_tidy(paths: "str | os.PathLike | list[str | os.PathLike]", *, metrics: Sequence[str] = (),
              columns: Sequence[str] = (), **checks: Any) -> "pandas.DataFrame":  # noqa: F821
    """Tidy evaluation CSVs (``scripts.common.stats.TIDY_COLUMNS`` plus ``columns``), one or many,
    concatenated. Each file must have data rows, no missing value in the tidy columns, and at least
    one row of each metric in ``metrics``; errors name the file."""
    from scripts.common.stats import TIDY_COLUMNS

    no_na = checks.pop("no_na", TIDY_COLUMNS)
    frames = []
    for path in [paths] if isinstance(paths, (str, os.PathLike)) else list(paths):
        frame = read_csv_checked(path, columns=list(TIDY_COLUMNS) + list(columns), no_na=no_na,
                                 **checks)
        absent = [m for m in metrics if not (frame["metric"] == m).any()]
        if absent:
            raise DamagedFileError(path, f"no rows of metric(s) {', '.join(absent)}")
        frames.append(frame)
    if not frames:
        raise ValueError("read_tidy: no files given")
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


class NpzReader:
    """``np.load(path)`` of an npz whose errors name the file, also when an array is read lazily
    (a bit flip shows only then). Use as ``with open_npz(path) as z: z["key"]``."""

    def __init__(self, path: "str | os.PathLike", keys: Sequence[str] = (), **load_kw: Any):
        self.path = str(path)
        try:
            self._z = np.load(path, **load_kw)
        except FileNotFoundError:
            raise DamagedFileError(path, "file is missing") from None
        except Exception as err:  # zipfile.BadZipFile, OSError, ValueError, EOFError ...
            raise DamagedFileError(path, f"cannot load as npz ({_reason(err)}); the file may be "
                                         "cut short or corrupt") from None
        if not hasattr(self._z, "files"):
            raise DamagedFileError(path, "expected an .npz archive, found a single array")
        missing = [k for k in keys if k not in self._z.files]
        if missing:
            self._z.close()
            raise DamagedFileError(path, f"missing array(s) {', '.join(missing)}; "
                                         f"found {', '.join(self._z.files) or 'none'}")

    @property
    def files(self) -> list:
        return list(self._z.files)

    def keys(self) -> list:
        return self.files

    def __contains__(self, key: str) -> bool:
        return key in self._z.files

    def __iter__(self):
        return iter(self._z.files)

    def __len__(self) -> int:
        return len(self._z.files)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._z.files:
            raise DamagedFileError(self.path, f"missing array '{key}'; found {', '.join(self._z.files)}")
        try:
            return self._z[key]
        except Exception as err:
            raise DamagedFileError(self.path, f"array '{key}' is corrupt ({_reason(err)})") from None

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def close(self) -> None:
        self._z.close()

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_npz(path: "str | os.PathLike", keys: Sequence[str] = (), **load_kw: Any) -> NpzReader:
    """Open an npz lazily (arrays are read on access); errors name the file."""
    return NpzReader(path, keys, **load_kw)


def load_npz(path: "str | os.PathLike", keys: Sequence[str] = (), **load_kw: Any) -> "dict[str, np.ndarray]":
    """Every array of an npz, read now, as a dict; errors name the file."""
    with NpzReader(path, keys, **load_kw) as z:
        return {k: z[k] for k in z.files}


def load_npy(path: "str | os.PathLike", **load_kw: Any) -> np.ndarray:
    """``np.load`` of a single-array .npy; errors name the file."""
    try:
        arr = np.load(path, **load_kw)
    except FileNotFoundError:
        raise DamagedFileError(path, "file is missing") from None
    except Exception as err:
        raise DamagedFileError(path, f"cannot load as npy ({_reason(err)}); the file may be cut "
                                     "short or corrupt") from None
    if not isinstance(arr, np.ndarray):
        raise DamagedFileError(path, "expected a single .npy array")
    return arr


def torch_load(path: "str | os.PathLike", map_location: Any = "cpu", *,
               weights_only: "bool | None" = None, keys: Sequence[str] = ()) -> Any:
    """``torch.load`` whose errors name the file. ``weights_only`` is passed only where the
    installed torch has it (>= 1.13); with ``keys`` the loaded dict must hold each of them."""
    import inspect

    import torch

    import zipfile

    try:  # torch's zip format keeps a CRC per member, which torch.load does not check
        if zipfile.is_zipfile(str(path)):
            with zipfile.ZipFile(str(path)) as archive:
                bad = archive.testzip()
            if bad is not None:
                raise DamagedFileError(path, f"corrupt: '{bad}' fails its CRC check")
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DamagedFileError(path, f"cannot load as a torch file ({_reason(err)})") from None
    kw: dict = {"map_location": map_location}
    if weights_only is not None and "weights_only" in inspect.signature(torch.load).parameters:
        kw["weights_only"] = weights_only
    try:
        obj = torch.load(str(path), **kw)
    except FileNotFoundError:
        raise DamagedFileError(path, "file is missing") from None
    except Exception as err:  # RuntimeError, EOFError, UnpicklingError, zipfile errors ...
        raise DamagedFileError(path, f"cannot load as a torch file ({_reason(err)}); the file may "
                                     "be cut short or corrupt") from None
    return _require_keys(path, obj, keys, "a dict")


def torch_save(path: str | os.PathLike, obj: Any) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def resolved_config_path(output: str | os.PathLike) -> Path:
    """Where the resolved config of ``output`` lives.

    - a folder (an existing directory, or a path without a suffix that is not a file): the stage
      owns it, so ``<folder>/config.json``;
    - a path named ``config.json`` or ``*.config.json``: that path;
    - any other file ``<dir>/<stem>.<ext>``: ``<dir>/<stem>.config.json``, so that stages (or jobs
      of one stage, e.g. one per seed) writing files into the same folder each keep their own
      config instead of overwriting one ``config.json``.
    """
    out = Path(output)
    if out.is_dir() or (out.suffix == "" and not out.is_file()):
        return out / "config.json"
    if out.name == "config.json" or out.name.endswith(".config.json"):
        return out
    return out.parent / f"{out.stem}.config.json"


def write_resolved_config(output: str | os.PathLike, params: dict[str, Any]) -> Path:
    """Write the parameters that made ``output`` beside it (see :func:`resolved_config_path`),
    with their ``provenance`` (git commit, package versions, device, env lane)."""
    from scripts.common.provenance import provenance

    dest = resolved_config_path(output)
    write_json(dest, {**params, "provenance": provenance()})
    return dest


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()
