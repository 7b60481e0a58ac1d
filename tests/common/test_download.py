"""The real download code against files served from a loopback HTTP server."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from scripts.common.download import DownloadError, download, main


@pytest.fixture()
def server(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"0123456789" * 1000)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


SHA = hashlib.sha256(b"0123456789" * 1000).hexdigest()


def test_download_verifies_checksum(server, tmp_path):
    dest = tmp_path / "out" / "data.bin"
    download(f"{server}/data.bin", dest, SHA, name="fixture")
    assert dest.read_bytes() == b"0123456789" * 1000


def test_checksum_mismatch_fails_and_leaves_no_file(server, tmp_path):
    dest = tmp_path / "out" / "data.bin"
    with pytest.raises(DownloadError, match="fixture.*sha256 mismatch"):
        download(f"{server}/data.bin", dest, "0" * 64, name="fixture")
    assert not dest.exists()


def test_missing_file_names_source_and_url(server, tmp_path):
    with pytest.raises(DownloadError, match=r"'fixture': could not download .*/missing\.bin"):
        download(f"{server}/missing.bin", tmp_path / "x", SHA, name="fixture")


def test_cli_exit_code(server, tmp_path):
    ok = main(["--name", "f", "--url", f"{server}/data.bin", "--sha256", SHA, "--out", str(tmp_path / "a")])
    bad = main(["--name", "f", "--url", f"{server}/data.bin", "--sha256", "1" * 64, "--out", str(tmp_path / "b")])
    assert (ok, bad) == (0, 1)
