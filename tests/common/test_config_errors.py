"""Bad configurations are stopped before any job runs, with a message naming the key or file.

Most cases call the validation entry points directly (what the Snakefile calls before any rule is
built); a few run a real ``snakemake -n`` to show the Snakefile wires them in."""
from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from scripts.common.config import (ConfigError, ROOT, check_config_files, deep_merge, load_config,
                                   load_yaml, type_overrides, validate_config)


@pytest.fixture(scope="module")
def config():
    return load_config()


def _set(cfg, dotted, value):
    *parents, last = dotted.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


DELETE = object()

# (case id, {dotted key: new value or DELETE}, regex the error must match: it names the key)
CASES = [
    # unknown keys, at every level
    ("top-level typo", {"scael": "smoke"}, r"config key 'scael' is not a known setting"),
    ("paper block typo", {"trex.smoke.atari_rl_seed": 1}, r"'trex\.smoke\.atari_rl_seed' is not a known"),
    ("nested typo", {"trex.paper.ppo_mujoco.learning_rate": 1e-3}, r"'trex\.(smoke|laptop|paper)\.ppo_mujoco\.learning_rate'"),
    ("deep typo", {"lse.paper.se.inner.train_episode": 5}, r"'lse\.\w+\.se\.inner\.train_episode' is not a known"),
    ("env block typo", {"trex.smoke.envs.hopper.stage": {}}, r"'trex\.smoke\.envs\.hopper\.stage' is not a known"),
    ("unknown scale block", {"irrl.huge": {}}, r"'irrl\.huge': not a scale"),
    ("data source typo", {"data_sources.mnist_train_images.sha": "0" * 64}, r"'data_sources\.mnist_train_images\.sha' is not a known"),
    ("resources typo", {"trex.smoke.resources.default.memory": 10}, r"'trex\.smoke\.resources\.default\.memory' is not a known"),
    # resources tables are keyed by rule name: an unknown name (or an old stage key) is named
    ("resources unknown rule", {"trex.smoke.resources.trex_train_rewards": {"runtime": 5}},
     r"'trex\.smoke\.resources\.trex_train_rewards': not a rule of this paper's rule file"),
    ("resources stage key", {"lse.laptop.resources.train_se": {"threads": 2}},
     r"'lse\.laptop\.resources\.train_se': not a rule"),
    ("resources other paper's rule", {"dsi.paper.resources.fdt_train": {"gpu": 1}},
     r"'dsi\.paper\.resources\.fdt_train': not a rule"),
    ("workflow resources unknown rule", {"resources.manifest": {"mem_mb": 1000}},
     r"'resources\.manifest': not a rule"),
    ("resources variant without by", {"lse.smoke.resources.lse_train_rn": {"cliff": {"runtime": 3}}},
     r"'lse\.smoke\.resources\.lse_train_rn\.cliff': a variant block needs `by`"),
    ("resources variant typo", {"trex.paper.resources.trex_train_policy.atari.memory": 10},
     r"'trex\.paper\.resources\.trex_train_policy\.atari\.memory' is not a known"),
    ("dsi typo", {"dsi.smoke.gridworld.varaints": ["S"]}, r"'dsi\.smoke\.gridworld\.varaints'"),
    ("fdt typo", {"fdt.smoke.model.n_layers": 2}, r"'fdt\.smoke\.model\.n_layers'"),
    # missing keys
    ("missing seeds", {"seeds": DELETE}, r"config key 'seeds' is missing"),
    ("missing scale seeds", {"seeds.smoke": DELETE}, r"config key 'seeds\.smoke' is missing"),
    ("missing paper block", {"irrl.paper": DELETE}, r"config key 'irrl\.paper' is missing"),
    ("missing required setting", {"trex.paper.attention_env": DELETE}, r"'trex\.\w+\.attention_env' is missing"),
    ("missing paper file", {"lse": DELETE}, r"config key 'lse' is missing"),
    # wrong types and values
    ("unknown scale", {"scale": "huge"}, r"config key 'scale': 'huge' is not allowed"),
    ("unknown paper", {"papers": ["trex", "alphago"]}, r"config key 'papers\[1\]'"),
    ("no papers", {"papers": []}, r"config key 'papers'"),
    ("duplicate paper", {"papers": ["trex", "trex"]}, r"config key 'papers'"),
    ("negative seed", {"seeds.laptop": [0, -1]}, r"config key 'seeds\.laptop\[1\]'"),
    ("string seed", {"seeds.smoke": ["zero"]}, r"config key 'seeds\.smoke\[0\]'"),
    ("empty seeds", {"seeds.paper": []}, r"config key 'seeds\.paper'"),
    ("bad url", {"data_sources.mnist_train_images.url": "ftp://x/y"}, r"'data_sources\.mnist_train_images\.url'"),
    ("bad sha256", {"data_sources.mnist_train_images.sha256": "abc"}, r"'data_sources\.mnist_train_images\.sha256'"),
    ("string where int", {"trex.smoke.rl_mujoco.total_steps": "many"}, r"'trex\.smoke\.rl_mujoco\.total_steps'"),
    ("zero where positive", {"irrl.smoke.ram.epochs": 0}, r"'irrl\.smoke\.ram\.epochs'"),
    ("float where int", {"fdt.smoke.model.n_layer": 2.5}, r"'fdt\.smoke\.model\.n_layer'"),
    ("gamma above 1", {"trex.paper.ppo_atari.gamma": 1.5}, r"'trex\.\w+\.ppo_atari\.gamma'"),
    ("unknown env", {"trex.smoke.mujoco_envs": ["walker"]}, r"'trex\.smoke\.mujoco_envs\[0\]'"),
    ("unknown reward", {"irrl.smoke.experiments.main_rewards": ["best"]}, r"'irrl\.smoke\.experiments\.main_rewards\[0\]'"),
    ("bad stage name", {"trex.smoke.mujoco_stages": ["first"]}, r"'trex\.smoke\.mujoco_stages\[0\]'"),
    ("bad device", {"trex.smoke.reward_atari.device": "tpu"}, r"'trex\.smoke\.reward_atari\.device'"),
    ("negative runtime", {"dsi.smoke.resources.default": {"runtime": -1}}, r"'dsi\.smoke\.resources\.default\.runtime'"),
    ("boolean as string", {"trex.smoke.noise.enabled": "yes"}, r"'trex\.smoke\.noise\.enabled'"),
    ("bad fdt game", {"fdt.smoke.games": ["tetris"]}, r"'fdt\.smoke\.games\[0\]'"),
    ("bad lse env", {"lse.smoke.se.envs": ["mountaincar"]}, r"'lse\.smoke\.se\.envs\[0\]'"),
    # cross-field checks
    ("stage first > last", {"trex.smoke.envs.hopper.stages.stage1": {"first": 4, "last": 1}}, r"'trex\.smoke\.envs\.hopper\.stages\.stage1': first \(4\) is after last \(1\)"),
    ("heldout first > last", {"trex.smoke.envs.breakout.heldout": {"first": 8, "last": 6, "step": 2, "episodes": 1}}, r"'trex\.smoke\.envs\.breakout\.heldout': first \(8\)"),
    ("min_len > max_len", {"trex.smoke.reward_atari.min_len": 30}, r"'trex\.smoke\.reward_atari\.min_len': 30 is above max_len \(20\)"),
    ("attention_env not an Atari game", {"trex.smoke.attention_env": "pong"}, r"'trex\.smoke\.attention_env': 'pong' is not among the Atari games"),
    ("mujoco stage no env defines", {"trex.smoke.mujoco_stages": ["stage1", "stage7"]}, r"'trex\.smoke\.mujoco_stages': 'stage7' is defined by none"),
    ("env without block", {"trex.paper.envs.hopper": DELETE}, r"'trex\.paper\.mujoco_envs': 'hopper' has no block"),
    ("control env not run", {"trex.smoke.control_envs": ["hopper"]}, r"'trex\.smoke\.control_envs': 'hopper' is not among mujoco_envs"),
    ("too many control seeds", {"trex.smoke.control_seeds": 4}, r"'trex\.smoke\.control_seeds': 4 is more than the 1 seeds"),
    ("too many atari seeds", {"trex.smoke.atari_rl_seeds": 2}, r"'trex\.smoke\.atari_rl_seeds': 2 is more than"),
    ("noise stage undefined", {"trex.smoke.noise.stage": "stage9"}, r"'trex\.smoke\.noise\.stage': 'stage9' is not a stage of envs\.hopper"),
    ("smoke oracle epoch not saved", {"irrl.smoke.experiments.oracle_epoch": 3}, r"'irrl\.smoke\.experiments\.oracle_epoch': 3 is not a saved epoch"),
    ("save_epochs beyond epochs", {"irrl.smoke.ram.save_epochs": [0, 1, 5]}, r"'irrl\.smoke\.ram\.save_epochs': 5 beyond the 2 epochs"),
    ("oracle epoch not saved", {"irrl.laptop.experiments.oracle_epoch": 7}, r"'irrl\.laptop\.experiments\.oracle_epoch': 7 is not a saved epoch"),
    ("noise epoch not saved", {"irrl.laptop.experiments.noise_epochs": [0, 3]}, r"'irrl\.laptop\.experiments\.noise_epochs': 3 not saved"),
    ("fdt table 4 seeds not run", {"fdt.smoke.table4_seeds": [0, 7]}, r"'fdt\.smoke\.table4_seeds': 7 not among the seeds"),
    ("dsi ablation recipe not run", {"dsi.smoke.gridworld.recipes": ["paper"]}, r"'dsi\.smoke\.gridworld\.ablation_recipe': 'fixed' is not among the recipes"),
    ("lse variant without run count", {"lse.paper.se.runs.fixhp": DELETE}, r"'lse\.\w+\.se\.runs\.fixhp' is missing"),
    ("skills env without settings", {"irrl.paper.skills.env_settings.large": DELETE}, r"'irrl\.\w+\.skills\.envs': 'large' has no block"),
]


