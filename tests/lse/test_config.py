"""The LSE config validates at every scale, and errors name the offending key."""
import copy

import pytest

from scripts.common.config import ConfigError, load_config, validate_config


def lse_config():
    cfg = load_config(overrides={"papers": ["lse"]})
    return copy.deepcopy(cfg)


def test_lse_config_is_valid():
    validate_config(lse_config())


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c["lse"]["paper"]["rn"].update(envs=["cliff", "pong"]), "lse.smoke.rn.envs[1]"),
    (lambda c: c["lse"]["paper"]["rn"]["nes"].update(sigma=-0.1), "lse.smoke.rn.nes.sigma"),
    (lambda c: c["lse"]["paper"]["rn"]["nes"].update(sigmaa=0.1), "lse.smoke.rn.nes"),
    (lambda c: c["lse"]["paper"]["rn"]["cliff"].update(modes=[9]), "rn.cliff.modes[0]"),
])
def test_bad_values_name_the_key(mutate, key):
    cfg = lse_config()
    mutate(cfg)
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        validate_config(cfg)
