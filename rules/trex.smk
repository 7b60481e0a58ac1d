# T-REX (Brown et al., ICML 2019): demonstrators -> ranked demos -> pairs -> reward net ->
# PPO on the learned reward -> evaluation on the true reward -> tables and figures.
# Fidelity to the authors' code: docs/fidelity/trex.md; settings per scale: config/trex.yaml.

TREX = P("trex")
TREX_MUJOCO = list(TREX["mujoco_envs"])
TREX_ATARI = list(TREX["atari_envs"])
TREX_NOISE = TREX["noise"] if TREX["noise"]["enabled"] else None
TREX_DSEED = TREX["demonstrator_seed"]
TREX_KIND = {e: ("mujoco" if e in ("halfcheetah", "hopper", "ant") else "atari") for e in TREX["envs"]}
# `by: kind` in config/trex.yaml's resources: a job's resources follow its env's kind
resource_selector("kind", lambda wildcards: TREX_KIND[wildcards.env])
# each env's settings, its stages limited to the scale's active ones
TREX_ENVCFG = {
    e: {**c, "stages": {s: r for s, r in c["stages"].items() if s in TREX["mujoco_stages"] or TREX_KIND[e] == "atari"}}
    for e, c in TREX["envs"].items()
}
TREX_MUJOCO_SETS = [(e, s) for e in TREX_MUJOCO for s in TREX_ENVCFG[e]["stages"]]
TREX_SEEDS = seeds("trex")
TREX_ATARI_SEEDS = TREX_SEEDS[: TREX["atari_rl_seeds"]]
TREX_CONTROL_SEEDS = TREX_SEEDS[: TREX["control_seeds"]]
TREX_NOISE_SETS = (
    [f"{TREX_NOISE['stage']}-swap{n}-trial{t}" for n in TREX_NOISE["swaps"] for t in range(TREX_NOISE["trials"])]
    if TREX_NOISE
    else []
)
TREX_DEMONSTRATOR = res("trex", "demonstrator", "{env}", f"seed{TREX_DSEED}")


wildcard_constraints:
    env="|".join(TREX["envs"]),
    set=r"stage\d+(-swap\d+-trial\d+)?|control",
    tset=r"stage\d+(-swap\d+-trial\d+)?",


rule trex_train_demonstrator:
    """PPO on the true reward with checkpoints every ckpt_every updates, from the random policy."""
    output:
        index=f"{TREX_DEMONSTRATOR}/checkpoints.json",
        log=f"{TREX_DEMONSTRATOR}/train_log.csv",
    log:
        logpath("trex", "demonstrator", "{env}"),
    benchmark:
        benchpath("trex", "demonstrator", "{env}")
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: json.dumps({"env": TREX_ENVCFG[wc.env], "ppo": TREX[f"ppo_{TREX_KIND[wc.env]}"]}, sort_keys=True),
        seed=TREX_DSEED,
        out=lambda wc, output: os.path.dirname(output.index),
    shell:
        "python -m scripts.trex.train_demonstrator --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {wildcards.env} --out-dir {params.out} > {log} 2>&1"


rule trex_generate_demos:
    """Stochastic rollouts of every stage's checkpoints: the ranked demonstrations."""
    input:
        rules.trex_train_demonstrator.output.index,
    output:
        npz=res("trex", "demos", "{env}", "demos.npz"),
        meta=res("trex", "demos", "{env}", "demos_meta.csv"),
    log:
        logpath("trex", "demos", "{env}"),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: json.dumps({"env": TREX_ENVCFG[wc.env]}, sort_keys=True),
        seed=TREX_DSEED,
    shell:
        "python -m scripts.trex.generate_rollouts --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {wildcards.env} --which demos --demonstrator {input}"
        " --out-npz {output.npz} --out-meta {output.meta} > {log} 2>&1"


rule trex_generate_heldout:
    """Held-out trajectories of later checkpoints (beyond the best demo), never given to T-REX."""
    input:
        rules.trex_train_demonstrator.output.index,
    output:
        npz=res("trex", "heldout", "{env}", "trajs.npz"),
        meta=res("trex", "heldout", "{env}", "heldout_meta.csv"),
    log:
        logpath("trex", "heldout", "{env}"),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: json.dumps({"env": TREX_ENVCFG[wc.env]}, sort_keys=True),
        seed=TREX_DSEED,
    shell:
        "python -m scripts.trex.generate_rollouts --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {wildcards.env} --which heldout --demonstrator {input}"
        " --out-npz {output.npz} --out-meta {output.meta} > {log} 2>&1"


