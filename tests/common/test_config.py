"""Config resolution and validation: errors name the key and what is allowed."""
from __future__ import annotations

import copy

import pytest

from scripts.common.config import ConfigError, deep_merge, load_config, resolve_paper, validate_config


@pytest.fixture(scope="module")
def config():
    return load_config()


def test_deep_merge_overrides_nested_values_only():
    base = {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    merged = deep_merge(base, {"a": {"c": 3}, "d": [9]})
    assert merged == {"a": {"b": 1, "c": 3}, "d": [9]}
    assert base["a"]["c"] == 2  # the base is not modified


def test_scale_block_is_merged_over_paper_block():
    cfg = {"x": {"paper": {"n": 10, "m": {"k": 1, "j": 2}}, "smoke": {"m": {"k": 5}}, "laptop": {}}}
    assert resolve_paper(cfg, "x", "smoke") == {"n": 10, "m": {"k": 5, "j": 2}}
    assert resolve_paper(cfg, "x", "paper") == {"n": 10, "m": {"k": 1, "j": 2}}


def test_shipped_config_is_valid(config):
    validate_config(config)
    assert config["scale"] == "laptop"


def test_unknown_scale_names_the_key(config):
    bad = copy.deepcopy(config)
    bad["scale"] = "huge"
    with pytest.raises(ConfigError, match=r"config key 'scale': 'huge' is not allowed; allowed: 'smoke'"):
        validate_config(bad)


def test_negative_seed_names_the_key(config):
    bad = copy.deepcopy(config)
    bad["seeds"]["laptop"] = [0, -1]
    with pytest.raises(ConfigError, match=r"config key 'seeds\.laptop\[1\]'"):
        validate_config(bad)


def test_missing_key_is_named(config):
    bad = copy.deepcopy(config)
    del bad["seeds"]
    with pytest.raises(ConfigError, match=r"config key 'seeds' is missing"):
        validate_config(bad)


def test_unknown_paper_is_rejected(config):
    bad = copy.deepcopy(config)
    bad["papers"] = ["trex", "alphago"]
    with pytest.raises(ConfigError, match=r"config key 'papers\[1\]'"):
        validate_config(bad)


def test_typo_in_a_paper_block_is_rejected(config):
    bad = copy.deepcopy(config)
    paper = bad["papers"][0]
    bad[paper]["smoke"]["no_such_setting"] = 1
    with pytest.raises(ConfigError, match=rf"config key '{paper}\.smoke\.no_such_setting' is not a known setting"):
        validate_config(bad)


def test_unknown_scale_block_in_a_paper_is_rejected(config):
    bad = copy.deepcopy(config)
    paper = bad["papers"][0]
    bad[paper]["huge"] = {}
    with pytest.raises(ConfigError, match=rf"config key '{paper}\.huge': not a scale"):
        validate_config(bad)


def test_every_paper_resolves_at_every_scale(config):
    for paper in config["papers"]:
        for scale in ("smoke", "laptop", "paper"):
            assert isinstance(resolve_paper(config, paper, scale), dict)