@pytest.mark.parametrize("changes,match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_stopped_naming_the_key(config, changes, match):
    bad = copy.deepcopy(config)
    for key, value in changes.items():
        _set(bad, key, value)
    with pytest.raises(ConfigError, match=match):
        validate_config(bad)


def test_at_least_40_bad_configs_are_tabled():
    assert len(CASES) >= 40


# --config values arrive as strings below the top level; typed by the schema they validate
@pytest.mark.parametrize("override,expected", [
    ({"seeds": {"smoke": ["0", "1"]}}, {"seeds": {"smoke": [0, 1]}}),
    ({"trex": {"smoke": {"reward_atari": {"epochs": "3", "lr": "1e-4", "device": "cpu"}}}},
     {"trex": {"smoke": {"reward_atari": {"epochs": 3, "lr": 1e-4, "device": "cpu"}}}}),
    ({"trex": {"smoke": {"noise": {"enabled": "false"}, "envs": {"hopper": {"max_episode_steps": "null"}}}}},
     {"trex": {"smoke": {"noise": {"enabled": False}, "envs": {"hopper": {"max_episode_steps": None}}}}}),
    ({"irrl": {"laptop": {"ram": {"save_epochs": ["0", "4", "10", "20", "40", "3"]}}}},
     {"irrl": {"laptop": {"ram": {"save_epochs": [0, 4, 10, 20, 40, 3]}}}}),
    ({"scale": "smoke", "trex": {"smoke": {"attention_env": "breakout"}}},
     {"scale": "smoke", "trex": {"smoke": {"attention_env": "breakout"}}}),
])
def test_nested_config_values_are_typed_by_the_schema(config, override, expected):
    typed = type_overrides(override)
    assert typed == expected
    validate_config(deep_merge(config, typed))


def test_untypable_override_is_still_named(config):
    typed = type_overrides({"seeds": {"smoke": ["zero"]}})
    with pytest.raises(ConfigError, match=r"config key 'seeds\.smoke\[0\]'"):
        validate_config(deep_merge(config, typed))


# YAML files: duplicate keys and syntax errors name the file and the line
@pytest.mark.parametrize("text,match", [
    ("scale: laptop\nseeds: {smoke: [0]}\nscale: smoke\n", r"bad\.yaml:3: invalid YAML: duplicate key 'scale' \(first given on line 1\)"),
    ("trex:\n  smoke:\n    seeds: [0]\n    seeds: [1]\n", r"bad\.yaml:4: invalid YAML: duplicate key 'seeds'"),
    ("a: {b: 1, b: 2}\n", r"bad\.yaml:1: invalid YAML: duplicate key 'b'"),
    ("scale: laptop\nseeds: [0, 1\npapers: [trex]\n", r"bad\.yaml:\d+: invalid YAML"),
    ("scale: laptop\n  papers: [trex]\n", r"bad\.yaml:2: invalid YAML"),
    ("a:\n\tb: 1\n", r"bad\.yaml:2: invalid YAML"),
])
def test_yaml_errors_name_file_and_line(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        check_config_files([path])


def test_shipped_config_files_have_no_duplicate_keys():
    check_config_files(sorted((ROOT / "config").glob("*.yaml")))
    assert load_yaml(ROOT / "config" / "config.yaml")["scale"] == "laptop"


def test_every_schema_object_rejects_unknown_keys():
    """Every object in every schema says what it allows beyond its properties (no silent typos)."""
    def walk(node, where):
        if isinstance(node, dict):
            if (node.get("type") == "object" or "properties" in node) and "$ref" not in node \
                    and not where.endswith("/if"):
                assert "additionalProperties" in node, f"{where}: no additionalProperties"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")
    for path in sorted((ROOT / "config" / "schema").glob("*.schema.yaml")):
        walk(load_yaml(path), path.name)


# a handful of real dry runs: the Snakefile stops before building any job
def _dry_run(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "snakemake", "-n", "-q", "-s", str(ROOT / "Snakefile"),
                           "-d", str(tmp_path), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args,match", [
    (["--config", "scael=smoke"], "config key 'scael' is not a known setting"),
    (["--config", "scale=smoke", "trex={smoke: {reward_atari: {min_len: 30}}}"],
     r"'trex\.smoke\.reward_atari\.min_len': 30 is above max_len"),
    (["--config", "scale=smoke", "irrl={smoke: {ram: {save_epochs: [0, 9]}}}"],
     r"'irrl\.smoke\.ram\.save_epochs': 9 beyond"),
])
def test_dry_run_stops_on_a_bad_config(tmp_path, args, match):
    import re

    proc = _dry_run(tmp_path, *args)
    assert proc.returncode != 0
    assert re.search(match, proc.stdout + proc.stderr), proc.stderr[-2000:]
    assert "Building DAG" not in proc.stdout + proc.stderr


def test_dry_run_rejects_a_configfile_with_a_duplicate_key(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("scale: smoke\nscale: laptop\n")
    proc = _dry_run(tmp_path, "--configfile", str(extra))
    assert proc.returncode != 0
    assert "mine.yaml:2: invalid YAML: duplicate key 'scale'" in proc.stdout + proc.stderr


def test_dry_run_accepts_nested_integer_config(tmp_path):
    proc = _dry_run(tmp_path, "--config", "scale=smoke", "seeds={smoke: [0, 1]}", "--", "figures/trex/all")
    assert proc.returncode == 0, proc.stderr[-2000:]
