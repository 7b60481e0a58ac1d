# T-REX (Brown et al., ICML 2019): demonstrators -> ranked demos -> pairs -> reward net ->
# PPO on the learned reward -> evaluation on the true reward -> tables and figures.
# Fidelity to the authors' code: docs/fidelity/trex.md; settings per scale: config/trex.yaml.
# Run lists, stage parameters, wildcard constraints and targets: scripts/trex/plan.py.
from scripts.trex.plan import make_plan

TREX_PLAN = make_plan(P("trex"), SCALE, seeds("trex"))
# `by: kind` in config/trex.yaml's resources: a job's resources follow its env's kind
resource_selector("kind", lambda wildcards: TREX_PLAN.kind[wildcards.env])
register_targets("trex", TREX_PLAN.targets)


rule trex_train_demonstrator:
    """PPO on the true reward with checkpoints every ckpt_every updates, from the random policy."""
    output:
        index=f"{TREX_PLAN.demonstrator_dir}/checkpoints.json",
        log=f"{TREX_PLAN.demonstrator_dir}/train_log.csv",
    log:
        logpath("trex", "demonstrator", "{env}"),
    benchmark:
        benchpath("trex", "demonstrator", "{env}")
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: TREX_PLAN.params("demonstrator", wc.env),
        seed=TREX_PLAN.demonstrator_seed,
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: TREX_PLAN.params("rollouts", wc.env),
        seed=TREX_PLAN.demonstrator_seed,
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: TREX_PLAN.params("rollouts", wc.env),
        seed=TREX_PLAN.demonstrator_seed,
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: TREX_PLAN.params("pairs", wc.env),
        seed=TREX_PLAN.demonstrator_seed,
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: TREX_PLAN.params("reward", wc.env),
        seed=TREX_PLAN.demonstrator_seed,
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-reward")
    params:
        cfg=lambda wc: TREX_PLAN.params("predict", wc.env),
    shell:
        "python -m scripts.trex.predict_returns --params {params.cfg:q} --env {wildcards.env}"
        " --set {wildcards.tset} --reward {input.reward} --demos {input.demos}"
        " --demos-meta {input.demos_meta} --heldout {input.heldout}"
        " --heldout-meta {input.heldout_meta} --out {output} > {log} 2>&1"


rule trex_train_policy:
    """PPO on the learned reward (or a constant reward for the control); true reward never seen."""
    input:
        reward=lambda wc: TREX_PLAN.policy_reward(wc.env, wc.set),
    output:
        model=res("trex", "policy", "{env}", "{set}", "seed{seed}", "final.pt"),
        log=res("trex", "policy", "{env}", "{set}", "seed{seed}", "train_log.csv"),
    log:
        logpath("trex", "policy", "{env}", "{set}", "seed{seed}"),
    benchmark:
        benchpath("trex", "policy", "{env}", "{set}", "seed{seed}")
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: TREX_PLAN.params("policy", wc.env),
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
    wildcard_constraints:
        **TREX_PLAN.wildcards(),
    conda:
        env_file("trex-rl")
    params:
        cfg=lambda wc: TREX_PLAN.params("eval", wc.env),
        experiment=lambda wc: TREX_PLAN.experiment(wc.env, wc.set),
    shell:
        "python -m scripts.trex.eval_policy --params {params.cfg:q} --seed {wildcards.seed}"
        " --env {wildcards.env} --set {wildcards.set} --policy {input}"
        " --experiment {params.experiment} --out {output} > {log} 2>&1"


# ----------------------------------------------------------------------------- tables, figures


