# T-REX's Atari protocol on MinAtar, the laptop stand-in for the ALE (issue 17): demonstrator ->
# 12 ranked demos -> snippet pairs -> reward CNN -> PPO on sigmoid(r_hat) -> true-score evaluation,
# with the constant-reward control, a random policy, held-out trajectories and attention maps.
# Runs, parameters and targets: scripts/trex/plan_minatar.py; settings: config/trex.yaml `minatar`;
# deviations: docs/fidelity/trex.md (MinAtar section). Included from rules/trex.smk.
from scripts.trex.plan_minatar import MinAtarPlan, env_name

TREX_MA = MinAtarPlan(P("trex"), SCALE, seeds("trex"))


wildcard_constraints:
    mgame="asterix|breakout|freeway|seaquest|spaceinvaders",
    mset="stage1|control",


rule trex_minatar_demonstrator:
    """PPO on the true MinAtar score, a checkpoint every ckpt_every updates from the random policy."""
    output:
        index=f"{TREX_MA.demonstrator_dir()}/checkpoints.json",
        log=f"{TREX_MA.demonstrator_dir()}/train_log.csv",
    log:
        TREX_MA.log("demonstrator", "{mgame}"),
    benchmark:
        TREX_MA.bench("demonstrator", "{mgame}")
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.demonstrator_params(),
        seed=TREX_MA.demonstrator_seed,
        env=lambda wc: env_name(wc.mgame),
        out=lambda wc, output: os.path.dirname(output.index),
    shell:
        "python -m scripts.trex.train_demonstrator --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {params.env} --out-dir {params.out} > {log} 2>&1"


rule trex_minatar_demos:
    """One stochastic episode per early checkpoint: the 12 ranked demonstrations."""
    input:
        rules.trex_minatar_demonstrator.output.index,
    output:
        npz=TREX_MA.res("demos", "{mgame}", "demos.npz"),
        meta=TREX_MA.res("demos", "{mgame}", "demos_meta.csv"),
    log:
        TREX_MA.log("demos", "{mgame}"),
    benchmark:
        TREX_MA.bench("demos", "{mgame}")
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.rollout_params(),
        seed=TREX_MA.demonstrator_seed,
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.generate_rollouts --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {params.env} --which demos --demonstrator {input}"
        " --out-npz {output.npz} --out-meta {output.meta} > {log} 2>&1"


rule trex_minatar_heldout:
    """Episodes of later checkpoints (beyond the best demo), never given to T-REX."""
    input:
        rules.trex_minatar_demonstrator.output.index,
    output:
        npz=TREX_MA.res("heldout", "{mgame}", "trajs.npz"),
        meta=TREX_MA.res("heldout", "{mgame}", "heldout_meta.csv"),
    log:
        TREX_MA.log("heldout", "{mgame}"),
    benchmark:
        TREX_MA.bench("heldout", "{mgame}")
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.rollout_params(),
        seed=TREX_MA.demonstrator_seed,
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.generate_rollouts --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {params.env} --which heldout --demonstrator {input}"
        " --out-npz {output.npz} --out-meta {output.meta} > {log} 2>&1"


rule trex_minatar_pairs:
    """The authors' snippet sampler on the ranked MinAtar demos."""
    input:
        meta=rules.trex_minatar_demos.output.meta,
    output:
        TREX_MA.res("pairs", "{mgame}", "stage1", "pairs.npz"),
    log:
        TREX_MA.log("pairs", "{mgame}"),
    conda:
        env_file("trex-reward")
    params:
        cfg=TREX_MA.pairs_params(),
        seed=TREX_MA.demonstrator_seed,
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.make_pairs --params {params.cfg:q} --seed {params.seed}"
        " --env {params.env} --set stage1 --demos-meta {input.meta} --out {output} > {log} 2>&1"


rule trex_minatar_reward:
    """Bradley-Terry reward learning with the reward CNN sized for 10x10xC frames."""
    input:
        demos=rules.trex_minatar_demos.output.npz,
        pairs=rules.trex_minatar_pairs.output,
    output:
        model=TREX_MA.res("reward", "{mgame}", "stage1", "reward.pt"),
        log=TREX_MA.res("reward", "{mgame}", "stage1", "reward_train_log.csv"),
        acc=TREX_MA.res("reward", "{mgame}", "stage1", "pair_accuracy.json"),
    log:
        TREX_MA.log("reward", "{mgame}"),
    benchmark:
        TREX_MA.bench("reward", "{mgame}")
    conda:
        env_file("trex-reward")
    params:
        cfg=TREX_MA.reward_params(),
        seed=TREX_MA.demonstrator_seed,
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.train_reward --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --env {params.env} --demos {input.demos} --pairs {input.pairs}"
        " --out-model {output.model} --out-log {output.log} --out-acc {output.acc} > {log} 2>&1"


rule trex_minatar_predict:
    """Predicted (sum of sigmoid rewards) against true returns of the demos and held-out episodes."""
    input:
        reward=rules.trex_minatar_reward.output.model,
        demos=rules.trex_minatar_demos.output.npz,
        demos_meta=rules.trex_minatar_demos.output.meta,
        heldout=rules.trex_minatar_heldout.output.npz,
        heldout_meta=rules.trex_minatar_heldout.output.meta,
    output:
        TREX_MA.res("pred_vs_true", "{mgame}", "stage1", "pred_vs_true.csv"),
    log:
        TREX_MA.log("pred_vs_true", "{mgame}"),
    conda:
        env_file("trex-reward")
    params:
        cfg=TREX_MA.predict_params(),
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.predict_returns --params {params.cfg:q} --env {params.env}"
        " --set stage1 --reward {input.reward} --demos {input.demos}"
        " --demos-meta {input.demos_meta} --heldout {input.heldout}"
        " --heldout-meta {input.heldout_meta} --out {output} > {log} 2>&1"


