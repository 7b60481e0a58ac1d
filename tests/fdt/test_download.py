"""The paper-scale download path against a loopback HTTP server."""
import contextlib
import gzip
import hashlib
import http.server
import io
import threading

import numpy as np
import pytest

from scripts.fdt import replay as R
from scripts.fdt import replay_data


@contextlib.contextmanager
def serve(directory):
    """A loopback HTTP server over ``directory``; yields its base URL."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(directory), **k)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture()
def server(tmp_path):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as f:
        np.save(f, np.arange(5, dtype=np.int32))
    payload = buf.getvalue()
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "action_ckpt.0.gz").write_bytes(payload)

    with serve(tmp_path / "srv") as base:
        yield base, hashlib.sha256(payload).hexdigest()


def test_fetch_verifies_checksum_and_reads_back(server, tmp_path):
    base, sha = server
    out = tmp_path / "dl" / "action_ckpt.0.gz"
    rc = replay_data.main(["fetch", "--name", "fdt_replay_Pong_1_action_0", "--url",
                           f"{base}/action_ckpt.0.gz", "--sha256", sha, "--out", str(out)])
    assert rc == 0
    np.testing.assert_array_equal(R.load_gz_array(out), np.arange(5))


def test_fetch_fails_on_wrong_or_missing_checksum_and_missing_file(server, tmp_path):
    base, sha = server
    out = tmp_path / "dl" / "x.gz"
    assert replay_data.main(["fetch", "--name", "n", "--url", f"{base}/action_ckpt.0.gz",
                             "--sha256", "0" * 64, "--out", str(out)]) == 1
    assert not out.exists()
    assert replay_data.main(["fetch", "--name", "n", "--url", f"{base}/action_ckpt.0.gz",
                             "--sha256", "", "--out", str(out)]) == 1
    assert replay_data.main(["fetch", "--name", "n", "--url", f"{base}/missing.gz",
                             "--sha256", sha, "--out", str(out)]) == 1


@pytest.fixture()
def bucket(tmp_path):
    """A loopback stand-in for the DQN Replay bucket and its JSON metadata API (md5Hash)."""
    import base64
    import json

    payload = gzip.compress(b"replay bytes")
    name = "$store$_action_ckpt.0.gz"
    data = tmp_path / "srv" / "b" / "Pong" / "1" / "replay_logs"
    meta = tmp_path / "srv" / "o" / "dqn" / "Pong" / "1" / "replay_logs"
    data.mkdir(parents=True)
    meta.mkdir(parents=True)
    (data / name).write_bytes(payload)

    def publish(md5_bytes):
        (meta / name).write_text(json.dumps({"md5Hash": base64.b64encode(md5_bytes).decode()}))

    publish(hashlib.md5(payload).digest())

    with serve(tmp_path / "srv") as base:
        yield ["--bucket", f"{base}/b", "--metadata-api", f"{base}/o/"], payload, publish


def test_unpinned_replay_file_is_checked_against_the_published_md5(bucket, tmp_path, caplog):
    args, payload, publish = bucket
    out = tmp_path / "dl" / "action_ckpt.0.gz"
    fetch = ["fetch", "--name", "fdt_replay_Pong_1_action_0", "--url", "", "--sha256", "",
             "--replay", "Pong", "1", "action", "0", "--out", str(out), *args]
    assert replay_data.main(fetch) == 0
    assert out.read_bytes() == payload
    assert hashlib.sha256(payload).hexdigest() in caplog.text  # logged for pinning
    out.unlink()
    publish(hashlib.md5(b"something else").digest())
    assert replay_data.main(fetch) == 1
    assert not out.exists()
    assert "md5 mismatch" in caplog.text


def test_convert_reads_downloaded_names(tmp_path):
    n = 6
    arrays = {"observation": np.ones((n, 84, 84), np.uint8), "action": np.zeros(n, np.int32),
              "reward": np.zeros(n, np.float32), "terminal": np.eye(1, n, 5, dtype=np.uint8)[0]}
    for k, v in arrays.items():
        R.write_gz_array(tmp_path / R.replay_filename(k, 0, store_prefix=False), v)
    R.write_gz_array(tmp_path / "add_count_ckpt.0.gz", np.array(n))
    R.write_gz_array(tmp_path / "invalid_range_ckpt.0.gz", np.array([], np.int64))
    rc = replay_data.main(["convert", "--game", "pong", "--src", str(tmp_path), "--checkpoints",
                           "1", "--capacity", "100", "--out-dir", str(tmp_path / "out")])
    assert rc == 0
    buf = R.load_buffer(tmp_path / "out" / "buffer_0.npz")
    assert len(buf["action"]) == n and buf["terminal"][5] == 1
