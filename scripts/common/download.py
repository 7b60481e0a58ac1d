"""Checksummed downloads from the registry in ``config/config.yaml`` (``data_sources``).

Usage from a rule::

    python -m scripts.common.download --name mnist_train_images --url URL --sha256 HEX --out PATH

The file is streamed to a temporary name, its digests checked (the pinned sha256, or the MD5
a publisher states for the object where no sha256 is pinned yet), then renamed; a mismatch or
an HTTP error fails with a message naming the source and the URL.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.error
import urllib.request
from pathlib import Path

from scripts.common.io import atomic_path, write_resolved_config
from scripts.common.progress import get_logger, progress


class DownloadError(RuntimeError):
    pass


HEX_LENGTH = {"sha256": 64, "md5": 32}


def download(url: str, dest: str | Path, sha256: str | None = None, *, md5: str | None = None,
             name: str = "", timeout: float = 60.0, chunk: int = 1 << 20) -> dict[str, str]:
    """Fetch ``url`` to ``dest`` and verify every expected digest given (at least one of
    ``sha256`` and ``md5``); raise DownloadError on any failure. Returns the file's sha256 and
    md5 (hex), so that a file checked by its publisher's MD5 can have its sha256 pinned."""
    label = name or Path(dest).name
    expected = {algo: value.lower() for algo, value in (("sha256", sha256), ("md5", md5)) if value}
    if not expected:
        raise DownloadError(f"data source '{label}': no checksum to verify (sha256 or md5)")
    for algo, value in expected.items():
        if len(value) != HEX_LENGTH[algo] or any(c not in "0123456789abcdef" for c in value):
            raise DownloadError(f"data source '{label}': {algo} must be {HEX_LENGTH[algo]} hex "
                                f"characters, got {value!r}")
    digests = {"sha256": hashlib.sha256(), "md5": hashlib.md5()}
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, atomic_path(dest) as tmp:
            total = int(response.headers.get("Content-Length") or 0) or None
            with open(tmp, "wb") as f, progress(total=total, desc=label, unit="B") as bar:
                while block := response.read(chunk):
                    f.write(block)
                    for digest in digests.values():
                        digest.update(block)
                    bar.update(len(block))
            for algo, value in expected.items():
                if digests[algo].hexdigest() != value:
                    raise DownloadError(f"data source '{label}': {algo} mismatch for {url}: "
                                        f"expected {value}, got {digests[algo].hexdigest()}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"data source '{label}': could not download {url}: {exc}") from exc
    return {algo: digest.hexdigest() for algo, digest in digests.items()}


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