rule trex_make_pairs:
    """Snippet pairs (Atari, authors' sampler) or window pairs (MuJoCo), optional ranking noise."""
    input:
        meta=rules.trex_generate_demos.output.meta,
    output:
        res("trex", "pairs", "{env}", "{tset}", "pairs.npz"),
    log:
        logpath("trex", "pairs", "{env}", "{tset}"),
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: json.dumps(
            {"env": TREX_ENVCFG[wc.env], "reward": TREX[f"reward_{TREX_KIND[wc.env]}"]}, sort_keys=True
        ),
        seed=TREX_DSEED,
    shell:
        "python -m scripts.trex.make_pairs --params {params.cfg:q} --seed {params.seed}"
        " --env {wildcards.env} --set {wildcards.tset} --demos-meta {input.meta} --out {output} > {log} 2>&1"


rule trex_train_reward:
    """Bradley-Terry reward learning: the authors' Atari CNN, or the MuJoCo MLP ensemble."""
    input:
        demos=rules.trex_generate_demos.output.npz,
        pairs=rules.trex_make_pairs.output,
    output:
        model=res("trex", "reward", "{env}", "{tset}", "reward.pt"),
        log=res("trex", "reward", "{env}", "{tset}", "reward_train_log.csv"),
        acc=res("trex", "reward", "{env}", "{tset}", "pair_accuracy.json"),
    log:
        logpath("trex", "reward", "{env}", "{tset}"),
    benchmark:
        benchpath("trex", "reward", "{env}", "{tset}")
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: json.dumps({"reward": TREX[f"reward_{TREX_KIND[wc.env]}"]}, sort_keys=True),
        seed=TREX_DSEED,
    shell:
        "python -m scripts.trex.train_reward --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {wildcards.env} --demos {input.demos} --pairs {input.pairs}"
        " --out-model {output.model} --out-log {output.log} --out-acc {output.acc} > {log} 2>&1"


rule trex_predict_returns:
    """Predicted vs true returns of the demos and of the held-out trajectories."""
    input:
        reward=rules.trex_train_reward.output.model,
        demos=rules.trex_generate_demos.output.npz,
        demos_meta=rules.trex_generate_demos.output.meta,
        heldout=rules.trex_generate_heldout.output.npz,
        heldout_meta=rules.trex_generate_heldout.output.meta,
    output:
        res("trex", "pred_vs_true", "{env}", "{tset}", "pred_vs_true.csv"),
    log:
        logpath("trex", "pred_vs_true", "{env}", "{tset}"),
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: json.dumps({"env": TREX_ENVCFG[wc.env]}, sort_keys=True),
    shell:
        "python -m scripts.trex.predict_returns --params {params.cfg:q} --env {wildcards.env}"
        " --set {wildcards.tset} --reward {input.reward} --demos {input.demos}"
        " --demos-meta {input.demos_meta} --heldout {input.heldout}"
        " --heldout-meta {input.heldout_meta} --out {output} > {log} 2>&1"


rule trex_train_policy:
    """PPO on the learned reward (or a constant reward for the control); true reward never seen."""
    input:
        reward=lambda wc: [] if wc.set == "control" else res("trex", "reward", wc.env, wc.set, "reward.pt"),
    output:
        model=res("trex", "policy", "{env}", "{set}", "seed{seed}", "final.pt"),
        log=res("trex", "policy", "{env}", "{set}", "seed{seed}", "train_log.csv"),
    log:
        logpath("trex", "policy", "{env}", "{set}", "seed{seed}"),
    benchmark:
        benchpath("trex", "policy", "{env}", "{set}", "seed{seed}")
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: json.dumps(
            {
                "env": TREX_ENVCFG[wc.env],
                "ppo": TREX[f"ppo_{TREX_KIND[wc.env]}"],
                "rl": TREX[f"rl_{TREX_KIND[wc.env]}"],
            },
            sort_keys=True,
        ),
        reward=lambda wc, input: f"--reward {input.reward}" if input.reward else "",
    shell:
        "python -m scripts.trex.train_policy --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --env {wildcards.env} --set {wildcards.set} {params.reward}"
        " --out {output.model} --out-log {output.log} > {log} 2>&1"


