"""The laptop stand-in for A3C: the scripted teacher's frame reading, aim and control, the
critic's Monte-Carlo targets, and the time-major batching of rallies."""
import numpy as np
import pytest
import torch

from scripts.dsi import imitate
from scripts.dsi.pong import A3CPolicy

BG = (144, 72, 17)


def frame(paddle_top=None, ball=None):
    f = np.zeros((210, 160, 3), dtype=np.uint8)
    f[:] = BG
    f[24:34] = 236  # top wall (outside the play field: must not count as ball)
    f[194:210] = 236
    if paddle_top is not None:
        f[paddle_top:paddle_top + 16, 140:144] = imitate.PADDLE_RGB
    if ball is not None:
        r, c = ball
        f[r:r + 2, c:c + 2] = imitate.BALL_RGB
    return f


def test_locate_hand_built_frame():
    paddle, ball = imitate.locate(frame(paddle_top=100, ball=(60, 80)))
    assert paddle == pytest.approx(107.5)       # rows 100..115
    assert ball == pytest.approx((60.5, 80.5))  # 2x2 ball at rows 60-61, cols 80-81
    assert imitate.locate(frame()) == (None, None)


def test_reflect_folds_into_the_field():
    assert imitate.reflect(50, 35, 193) == 50
    assert imitate.reflect(200, 35, 193) == 186     # 7 past the bottom wall
    assert imitate.reflect(20, 35, 193) == 50       # 15 past the top wall
    assert imitate.reflect(193 + 158 + 10, 35, 193) == 45


def test_aim_intercept_offset_and_steer():
    # no ball: the field's centre
    assert imitate.aim(None, None, 0.0, 8.0) == (114.0, False)
    # ball moving right and down (vx 4, vy 2), 60 px from the paddle column: +30 rows
    target, approaching = imitate.aim((100.0, 80.0), (98.0, 76.0), 0.0, 0.0)
    assert approaching and target == pytest.approx(130.0)
    # steer adds 8 in the direction of vertical motion, offset adds as given
    target, _ = imitate.aim((100.0, 80.0), (98.0, 76.0), 1.0, 8.0)
    assert target == pytest.approx(139.0)
    # moving away (left): the ball's row, minus 8 when it moves up
    target, approaching = imitate.aim((100.0, 80.0), (103.0, 84.0), 0.0, 8.0)
    assert not approaching and target == pytest.approx(92.0)


def test_damped_action():
    assert imitate.damped_action(120.0, 0.0, 100.0) == imitate.UP      # above target -> up
    assert imitate.damped_action(80.0, 0.0, 100.0) == imitate.DOWN
    assert imitate.damped_action(101.0, 0.0, 100.0) == imitate.NOOP
    # moving down fast: the extrapolated position 90 + 2.5 * 6 = 105 overshoots -> brake (up)
    assert imitate.damped_action(90.0, 6.0, 100.0) == imitate.UP


def test_mc_returns_discounted_outcome():
    np.testing.assert_allclose(imitate.mc_returns(3, 1.0, 0.5), [0.25, 0.5, 1.0])
    np.testing.assert_allclose(imitate.mc_returns(2, -1.0, 0.9), [-0.9, -1.0])
    np.testing.assert_allclose(imitate.mc_returns(4, 0.0, 0.99), [0, 0, 0, 0])


def test_time_major_matches_sequence_forward_order():
    torch.manual_seed(0)
    net = A3CPolicy()
    frames = [torch.rand(3, 1, 80, 80), torch.rand(1, 1, 80, 80)]
    with torch.no_grad():
        values, logits, mask = imitate.sequence_forward(net, frames)
    assert mask.tolist() == [[True, True], [True, False], [True, False]]
    # time-major: rally0 t0, rally1 t0, rally0 t1, rally0 t2
    order = imitate.time_major([np.array([0, 2, 3]), np.array([1])], mask)
    assert order.tolist() == [0, 1, 2, 3]
    # the same values as stepping the policy one frame at a time from a zero state
    hx = net.initial_state()
    for t in range(3):
        with torch.no_grad():
            v, lg, hx = net(frames[0][t:t + 1], hx)
        i = [0, 2, 3][t]
        assert float(v) == pytest.approx(float(values[i]), abs=1e-5)
        assert torch.allclose(lg[0], logits[i], atol=1e-5)


def test_bc_fits_a_tiny_batch():
    torch.manual_seed(0)
    net = imitate.he_init(A3CPolicy())
    rng = np.random.default_rng(0)
    rally = {"frames": (rng.random((6, 1, 80, 80)) * 255).astype(np.uint8),
             "labels": np.array([2, 3, 0, 2, 3, 0]), "outcome": 1}
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    first = None
    for _ in range(30):
        loss, acc = imitate.bc_loss(net, [rally], 0.9, 0.5)
        first = float(loss) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss) < 0.5 * first and acc == 1.0


def test_teacher_lookahead_leaves_the_env_unchanged():
    from scripts.dsi.pong import make_pong

    envs = [make_pong(), make_pong()]
    for env in envs:
        env.reset(seed=3)
        for _ in range(45):  # until the ball is in play
            env.step(0)
    a = imitate.Teacher()._lookahead(envs[0], 120.0)  # look ahead in the first env only
    assert a in (imitate.NOOP, imitate.UP, imitate.DOWN)
    for action in [2, 2, 3, 0, 3] * 4:  # the random frame skips and the emulator match
        o0, r0, *_ = envs[0].step(action)
        o1, r1, *_ = envs[1].step(action)
        np.testing.assert_array_equal(o0, o1)


def test_schema_requires_the_imitate_block_and_checks_it():
    import copy as _copy

    from scripts.common.config import ConfigError, load_yaml, resolve_paper, validate, SCHEMA_DIR

    cfg = {"dsi": load_yaml(SCHEMA_DIR.parent / "dsi.yaml")["dsi"]}
    schema = load_yaml(SCHEMA_DIR / "dsi.schema.yaml")
    laptop = resolve_paper(cfg, "dsi", "laptop")
    assert laptop["pong"]["a3c"]["init"] == "imitate"
    validate(laptop, schema)
    bad = _copy.deepcopy(laptop)
    del bad["pong"]["a3c"]["imitate"]
    with pytest.raises(ConfigError, match="imitate"):
        validate(bad, schema)
    bad = _copy.deepcopy(laptop)
    bad["pong"]["a3c"]["imitate"]["windw"] = 3
    with pytest.raises(ConfigError, match="windw"):
        validate(bad, schema)
    bad = _copy.deepcopy(laptop)
    bad["pong"]["a3c"]["init"] = "clone"
    with pytest.raises(ConfigError, match="init"):
        validate(bad, schema)
