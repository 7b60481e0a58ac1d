

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


def test_step_params_types_defaults_and_errors_naming_the_key():
    from dataclasses import dataclass
    from typing import Optional

    import pytest

    from scripts.common.cli import ParamsError, step_params

    @dataclass
    class Net:
        hidden: int

    @dataclass
    class Params:
        lr: float
        net: Net
        env: str
        epochs: int = 3
        clip: Optional[float] = None

    p = step_params(Params, {"lr": 1, "net": {"hidden": 4}, "env": "cliff", "clip": 2})
    assert p == Params(lr=1.0, net=Net(4), env="cliff", epochs=3, clip=2.0)
    assert isinstance(p.lr, float)
    cases = [
        ({"lr": 1, "net": {"hidden": 4}}, "params: missing key env"),
        ({"lr": 1, "net": {"hidden": 4}, "env": "a", "epoch": 2}, r"params: unknown key\(s\) epoch \(this step"),
        ({"lr": "1e-3", "net": {"hidden": 4}, "env": "a"}, "params.lr: expected float, got '1e-3'"),
        ({"lr": 1, "net": {"hidden": 4.5}, "env": "a"}, "params.net.hidden: expected int, got 4.5"),
        ({"lr": 1, "net": {"hidden": 4}, "env": "a", "epochs": True}, "params.epochs: expected int, got True"),
        ({"lr": 1, "net": {"hiden": 4}, "env": "a"}, r"params.net: unknown key\(s\) hiden"),
        ([1], "params: expected an object"),
    ]
    for raw, message in cases:
        with pytest.raises(ParamsError, match=message):
            step_params(Params, raw)


def test_a_step_refuses_a_misspelt_setting_in_one_line(tmp_path):
    """lse.mbrl_fit through its CLI: the stale key is named, no traceback, exit status 1."""
    import json
    import subprocess
    import sys

    params = {"env": "cartpole", "net": {"activation": "relu", "hidden_size": 8, "hidden_layer": 1},
              "lr": 1e-3, "batch_size": 4, "epoch": 1}
    r = subprocess.run([sys.executable, "-m", "scripts.lse.mbrl_fit", "--params", json.dumps(params),
                        "--data", str(tmp_path / "d.npz"), "--out", str(tmp_path / "m.pt")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "error: bad --params: params: unknown key(s) epoch (this step takes batch_size, checkpoint_every, env, epochs,"
        " lr, net)")
    assert "Traceback" not in r.stderr


def test_step_params_keyword_keys_fill_underscored_fields():
    from dataclasses import dataclass

    import pytest

    from scripts.common.cli import ParamsError, step_params

    @dataclass
    class Params:
        lambda_: float
        gamma: float

    assert step_params(Params, {"lambda": 0.7, "gamma": 1}) == Params(lambda_=0.7, gamma=1.0)
    with pytest.raises(ParamsError, match=r"unknown key\(s\) lambda_ \(this step takes gamma, lambda\)"):
        step_params(Params, {"lambda_": 0.7, "gamma": 1})