rule trex_eval_policy:
    """Episodes on the true reward of a fresh, unwrapped env: return (and final x-position)."""
    input:
        rules.trex_train_policy.output.model,
    output:
        res("trex", "eval", "{env}", "{set}", "seed{seed}.csv"),
    log:
        logpath("trex", "eval", "{env}", "{set}", "seed{seed}"),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: json.dumps(
            {"env": TREX_ENVCFG[wc.env], "eval": TREX[f"eval_{TREX_KIND[wc.env]}"]}, sort_keys=True
        ),
        experiment=lambda wc: "noise" if "swap" in wc.set else TREX_KIND[wc.env],
    shell:
        "python -m scripts.trex.eval_policy --params {params.cfg:q} --seed {wildcards.seed}"
        " --env {wildcards.env} --set {wildcards.set} --policy {input}"
        " --experiment {params.experiment} --out {output} > {log} 2>&1"


# ----------------------------------------------------------------------------- tables, figures


rule trex_fig_mujoco_bars:
    """MuJoCo bar chart: forward distance per task and stage, best demo dashed, paper markers."""
    input:
        evals=[res("trex", "eval", e, s, f"seed{k}.csv") for e, s in TREX_MUJOCO_SETS for k in TREX_SEEDS],
        control=[
            res("trex", "eval", e, "control", f"seed{k}.csv") for e in TREX["control_envs"] for k in TREX_CONTROL_SEEDS
        ],
        demos=[res("trex", "demos", e, "demos_meta.csv") for e in TREX_MUJOCO],
    output:
        fig=figure_report(
            fig("trex", "fig_mujoco_performance.pdf"),
            caption="../report/trex/fig_mujoco_performance.rst",
            category="T-REX",
        ),
        csv=fig("trex", "table_mujoco_performance.csv"),
        md=fig("trex", "table_mujoco_performance.md"),
    log:
        logpath("trex", "fig_mujoco_performance"),
    conda:
        env_file("trex-figures")
    params:
        cfg=json.dumps({"stages": {e: TREX_ENVCFG[e]["stages"] for e in TREX_MUJOCO}}, sort_keys=True),
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_mujoco --params {params.cfg:q} --scale {params.scale}"
        " --evals {input.evals} --control {input.control} --demos {input.demos}"
        " --out-fig {output.fig} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_fig_extrapolation:
    """MuJoCo extrapolation scatter (predicted vs true return) and the correlation table."""
    input:
        [res("trex", "pred_vs_true", e, s, "pred_vs_true.csv") for e, s in TREX_MUJOCO_SETS],
    output:
        fig=figure_report(
            fig("trex", "fig_extrapolation.pdf"), caption="../report/trex/fig_extrapolation.rst", category="T-REX"
        ),
        csv=fig("trex", "table_extrapolation_corr.csv"),
        md=fig("trex", "table_extrapolation_corr.md"),
    log:
        logpath("trex", "fig_extrapolation"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_extrapolation --scale {params.scale} --inputs {input}"
        " --out-fig {output.fig} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_fig_extrapolation_atari:
    """Atari extrapolation scatter: normalised sum of sigmoid rewards vs true score."""
    input:
        [res("trex", "pred_vs_true", g, "stage1", "pred_vs_true.csv") for g in TREX_ATARI],
    output:
        fig=figure_report(
            fig("trex", "fig_extrapolation_atari.pdf"),
            caption="../report/trex/fig_extrapolation_atari.rst",
            category="T-REX",
        ),
    log:
        logpath("trex", "fig_extrapolation_atari"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_extrapolation --scale {params.scale} --atari --inputs {input}"
        " --out-fig {output.fig} > {log} 2>&1"


rule trex_fig_attention:
    """Occlusion attention (3x3 patches) of the Breakout reward net on its max/min-reward frames."""
    input:
        reward=res("trex", "reward", TREX["attention_env"], "stage1", "reward.pt"),
        demos=res("trex", "demos", TREX["attention_env"], "demos.npz"),
        heldout=res("trex", "heldout", TREX["attention_env"], "trajs.npz"),
    output:
        fig=figure_report(
            fig("trex", "fig_attention_breakout.pdf"),
            caption="../report/trex/fig_attention_breakout.rst",
            category="T-REX",
        ),
    log:
        logpath("trex", "fig_attention"),
    conda:
        env_file("trex-reward")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_attention --scale {params.scale} --reward {input.reward}"
        " --trajs {input.demos} {input.heldout} --out-fig {output.fig} > {log} 2>&1"


rule trex_table_atari:
    """Table 1: best and average demo, T-REX best-of-seeds and mean with CI, paper's T-REX/BCO/GAIL."""
    input:
        evals=[res("trex", "eval", g, "stage1", f"seed{k}.csv") for g in TREX_ATARI for k in TREX_ATARI_SEEDS],
        demos=[res("trex", "demos", g, "demos_meta.csv") for g in TREX_ATARI],
    output:
        csv=fig("trex", "table1_atari.csv"),
        md=fig("trex", "table1_atari.md"),
    log:
        logpath("trex", "table1_atari"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.table_atari --scale {params.scale} --evals {input.evals}"
        " --demos {input.demos} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_fig_noise:
    """Hopper ranking noise: forward distance against the ranking's order correctness."""
    input:
        evals=[
            res("trex", "eval", TREX_NOISE["env"] if TREX_NOISE else "hopper", s, f"seed{TREX_SEEDS[0]}.csv")
            for s in TREX_NOISE_SETS
        ],
        pairs=[
            res("trex", "pairs", TREX_NOISE["env"] if TREX_NOISE else "hopper", s, "pairs.npz")
            for s in TREX_NOISE_SETS
        ],
    output:
        fig=figure_report(
            fig("trex", "fig_noise_hopper.pdf"), caption="../report/trex/fig_noise_hopper.rst", category="T-REX"
        ),
        csv=fig("trex", "table_noise.csv"),
        md=fig("trex", "table_noise.md"),
    log:
        logpath("trex", "fig_noise"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_noise --scale {params.scale} --evals {input.evals}"
        " --pairs {input.pairs} --out-fig {output.fig} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_claims:
    """Per-run values of the T-REX claims (config/claims.yaml) that this scale runs."""
    input:
        mujoco=[res("trex", "eval", e, s, f"seed{k}.csv") for e, s in TREX_MUJOCO_SETS for k in TREX_SEEDS],
        atari=[res("trex", "eval", g, "stage1", f"seed{k}.csv") for g in TREX_ATARI for k in TREX_ATARI_SEEDS],
        noise_evals=[
            res("trex", "eval", TREX_NOISE["env"] if TREX_NOISE else "hopper", s, f"seed{TREX_SEEDS[0]}.csv")
            for s in TREX_NOISE_SETS
        ],
        noise_pairs=[
            res("trex", "pairs", TREX_NOISE["env"] if TREX_NOISE else "hopper", s, "pairs.npz")
            for s in TREX_NOISE_SETS
        ],
        demos=sorted(
            {
                res("trex", "demos", e, "demos_meta.csv")
                for e in TREX_MUJOCO + TREX_ATARI + ([TREX_NOISE["env"]] if TREX_NOISE else [])
            }
        ),
    output:
        res("trex", "claims.csv"),
    log:
        logpath("trex", "claims"),
    conda:
        env_file("trex-figures")
    params:
        cfg=json.dumps(
            {
                "stages": {e: TREX_ENVCFG[e]["stages"] for e in TREX_MUJOCO},
                "noise": (
                    {
                        "env": TREX_NOISE["env"],
                        "stage": TREX_NOISE["stage"],
                        "stages": TREX_ENVCFG[TREX_NOISE["env"]]["stages"],
                    }
                    if TREX_NOISE
                    else None
                ),
            },
            sort_keys=True,
        ),
    shell:
        "python -m scripts.trex.claims --params {params.cfg:q} --mujoco-evals {input.mujoco}"
        " --atari-evals {input.atari} --noise-evals {input.noise_evals} --noise-pairs {input.noise_pairs}"
        " --demos {input.demos} --out {output} > {log} 2>&1"


rule trex_compare:
    """Reproduced against reported: one Markdown page over every T-REX table built at this scale."""
    input:
        claims=rules.trex_claims.output,
        tables=[
            fig("trex", n) for n in ["table_mujoco_performance.csv", "table_extrapolation_corr.csv"] if TREX_MUJOCO
        ]
        + ([fig("trex", "table1_atari.csv")] if TREX_ATARI else [])
        + ([fig("trex", "table_noise.csv")] if TREX_NOISE else []),
    output:
        fig("trex", "compare_to_paper.md"),
    log:
        logpath("trex", "compare"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json("trex"),
    shell:
        "python -m scripts.trex.compare --scale {params.scale} --tables {input.tables} --claims {input.claims}"
        " --left-out {params.left_out:q} --out {output} > {log} 2>&1"


TREX_NO_ATARI = "no Atari game at this scale: PPO on the learned reward (50M steps per game) runs ~56 agent steps/s with tianshou on 2 CPU cores (~10 days); see paper scale"
# the Atari extrapolation and attention figures need no RL on the learned reward, only the
# demonstrator's checkpoints (stage 1: up to 600-3,650 PPO updates of 8 x 128 steps) and a reward net
TREX_NO_ATARI_DEMOS = (
    "no Atari game at this scale: the ranked demos need the Atari demonstrator's PPO checkpoints "
    "(0.6M steps for Breakout, up to 3.7M for other games; ~3 h to a day per game at ~56 agent "
    "steps/s on 2 CPU cores) before any reward learning; see paper scale"
)
TREX_NO_MUJOCO = "no MuJoCo task configured at this scale"
TREX_NOISE_RUNS = f"{TREX_NOISE['trials']} trials x {len(TREX_NOISE['swaps'])} noise levels" if TREX_NOISE else None
TREX_NO_NOISE = f"Hopper ranking-noise sweep (6 levels x 9 trials of PPO) needs CPU hours; not run at {SCALE} scale (built at smoke, tiny, and paper scale)"
register_target(
    "trex",
    fig("trex", "table1_atari.csv"),
    "Table 1 (Atari LfD performance)",
    scales=(SCALE,) if TREX_ATARI else (),
    left_out=TREX_NO_ATARI,
    runs=len(TREX_ATARI_SEEDS),
)
register_target(
    "trex",
    fig("trex", "table1_atari.md"),
    "Table 1 (Atari LfD performance)",
    scales=(SCALE,) if TREX_ATARI else (),
    left_out=TREX_NO_ATARI,
    runs=len(TREX_ATARI_SEEDS),
)
register_target(
    "trex",
    fig("trex", "fig_extrapolation_atari.pdf"),
    "Fig. extrapolation (Atari)",
    scales=(SCALE,) if TREX_ATARI else (),
    left_out=TREX_NO_ATARI_DEMOS,
)
register_target(
    "trex",
    fig("trex", "fig_attention_breakout.pdf"),
    "Fig. reward attention (Breakout)",
    scales=(SCALE,) if TREX["attention_env"] in TREX_ATARI else (),
    left_out=TREX_NO_ATARI_DEMOS,
)
register_target(
    "trex",
    fig("trex", "fig_mujoco_performance.pdf"),
    "Fig. MuJoCo performance (bar chart)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "table_mujoco_performance.csv"),
    "Fig. MuJoCo performance (numbers)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "table_mujoco_performance.md"),
    "Fig. MuJoCo performance (numbers)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "fig_extrapolation.pdf"),
    "Fig. extrapolation (MuJoCo)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "table_extrapolation_corr.csv"),
    "Extrapolation correlations (not in the paper)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "table_extrapolation_corr.md"),
    "Extrapolation correlations (not in the paper)",
    scales=(SCALE,) if TREX_MUJOCO else (),
    left_out=TREX_NO_MUJOCO,
)
register_target(
    "trex",
    fig("trex", "fig_noise_hopper.pdf"),
    "Fig. ranking noise (Hopper)",
    scales=(SCALE,) if TREX_NOISE else (),
    left_out=TREX_NO_NOISE,
    runs=TREX_NOISE_RUNS,
)
register_target(
    "trex",
    fig("trex", "table_noise.csv"),
    "Fig. ranking noise (numbers)",
    scales=(SCALE,) if TREX_NOISE else (),
    left_out=TREX_NO_NOISE,
    runs=TREX_NOISE_RUNS,
)
register_target(
    "trex",
    fig("trex", "table_noise.md"),
    "Fig. ranking noise (numbers)",
    scales=(SCALE,) if TREX_NOISE else (),
    left_out=TREX_NO_NOISE,
    runs=TREX_NOISE_RUNS,
)
register_target(
    "trex",
    fig("trex", "table_mturk.csv"),
    "Table MTurk (human rankings)",
    scales=(),
    left_out="the MTurk label CSVs index the authors' exact demos, which only their TF1 'atari25' checkpoints regenerate; no download rule for them is implemented",
)
register_target("trex", fig("trex", "compare_to_paper.md"), "Reproduced vs reported (all T-REX tables)")


# the MinAtar stand-in for the Atari protocol (laptop and smoke scale)
include: "trex_minatar.smk"
