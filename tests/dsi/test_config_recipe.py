"""The original code's training and attack settings as config/dsi.yaml states them (ledger L8,
A6): a change to the paper block, or to what the laptop scale overrides, is noticed here."""
from scripts.common.config import SCHEMA_DIR, load_yaml, resolve_paper


def _resolved(scale):
    return resolve_paper({"dsi": load_yaml(SCHEMA_DIR.parent / "dsi.yaml")["dsi"]}, "dsi", scale)


def test_paper_recipe_optimisers_and_loss_weights():
    """L8: two Adams at lr 1e-4, weight decay 1e-4; GridWorld README run l1 5e-3, classify 1,
    reverse 2, batch 64, 20 epochs; Pong reverse 1. Laptop: the same recipe at 4 epochs,
    batch 16."""
    paper = _resolved("paper")
    gw = paper["gridworld"]
    rec = gw["recipe"]["paper"]
    assert (rec["lr_d"], rec["lr_g"], gw["common"]["weight_decay"]) == (1e-4, 1e-4, 1e-4)
    assert rec["loss_weights"] == {"imp": 1.0, "rev": 2.0, "com": 5e-3}
    assert (rec["batch_size"], rec["epochs"], rec["compact_mode"]) == (64, 20, "matrix")
    det = paper["pong"]["detector"]
    assert det["loss_weights"] == {"imp": 1.0, "rev": 1.0, "com": 5e-3}
    assert (det["lr_d"], det["lr_g"], det["weight_decay"]) == (1e-4, 1e-4, 1e-4)
    lap = _resolved("laptop")["gridworld"]["recipe"]["paper"]
    assert (lap["batch_size"], lap["epochs"]) == (16, 4)
    assert {k: v for k, v in lap.items() if k not in ("batch_size", "epochs")} == \
        {k: v for k, v in rec.items() if k not in ("batch_size", "epochs")}


def test_paper_attack_block():
    """A6: 500 rally seeds, top-k up to 30 (k = 5-20 added), rallies of at most 199 steps."""
    att = _resolved("paper")["pong"]["attack"]
    assert att["n_seeds"] == 500 and att["ks"] == [5, 10, 20, 30]
    assert att["max_steps"] == 199 and _resolved("paper")["pong"]["data"]["max_steps"] == 199
    assert att["methods"] == ["dsi", "random", "value"]
