"""Networks, the training step and resumption on a tiny batch."""
import numpy as np
import torch

from scripts.dsi.model import Detector, Predictor
from scripts.dsi.trainer import EpisodeSet, build_nets, train, train_step, to_batch

CFG = {"task": "ce", "reverse": "ce_uniform", "compact_mode": "elementwise_mean",
       "loss_weights": {"imp": 1.0, "rev": 2.0, "com": 0.5},
       "instance_norm": {"mid": False, "last": False}, "pooling": "flatten", "max_length": 12,
       "out_dim": 2, "batch_size": 4, "epochs": 2, "lr_d": 1e-3, "lr_g": 1e-3,
       "weight_decay": 1e-4, "warmup_epochs": 1, "iterative": True, "mask_sampling": "none",
       "concrete_temperature": 0.5, "hidden": 0}


def tiny_set(n=6):
    rng = np.random.default_rng(0)
    eps = [rng.integers(0, 255, (int(rng.integers(3, 9)), 3, 28, 28)).astype(np.uint8)
           for _ in range(n)]
    return EpisodeSet(eps, np.arange(n) % 2)


def test_shapes_and_padding_zero():
    d = Detector(3)
    g = Predictor(3, 2, 12)
    data = tiny_set()
    x, lengths = to_batch(data.episodes[:3], torch.device("cpu"))
    m = d(x, lengths)
    assert m.shape == x.shape[:2]
    for i, n in enumerate(lengths.tolist()):
        assert torch.all(m[i, n:] == 0) and torch.all(m[i, :n] > 0)
    assert g(x, lengths).shape == (3, 2)
    # frames / 255 (training and scoring alike; the original trained on / 256)
    assert torch.allclose(x[0, 0], torch.from_numpy(data.episodes[0][0]).float() / 255.0)


