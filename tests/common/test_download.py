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


# --- retries and resume -------------------------------------------------------------------------

DATA = bytes(range(256)) * 40  # 10,240 bytes
DATA_SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture()
def flaky_server():
    """Serves DATA with Range support; the first full request breaks off after 4,000 bytes,
    the second answers 503. Records each request's Range header."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            rng = self.headers.get("Range")
            seen.append(rng)
            if len(seen) == 2:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = int(rng[len("bytes="):-1]) if rng else 0
            body = DATA[start:]
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if len(seen) == 1:
                self.wfile.write(body[:4000])  # then the connection drops
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/data.bin", seen
    httpd.shutdown()
    httpd.server_close()


def test_interrupted_download_retries_and_resumes(flaky_server, tmp_path):
    url, seen = flaky_server
    dest = tmp_path / "out" / "data.bin"
    found = download(url, dest, DATA_SHA, name="flaky", backoff=0)
    assert dest.read_bytes() == DATA and found["sha256"] == DATA_SHA
    assert seen == [None, "bytes=4000-", "bytes=4000-"]  # broken off, 503, resumed
    assert not any(p.name.endswith(".part") for p in dest.parent.iterdir())


def test_retries_are_bounded(flaky_server, tmp_path):
    url, seen = flaky_server
    with pytest.raises(DownloadError, match="could not download"):
        download(url, tmp_path / "x.bin", DATA_SHA, name="flaky", retries=1, backoff=0)
    assert len(seen) == 2