rule trex_minatar_policy:
    """PPO on sigmoid(r_hat) of each frame (stage1), or on a constant reward (control)."""
    input:
        reward=lambda wc: [] if wc.mset == "control" else TREX_MA.res("reward", wc.mgame, wc.mset, "reward.pt"),
    output:
        model=TREX_MA.res("policy", "{mgame}", "{mset}", "seed{seed}", "final.pt"),
        log=TREX_MA.res("policy", "{mgame}", "{mset}", "seed{seed}", "train_log.csv"),
    log:
        TREX_MA.log("policy", "{mgame}", "{mset}", "seed{seed}"),
    benchmark:
        TREX_MA.bench("policy", "{mgame}", "{mset}", "seed{seed}")
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.policy_params(),
        env=lambda wc: env_name(wc.mgame),
        reward=lambda wc, input: f"--reward {input.reward}" if input.reward else "",
    shell:
        "python -m scripts.trex.train_policy --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --env {params.env} --set {wildcards.mset} {params.reward}"
        " --out {output.model} --out-log {output.log} > {log} 2>&1"


rule trex_minatar_eval:
    """Stochastic episodes on the true MinAtar score of a fresh env."""
    input:
        rules.trex_minatar_policy.output.model,
    output:
        TREX_MA.res("eval", "{mgame}", "{mset}", "seed{seed}.csv"),
    log:
        TREX_MA.log("eval", "{mgame}", "{mset}", "seed{seed}"),
    benchmark:
        TREX_MA.bench("eval", "{mgame}", "{mset}", "seed{seed}")
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.eval_params(),
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.eval_policy --params {params.cfg:q} --seed {wildcards.seed}"
        " --env {params.env} --set {wildcards.mset} --policy {input}"
        " --experiment minatar --out {output} > {log} 2>&1"


rule trex_minatar_random:
    """The uniform random policy on the true MinAtar score (the table's random column)."""
    output:
        TREX_MA.res("eval", "{mgame}", "random.csv"),
    log:
        TREX_MA.log("eval", "{mgame}", "random"),
    conda:
        env_file("trex-rl")
    params:
        cfg=TREX_MA.random_params(),
        env=lambda wc: env_name(wc.mgame),
    shell:
        "python -m scripts.trex.eval_random --params {params.cfg:q} --seed 0 --env {params.env}"
        " --experiment minatar --out {output} > {log} 2>&1"


rule trex_minatar_table_atari:
    """Table 1 on MinAtar: demos, T-REX mean [95% CI], control, random; the paper's ALE numbers beside."""
    input:
        evals=TREX_MA.trex_evals() + TREX_MA.control_evals() + TREX_MA.random_evals(),
        demos=TREX_MA.all_demos_meta(),
    output:
        csv=TREX_MA.table("csv"),
        md=TREX_MA.table("md"),
    log:
        logpath("trex", "table1_minatar"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.table_minatar --scale {params.scale} --evals {input.evals}"
        " --demos {input.demos} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule trex_minatar_fig_extrapolation:
    """Predicted against true return per MinAtar game, demos and held-out, with correlations."""
    input:
        TREX_MA.all_pred_vs_true(),
    output:
        fig=figure_report(
            TREX_MA.fig_extrapolation(),
            caption="../report/trex/fig_extrapolation_minatar.rst",
            category="T-REX",
        ),
    log:
        logpath("trex", "fig_extrapolation_minatar"),
    conda:
        env_file("trex-figures")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_extrapolation --scale {params.scale} --atari --inputs {input}"
        " --label 'MinAtar stand-in for the ALE' --out-fig {output.fig} > {log} 2>&1"


rule trex_minatar_fig_attention:
    """Occlusion attention of the MinAtar Breakout reward net on its max/min-reward frames."""
    input:
        reward=TREX_MA.res("reward", TREX_MA.attention_game, "stage1", "reward.pt"),
        demos=TREX_MA.res("demos", TREX_MA.attention_game, "demos.npz"),
        heldout=TREX_MA.res("heldout", TREX_MA.attention_game, "trajs.npz"),
    output:
        fig=figure_report(
            TREX_MA.fig_attention(),
            caption="../report/trex/fig_attention_minatar.rst",
            category="T-REX",
        ),
    log:
        logpath("trex", "fig_attention_minatar"),
    conda:
        env_file("trex-reward")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.trex.fig_attention_minatar --scale {params.scale} --reward {input.reward}"
        " --trajs {input.demos} {input.heldout} --out-fig {output.fig} > {log} 2>&1"


rule trex_minatar_claims:
    """Per-run values of the MinAtar stand-in claims (config/claims.yaml, runs: claims_minatar.csv)."""
    input:
        evals=TREX_MA.trex_evals(),
        demos=TREX_MA.all_demos_meta(),
    output:
        TREX_MA.claims_csv(),
    log:
        logpath("trex", "claims_minatar"),
    conda:
        env_file("trex-figures")
    shell:
        "python -m scripts.trex.claims_minatar --evals {input.evals} --demos {input.demos}"
        " --out {output} > {log} 2>&1"


register_targets("trex", TREX_MA.targets)