def test_d_step_leaves_g_unchanged():
    torch.manual_seed(0)
    d, g = build_nets(CFG, 3)
    od = torch.optim.Adam(d.parameters(), 1e-3)
    og = torch.optim.SGD(g.parameters(), lr=0.0)  # G's step is a no-op: check D's step alone
    data = tiny_set()
    x, lengths = to_batch(data.episodes[:4], torch.device("cpu"))
    before = [p.clone() for p in g.parameters()]
    dbefore = [p.clone() for p in d.parameters()]
    log = train_step(d, g, od, og, x, lengths, torch.as_tensor(data.targets[:4]), CFG,
                     warmup=False)
    assert all(torch.equal(a, b) for a, b in zip(before, g.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(dbefore, d.parameters()))
    assert set(log) >= {"loss_imp", "loss_rev", "loss_com", "loss_g", "mask_mean"}


def test_train_resumes(tmp_path):
    data = tiny_set()
    _, _, rows = train(data, data, CFG, 3, str(tmp_path), 0, torch.device("cpu"), log=lambda s: 0)
    assert len(rows) == 2 and rows[0]["warmup"] == 1 and rows[1]["warmup"] == 0
    # a second call resumes from the final checkpoint and trains no further epochs
    _, _, rows2 = train(data, data, CFG, 3, str(tmp_path), 0, torch.device("cpu"),
                        log=lambda s: 0)
    assert len(rows2) == 2


def test_kaiming_init_known_scale_and_zero_bias():
    """He init: conv weights ~ N(0, 2 / fan_in), biases zero; the default init is untouched."""
    import math

    import pytest

    from scripts.dsi.model import FrameEncoder

    torch.manual_seed(0)
    enc = FrameEncoder(3, False, False, init="kaiming")
    convs = [m for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 5
    for c in convs:
        fan_in = c.in_channels * c.kernel_size[0] * c.kernel_size[1]
        assert abs(float(c.weight.detach().std()) / math.sqrt(2.0 / fan_in) - 1.0) < 0.1
        assert torch.all(c.bias == 0)
    first = next(m for m in FrameEncoder(3, False, False).modules()
                 if isinstance(m, torch.nn.Conv2d))
    assert torch.any(first.bias != 0)  # PyTorch's default: uniform biases
    with pytest.raises(ValueError, match="init"):
        FrameEncoder(3, False, False, init="xavier")


def test_kaiming_init_keeps_feature_variation_without_instance_norm():
    """The fixed recipe's reason for He init: without InstanceNorm, the default init's pooled
    features barely vary across frames; He init keeps them >= 10x more variable."""
    rng = np.random.default_rng(0)
    frames = torch.from_numpy((rng.random((32, 3, 28, 28)) < 0.3).astype(np.float32))

    def spread(init):
        torch.manual_seed(0)
        with torch.no_grad():
            return float(FrameEncoder(3, False, False, init=init)(frames).std(0).mean())

    from scripts.dsi.model import FrameEncoder

    assert spread("kaiming") > 10 * spread("default")


def test_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    data = tiny_set()
    cfg = {**CFG, "epochs": 1, "warmup_epochs": 1}
    train(data, None, cfg, 3, str(tmp_path), 0, torch.device("cpu"), log=lambda s: 0)
    msgs = []
    _, _, rows = train(data, None, {**cfg, "lr_d": 5e-4}, 3, str(tmp_path), 0,
                       torch.device("cpu"), log=msgs.append)
    assert any("other settings" in m for m in msgs) and len(rows) == 1
    msgs.clear()
    train(data, None, {**cfg, "lr_d": 5e-4}, 3, str(tmp_path), 0, torch.device("cpu"),
          log=msgs.append)
    assert any(m.startswith("resumed") for m in msgs)


def test_checkpoint_of_other_training_data_is_not_resumed_and_is_discarded(tmp_path):
    from scripts.dsi.trainer import discard_checkpoint

    data = tiny_set()
    cfg = {**CFG, "epochs": 1, "warmup_epochs": 1}
    train(data, None, cfg, 3, str(tmp_path), 0, torch.device("cpu"), log=lambda s: 0)
    other = EpisodeSet(data.episodes[:-1], data.targets[:-1])
    assert other.fingerprint() != data.fingerprint() == tiny_set().fingerprint()
    msgs = []
    train(other, None, cfg, 3, str(tmp_path), 0, torch.device("cpu"), log=msgs.append)
    assert any("other settings or inputs" in m for m in msgs)
    assert not any(m.startswith("resumed") for m in msgs)
    discard_checkpoint(str(tmp_path))
    assert not (tmp_path / "checkpoint.pt").exists()
    discard_checkpoint(str(tmp_path))  # nothing left: no error


def test_pong_length_jitter_matches_original():
    """Expected values: the original's jitter and clamp lines (Attack/train.py at 6afb4a7) with
    torch.rand fixed to u: [95, 84, 31, 29, 0, 199] for lengths [120, 60, 30, 30, 10, 199] in a
    batch whose longest rally is 199. Ours agrees where the original stays inside the rally and
    above 0; it clamps to the rally's own length (60 not 84, 30 not 31) and to >= 1 (not 0)."""
    from scripts.dsi.trainer import jittered_length

    lengths = [120, 60, 30, 30, 10, 199]
    u = [0.0, 0.999, 0.53, 0.47, 0.1, 0.75]
    ours = [jittered_length(n, v, 50, n) for n, v in zip(lengths, u)]
    assert ours == [95, 60, 30, 29, 1, 199]
    # with the batch maximum as the upper bound, ours equals the original except the 0 clamp
    assert [jittered_length(n, v, 50, 199) for n, v in zip(lengths, u)] == [95, 84, 31, 29, 1, 199]


def test_seaquest_window_start_range():
    """The original draws randint(0, T - 1 - window): starts 0 .. T - 2 - window."""
    from scripts.dsi.trainer import window_start_high

    assert window_start_high(250, 200) == 49
    assert window_start_high(202, 200) == 1
    assert window_start_high(200, 200) == 1  # too short for the original (it crashed): start 0


def _fill_deterministic(model):
    """Every parameter, in registration order k, set to 0.05 sin(1 + 0.37 i + k)."""
    with torch.no_grad():
        for k, p in enumerate(model.parameters()):
            i = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((0.05 * torch.sin(1.0 + 0.37 * i + k)).reshape(p.shape).float())


def test_gridworld_nets_match_original_outputs():
    """Expected values: the original Models/model.py Detector and Predictor (6afb4a7, CPU) with
    the same deterministic weights (same parameter order) on the same two padded episodes."""

    g = torch.arange(3 * 28 * 28, dtype=torch.float64).reshape(3, 28, 28)
    x = torch.zeros(2, 6, 3, 28, 28)
    for b in range(2):
        for t in range(6):
            x[b, t] = (0.5 + 0.5 * torch.sin(0.013 * g + 0.7 * t + 1.3 * b)).float()
    x[1, 4:] = 0
    lengths = torch.tensor([6, 4])
    d, p = Detector(3), Predictor(3, 2, 84)
    _fill_deterministic(d)
    _fill_deterministic(p)
    with torch.no_grad():
        m, logits = d(x, lengths), p(x, lengths)
    expected_m = [[0.5058322548866272, 0.5082855820655823, 0.509752094745636, 0.5109698176383972,
                   0.512620210647583, 0.5154170989990234],
                  [0.5063300728797913, 0.5092616081237793, 0.5117372870445251,
                   0.5149455070495605, 0.0, 0.0]]
    expected_logits = [[0.7958315014839172, 0.057409994304180145],
                       [0.4365502595901489, 0.33420202136039734]]
    assert torch.allclose(m, torch.tensor(expected_m), atol=1e-5)
    assert torch.allclose(logits, torch.tensor(expected_logits), atol=1e-5)
