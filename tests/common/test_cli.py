

def test_setup_writes_every_argument_beside_the_output(tmp_path):
    import json

    from scripts.common import cli

    p = cli.parser("x")
    p.add_argument("--out", required=True)
    out = tmp_path / "stage" / "data.npz"
    args = p.parse_args(["--params", '{"a": 1}', "--seed", "3", "--out", str(out)])
    cli.setup(args, config_beside=args.out)
    written = json.loads((tmp_path / "stage" / "data.config.json").read_text())
    assert written == {"params": {"a": 1}, "threads": 1, "seed": 3, "out": str(out)}
