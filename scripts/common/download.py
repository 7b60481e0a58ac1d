"""Checksummed downloads from the registry in ``config/config.yaml`` (``data_sources``).

Usage from a rule::

    python -m scripts.common.download --name mnist_train_images --url URL --sha256 HEX --out PATH

The file is streamed to a partial file beside the destination, its digests checked (the pinned
sha256, or the MD5 a publisher states for the object where no sha256 is pinned yet), then
renamed; transient failures are retried and resume where they stopped; a mismatch or a lasting
HTTP error fails with a message naming the source and the URL.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from scripts.common.io import write_resolved_config
from scripts.common.progress import get_logger, progress


class DownloadError(RuntimeError):
    pass


HEX_LENGTH = {"sha256": 64, "md5": 32}


RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


def partial_path(dest: str | Path) -> Path:
    """Where an interrupted download of ``dest`` is kept, to resume from: ``.<name>.part``."""
    dest = Path(dest)
    return dest.parent / f".{dest.name}.part"


def _fetch_into(url: str, part: Path, *, timeout: float, chunk: int, label: str) -> None:
    """Append the rest of ``url`` to ``part``: a ranged request from its size when it has
    bytes already (a server that ignores the range sends it all, and ``part`` starts over)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to fetch: the part is complete
            return
        raise
    with response:
        resumed = have and response.status == 206
        mode = "ab" if resumed else "wb"
        length = int(response.headers.get("Content-Length") or 0)
        total = (length + (have if resumed else 0)) or None
        with open(part, mode) as f, progress(total=total, desc=label, unit="B") as bar:
            if resumed:
                bar.update(have)
            got = 0
            while True:
                block = response.read(chunk)
                if not block:
                    break
                f.write(block)
                got += len(block)
                bar.update(len(block))
        if length and got < length:
            raise http.client.IncompleteRead(b"", length - got)


def _digests(path: Path, chunk: int) -> dict[str, str]:
    digests = {"sha256": hashlib.sha256(), "md5": hashlib.md5()}
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            for digest in digests.values():
                digest.update(block)
    return {algo: digest.hexdigest() for algo, digest in digests.items()}


def download(url: str, dest: str | Path, sha256: str | None = None, *, md5: str | None = None,
             name: str = "", timeout: float = 60.0, chunk: int = 1 << 20, retries: int = 4,
             backoff: float = 5.0) -> dict[str, str]:
    """Fetch ``url`` to ``dest`` and verify every expected digest given (at least one of
    ``sha256`` and ``md5``); raise DownloadError on any failure. Returns the file's sha256 and
    md5 (hex), so that a file checked by its publisher's MD5 can have its sha256 pinned.

    Network errors, timeouts, truncated transfers and HTTP 408/429/5xx are retried up to
    ``retries`` times (waiting ``backoff`` × attempt seconds), each retry resuming from the
    bytes already fetched (kept in :func:`partial_path`, also across runs of the job); a
    digest mismatch after a resumed transfer is retried once from scratch."""
    label = name or Path(dest).name
    expected = {algo: value.lower() for algo, value in (("sha256", sha256), ("md5", md5)) if value}
    if not expected:
        raise DownloadError(f"data source '{label}': no checksum to verify (sha256 or md5)")
    for algo, value in expected.items():
        if len(value) != HEX_LENGTH[algo] or any(c not in "0123456789abcdef" for c in value):
            raise DownloadError(f"data source '{label}': {algo} must be {HEX_LENGTH[algo]} hex "
                                f"characters, got {value!r}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(dest)
    log = get_logger("download")
    attempt, fresh_retry_left = 0, True
    while True:
        resumed = part.exists() and part.stat().st_size > 0
        try:
            _fetch_into(url, part, timeout=timeout, chunk=chunk, label=label)
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUS or attempt >= retries:
                raise DownloadError(f"data source '{label}': could not download {url}: "
                                    f"{exc}") from exc
            error = exc
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
            if attempt >= retries:
                raise DownloadError(f"data source '{label}': could not download {url} "
                                    f"({attempt + 1} attempts): {exc}") from exc
            error = exc
        else:
            found = _digests(part, chunk)
            bad = [algo for algo, value in expected.items() if found[algo] != value]
            if not bad:
                os.replace(part, dest)
                return found
            part.unlink()
            if resumed and fresh_retry_left:  # the kept bytes may be stale: once more, whole
                fresh_retry_left = False
                log.warning("%s: digest mismatch after resuming; downloading again", label)
                continue
            algo = bad[0]
            raise DownloadError(f"data source '{label}': {algo} mismatch for {url}: "
                                f"expected {expected[algo]}, got {found[algo]}")
        attempt += 1
        log.warning("%s: %s; retry %d of %d in %.0f s, resuming from %d bytes", label, error,
                    attempt, retries, backoff * attempt,
                    part.stat().st_size if part.exists() else 0)
        time.sleep(backoff * attempt)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--sha256", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    log = get_logger("download")
    try:
        download(args.url, args.out, args.sha256, name=args.name)
    except DownloadError as exc:
        log.error("%s", exc)
        return 1
    write_resolved_config(args.out, vars(args))
    log.info("downloaded %s to %s (sha256 verified)", args.name, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