rule trex_fig_mujoco_bars:
    """MuJoCo bar chart: forward distance per task and stage, best demo dashed, paper markers."""
    input:
        evals=TREX_PLAN.mujoco_evals(),
        control=TREX_PLAN.control_evals(),
        demos=TREX_PLAN.demos_meta(TREX_PLAN.mujoco_envs),
    output:
        fig=figure_report(
            TREX_PLAN.targets["fig_mujoco_performance.pdf"],
            caption="../report/trex/fig_mujoco_performance.rst",
            category="T-REX",
        ),
        csv=TREX_PLAN.targets["table_mujoco_performance.csv"],
        md=TREX_PLAN.targets["table_mujoco_performance.md"],
    log:
        logpath("trex", "fig_mujoco_performance"),
    conda:
        env_file("trex-figures")
    params:
        cfg=TREX_PLAN.mujoco_stages_params(),
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_mujoco --params {params.cfg:q} --scale {params.scale}"
        " --evals {input.evals} --control {input.control} --demos {input.demos}"
        " --out-fig {output.fig} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_fig_extrapolation:
    """MuJoCo extrapolation scatter (predicted vs true return) and the correlation table."""
    input:
        TREX_PLAN.mujoco_predictions(),
    output:
        fig=figure_report(
            TREX_PLAN.targets["fig_extrapolation.pdf"],
            caption="../report/trex/fig_extrapolation.rst",
            category="T-REX",
        ),
        csv=TREX_PLAN.targets["table_extrapolation_corr.csv"],
        md=TREX_PLAN.targets["table_extrapolation_corr.md"],
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
        TREX_PLAN.atari_predictions(),
    output:
        fig=figure_report(
            TREX_PLAN.targets["fig_extrapolation_atari.pdf"],
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
        **TREX_PLAN.attention_inputs(),
    output:
        fig=figure_report(
            TREX_PLAN.targets["fig_attention_breakout.pdf"],
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
        evals=TREX_PLAN.atari_evals(),
        demos=TREX_PLAN.demos_meta(TREX_PLAN.atari_envs),
    output:
        csv=TREX_PLAN.targets["table1_atari.csv"],
        md=TREX_PLAN.targets["table1_atari.md"],
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
        evals=TREX_PLAN.noise_evals(),
        pairs=TREX_PLAN.noise_pairs(),
    output:
        fig=figure_report(
            TREX_PLAN.targets["fig_noise_hopper.pdf"],
            caption="../report/trex/fig_noise_hopper.rst",
            category="T-REX",
        ),
        csv=TREX_PLAN.targets["table_noise.csv"],
        md=TREX_PLAN.targets["table_noise.md"],
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
        mujoco=TREX_PLAN.mujoco_evals(),
        atari=TREX_PLAN.atari_evals(),
        noise_evals=TREX_PLAN.noise_evals(),
        noise_pairs=TREX_PLAN.noise_pairs(),
        demos=TREX_PLAN.claims_demos(),
    output:
        res("trex", "claims.csv"),
    log:
        logpath("trex", "claims"),
    conda:
        env_file("trex-figures")
    params:
        cfg=TREX_PLAN.claims_params(),
    shell:
        "python -m scripts.trex.claims --params {params.cfg:q} --mujoco-evals {input.mujoco}"
        " --atari-evals {input.atari} --noise-evals {input.noise_evals} --noise-pairs {input.noise_pairs}"
        " --demos {input.demos} --out {output} > {log} 2>&1"


rule trex_compare:
    """Reproduced against reported: one Markdown page over every T-REX table built at this scale."""
    input:
        claims=rules.trex_claims.output,
        tables=TREX_PLAN.compare_tables(),
        # the MinAtar stand-in's table and claims (rules/trex_minatar.smk, included below)
        minatar_tables=lambda wc: TREX_MA.compare_tables(),
        minatar_claims=lambda wc: TREX_MA.compare_claims(),
    output:
        TREX_PLAN.targets["compare_to_paper.md"],
    log:
        logpath("trex", "compare"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json("trex"),
    shell:
        "python -m scripts.trex.compare --scale {params.scale} --tables {input.tables} {input.minatar_tables}"
        " --claims {input.claims} {input.minatar_claims}"
        " --left-out {params.left_out:q} --out {output} > {log} 2>&1"


# the MinAtar stand-in for the Atari protocol (laptop and smoke scale)
include: "trex_minatar.smk"
