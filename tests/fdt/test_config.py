"""The FDT schema rejects bad values and names the key."""
import pytest

from scripts.common.config import ConfigError, load_config


def _load(over):
    return load_config(overrides={"papers": ["fdt"], **over})


def test_config_valid():
    c = _load({})
    assert c["fdt"]["paper"]["model"]["context"] == 30


@pytest.mark.parametrize("over,key", [
    ({"fdt": {"laptop": {"games": ["tetris"]}}}, "fdt.laptop.games[0]"),
    ({"fdt": {"smoke": {"model": {"batch": -1}}}}, "fdt.smoke.model.batch"),
    ({"fdt": {"paper": {"model": {"contxt": 5}}}}, "contxt"),
    ({"fdt": {"smoke": {"eval": {"setups": ["greedy"]}}}}, "fdt.smoke.eval.setups[0]"),
])
def test_config_errors_name_the_key(over, key):
    with pytest.raises(ConfigError) as err:
        _load(over)
    assert key in str(err.value)


def test_label_registry_validates_and_covers_every_checkpoint():
    import yaml

    from scripts.common.config import ROOT, load_yaml, validate

    schema = load_yaml(ROOT / "config" / "schema" / "config.schema.yaml")
    reg = yaml.safe_load(open(ROOT / "config" / "fdt_sources.yaml"))["data_sources"]
    validate({"scale": "smoke", "papers": ["fdt"], "seeds": {"smoke": [0], "laptop": [0],
              "paper": [0]}, "data_sources": reg}, schema)
    for game in ("Breakout", "Qbert", "Pong", "Seaquest"):
        for k in range(51):
            assert f"fdt_labels_{game}_{k}" in reg
