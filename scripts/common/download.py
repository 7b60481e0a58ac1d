"""Checksummed downloads from the registry in ``config/config.yaml`` (``data_sources``).

Usage from a rule::

    python -m scripts.common.download --name mnist_train_images --url URL --sha256 HEX --out PATH

The file is streamed to a temporary name, its sha256 checked, then renamed; a
mismatch or an HTTP error fails with a message naming the source and the URL.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.error
import urllib.request
from pathlib import Path

from scripts.common.io import atomic_path
from scripts.common.progress import get_logger, progress


class DownloadError(RuntimeError):
    pass


def download(url: str, dest: str | Path, sha256: str, *, name: str = "",
             timeout: float = 60.0, chunk: int = 1 << 20) -> Path:
    """Fetch ``url`` to ``dest`` and verify its sha256; raise DownloadError on any failure."""
    label = name or Path(dest).name
    if not sha256 or len(sha256) != 64:
        raise DownloadError(f"data source '{label}': sha256 must be 64 hex characters, got {sha256!r}")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, atomic_path(dest) as tmp:
            total = int(response.headers.get("Content-Length") or 0) or None
            with open(tmp, "wb") as f, progress(total=total, desc=label, unit="B") as bar:
                while block := response.read(chunk):
                    f.write(block)
                    digest.update(block)
                    bar.update(len(block))
            if digest.hexdigest() != sha256.lower():
                raise DownloadError(f"data source '{label}': sha256 mismatch for {url}: expected "
                                    f"{sha256.lower()}, got {digest.hexdigest()}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"data source '{label}': could not download {url}: {exc}") from exc
    return Path(dest)


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
    log.info("downloaded %s to %s (sha256 verified)", args.name, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
