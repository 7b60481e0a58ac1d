"""The T-REX config validates at every scale, and bad values fail naming the key."""
import copy

import pytest

from scripts.common.config import ConfigError, load_config, validate_config


def test_config_valid():
    cfg = load_config()
    assert "trex" in cfg


@pytest.mark.parametrize("path,value,needle", [
    (("paper", "mujoco_envs"), ["halfcheeta"], "mujoco_envs[0]"),
    (("paper", "reward_atari", "lr"), -1.0, "reward_atari.lr"),
    (("laptop", "rl_mujoco", "total_step"), 5, "total_step"),
    (("paper", "envs", "hopper", "heldout", "episodes"), 0, "envs.hopper.heldout.episodes"),
    # the MinAtar stand-in (scripts/common/config_checks.py)
    (("smoke", "minatar", "attention_game"), "asterix", "minatar.attention_game"),
    (("paper", "minatar", "heldout", "first"), 20, "minatar.heldout.first"),
    (("paper", "minatar", "reward", "min_len"), 80, "minatar.reward.min_len"),
    (("paper", "minatar", "games"), ["pong"], "minatar.games[0]"),
])
def test_bad_values_name_the_key(path, value, needle):
    cfg = copy.deepcopy(load_config())
    node = cfg["trex"]
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert needle in str(err.value)
