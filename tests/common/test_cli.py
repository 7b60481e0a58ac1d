

def test_setup_writes_every_argument_beside_the_output(tmp_path):
    import json

    from scripts.common import cli

    p = cli.parser("x")
    p.add_argument("--out", required=True)
    out = tmp_path / "stage" / "data.npz"
    args = p.parse_args(["--params", '{"a": 1}', "--seed", "3", "--out", str(out)])
    cli.setup(args, config_beside=args.out)
    written = json.loads((tmp_path / "stage" / "data.config.json").read_text())
    prov = written.pop("provenance")
    assert written == {"params": {"a": 1}, "threads": 1, "seed": 3, "out": str(out)}
    assert set(prov) >= {"git_commit", "packages", "device", "env_lane"}


def test_parser_declares_required_options():
    import pytest

    from scripts.common import cli

    p = cli.parser("x", seed=False, required=["--out", "--game-name"], required_many=["--inputs"])
    args = p.parse_args(["--out", "o.csv", "--game-name", "pong", "--inputs", "a", "b"])
    assert (args.out, args.game_name, args.inputs, args.threads) == ("o.csv", "pong", ["a", "b"], 1)
    assert not hasattr(args, "seed")
    with pytest.raises(SystemExit):
        p.parse_args(["--out", "o.csv", "--inputs", "a"])  # --game-name missing
    with pytest.raises(SystemExit):
        p.parse_args(["--out", "o.csv", "--game-name", "pong", "--inputs"])  # no value
