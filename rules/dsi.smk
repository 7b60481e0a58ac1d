# DSI: Liu et al., "Learning to Identify Critical States for Reinforcement Learning from Videos"
# (ICCV 2023). Fidelity to the original code: docs/fidelity/dsi.md. Stages in data-flow order:
# GridWorld, Pong, Seaquest, then tables, figures and the comparison with the paper.
# What runs at this scale (run lists, stage settings, the tables and figures with the reasons
# some are left out) is scripts/dsi/plan.py, tested in tests/dsi/test_plan.py.
from scripts.dsi.plan import make_plan

DSI_PLAN = make_plan(P("dsi"), SCALE, seeds("dsi"))
register_targets("dsi", DSI_PLAN.targets)


# ------------------------------------------------------------------ GridWorld


rule dsi_gen_gridworld:
    """GridWorld-S/-M training data from the BFS expert and the original's random failures."""
    output:
        train=res("dsi", "gridworld_data", "{gw}-{neg}", "train.npz"),
        test=res("dsi", "gridworld_data", "{gw}-{neg}", "test.npz"),
        manifest=res("dsi", "gridworld_data", "{gw}-{neg}", "manifest.csv"),
    log:
        logpath("dsi", "gen_gridworld_{gw}-{neg}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.gw_data_params(),
    shell:
        "python -m scripts.dsi.gen_gridworld --params {params.cfg:q} --variant {wildcards.gw}"
        " --negatives {wildcards.neg} --train {output.train} --test {output.test}"
        " --manifest {output.manifest} --seed 0 > {log} 2>&1"


rule dsi_gen_gridworld_eval:
    """Seeded held-out positives (validation + test) with ground-truth critical states."""
    output:
        res("dsi", "gridworld_eval", "{gw}", "episodes.npz"),
    log:
        logpath("dsi", "gen_gridworld_eval_{gw}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.gw_eval_params(),
    shell:
        "python -m scripts.dsi.gen_gridworld_eval --params {params.cfg:q} --variant {wildcards.gw}"
        " --out {output} --seed 0 > {log} 2>&1"


rule dsi_train_gridworld:
    """D and G on GridWorld (paper recipe on official negatives, fixed on length-matched)."""
    input:
        train=lambda wc: DSI_PLAN.gw_data(wc.gw, wc.recipe, "train"),
        test=lambda wc: DSI_PLAN.gw_data(wc.gw, wc.recipe, "test"),
    output:
        detector=res("dsi", "detector", "gridworld-{gw}", "{recipe}-{abl}", "seed{seed}", "detector.pt"),
        predictor=res("dsi", "detector", "gridworld-{gw}", "{recipe}-{abl}", "seed{seed}", "predictor.pt"),
        log_csv=res("dsi", "detector", "gridworld-{gw}", "{recipe}-{abl}", "seed{seed}", "train_log.csv"),
    log:
        logpath("dsi", "train_gridworld_{gw}_{recipe}-{abl}_seed{seed}"),
    benchmark:
        benchpath("dsi", "train_gridworld_{gw}_{recipe}-{abl}_seed{seed}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=lambda wc: DSI_PLAN.gw_train_params(wc.recipe),
    shell:
        "python -m scripts.dsi.train_gridworld --params {params.cfg:q} --ablation {wildcards.abl}"
        " --train {input.train} --test {input.test} --detector {output.detector}"
        " --predictor {output.predictor} --log-csv {output.log_csv} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_score_gridworld:
    """Scores on held-out episodes: F1 (paper and validated threshold), AP, AUROC, diagnostics."""
    input:
        detector=rules.dsi_train_gridworld.output.detector,
        predictor=rules.dsi_train_gridworld.output.predictor,
        eval=rules.dsi_gen_gridworld_eval.output[0],
        test=lambda wc: DSI_PLAN.gw_data(wc.gw, wc.recipe, "test"),
    output:
        scores=res("dsi", "scores", "gridworld-{gw}", "{recipe}-{abl}", "seed{seed}.npz"),
        diagnostics=res("dsi", "scores", "gridworld-{gw}", "{recipe}-{abl}", "seed{seed}.diagnostics.json"),
    log:
        logpath("dsi", "score_gridworld_{gw}_{recipe}-{abl}_seed{seed}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=lambda wc: DSI_PLAN.gw_score_params(wc.recipe),
    shell:
        "python -m scripts.dsi.score_gridworld --params {params.cfg:q} --detector {input.detector}"
        " --predictor {input.predictor} --eval {input.eval} --test-split {input.test}"
        " --scores {output.scores} --diagnostics {output.diagnostics} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_table_gridworld:
    """GridWorld F1 table (ours per recipe, random, the paper's) and the diagnostics table."""
    input:
        DSI_PLAN.gw_inputs(DSI_PLAN.gw_runs),
    output:
        f1_csv=DSI_PLAN.targets["table_gridworld_f1.csv"],
        f1_md=DSI_PLAN.targets["table_gridworld_f1.md"],
        diag_csv=DSI_PLAN.targets["table_gridworld_diagnostics.csv"],
        diag_md=DSI_PLAN.targets["table_gridworld_diagnostics.md"],
        long=res("dsi", "tables", "gridworld_f1_long.csv"),
    log:
        logpath("dsi", "table_gridworld"),
    conda:
        env_file("dsi-plot")
    params:
        runs=DSI_PLAN.gw_runs_arg(DSI_PLAN.gw_runs),
        scale=SCALE,
    shell:
        "python -m scripts.dsi.table_gridworld --scale {params.scale} --runs {params.runs}"
        " --f1-csv {output.f1_csv} --f1-md {output.f1_md} --diag-csv {output.diag_csv}"
        " --diag-md {output.diag_md} --long-csv {output.long} > {log} 2>&1"


rule dsi_table_ablation:
    """Loss ablations: without L_rev / L_com / L_imp, and non-iterative training."""
    input:
        DSI_PLAN.gw_inputs(DSI_PLAN.gw_ablation_runs),
    output:
        csv=DSI_PLAN.targets["table_ablation.csv"],
        md=DSI_PLAN.targets["table_ablation.md"],
    log:
        logpath("dsi", "table_ablation"),
    conda:
        env_file("dsi-plot")
    params:
        runs=DSI_PLAN.gw_runs_arg(DSI_PLAN.gw_ablation_runs),
        scale=SCALE,
    shell:
        "python -m scripts.dsi.table_ablation --scale {params.scale} --runs {params.runs}"
        " --csv {output.csv} --md {output.md} > {log} 2>&1"


rule dsi_fig_gridworld_scores:
    """Detector scores over held-out episodes with the ground-truth critical frames."""
    input:
        eval=DSI_PLAN.gw_figure_eval(),
        scores=DSI_PLAN.gw_figure_scores(),
    output:
        figure_report(
            DSI_PLAN.targets["fig_gridworld_scores.pdf"],
            caption="../report/dsi/fig_gridworld_scores.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "fig_gridworld_scores"),
    conda:
        env_file("dsi-plot")
    params:
        scores=DSI_PLAN.gw_figure_scores_arg(),
        n=DSI_PLAN.gridworld["figure_episodes"],
        nseeds=len(DSI_PLAN.seeds),
        scale=SCALE,
    shell:
        "python -m scripts.dsi.fig_gridworld_scores --scale {params.scale} --seeds {params.nseeds}"
        " --eval {input.eval} --scores {params.scores} --episodes {params.n} --out {output}"
        " > {log} 2>&1"


rule dsi_fig_gridworld_env:
    """The GridWorld: map, partial view, expert path and its critical cells."""
    output:
        figure_report(
            DSI_PLAN.targets["fig_gridworld_env.pdf"],
            caption="../report/dsi/fig_gridworld_env.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "fig_gridworld_env"),
    conda:
        env_file("dsi-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.dsi.fig_gridworld_env --scale {params.scale} --seed 3 --out {output}" " > {log} 2>&1"


# ------------------------------------------------------------------ Pong


rule dsi_train_a3c:
    """A3C Pong policy trained here (baby-a3c architecture and loss); also its half-way checkpoint."""
    output:
        policy=res("dsi", "pong_policies", "{pol}.pt"),
        half=res("dsi", "pong_policies", "{pol}_half.pt"),
    log:
        logpath("dsi", "train_a3c_{pol}"),
    benchmark:
        benchpath("dsi", "train_a3c_{pol}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-a3c")
    params:
        cfg=stage_params("dsi", "pong", "a3c"),
    shell:
        "python -m scripts.dsi.train_a3c --params {params.cfg:q} --policy {wildcards.pol}"
        " --out {output.policy} --out-half {output.half} --threads {threads} > {log} 2>&1"


rule dsi_rollout_pong:
    """Pong-S (one policy) / Pong-M (several): one rally per trajectory, preprocessed frames."""
    input:
        lambda wc: DSI_PLAN.rollout_policies(wc.pd),
    output:
        train=res("dsi", "pong_data", "{pd}", "train.npz"),
        test=res("dsi", "pong_data", "{pd}", "test.npz"),
    log:
        logpath("dsi", "rollout_pong_{pd}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-a3c")
    params:
        cfg=stage_params("dsi", "pong", "data"),
        pols=lambda wc: DSI_PLAN.rollout_policies_arg(wc.pd),
    shell:
        "python -m scripts.dsi.rollout_pong --params {params.cfg:q} --set {wildcards.pd}"
        " --policies {params.pols} --train {output.train} --test {output.test} --seed 0"
        " --threads {threads} > {log} 2>&1"


rule dsi_train_pong:
    """D and G on Pong rallies (3-class G, reverse MSE to 1/3, length jitter)."""
    input:
        train=res("dsi", "pong_data", "{pd}", "train.npz"),
        test=res("dsi", "pong_data", "{pd}", "test.npz"),
    output:
        detector=res("dsi", "detector", "pong-{pd}", "seed{seed}", "detector.pt"),
        predictor=res("dsi", "detector", "pong-{pd}", "seed{seed}", "predictor.pt"),
        log_csv=res("dsi", "detector", "pong-{pd}", "seed{seed}", "train_log.csv"),
    log:
        logpath("dsi", "train_pong_{pd}_seed{seed}"),
    benchmark:
        benchpath("dsi", "train_pong_{pd}_seed{seed}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=stage_params("dsi", "pong", "detector"),
    shell:
        "python -m scripts.dsi.train_detector --domain pong --params {params.cfg:q}"
        " --train {input.train} --test {input.test} --detector {output.detector}"
        " --predictor {output.predictor} --log-csv {output.log_csv} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_attack_pong:
    """Perturb the attacked agent's actions at the top-k steps: DSI vs random vs value."""
    input:
        policy=lambda wc: DSI_PLAN.attack_policy(wc.variant),
        detector=lambda wc: DSI_PLAN.attack_detector(wc.variant),
    output:
        DSI_PLAN.attack_outputs(),
    log:
        logpath("dsi", "attack_pong_{variant}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-a3c")
    params:
        cfg=stage_params("dsi", "pong", "attack"),
        out_dir=lambda wc: DSI_PLAN.attack_dir(wc.variant),
    shell:
        "python -m scripts.dsi.attack_pong --params {params.cfg:q} --variant {wildcards.variant}"
        " --policy {input.policy} --detector {input.detector} --out-dir {params.out_dir}"
        " --threads {threads} > {log} 2>&1"


rule dsi_table_attack:
    """Pong attack table and the win-rate drop against k."""
    input:
        DSI_PLAN.attack_inputs(DSI_PLAN.attack_runs),
    output:
        csv=DSI_PLAN.targets["table_pong_attack.csv"],
        md=DSI_PLAN.targets["table_pong_attack.md"],
        fig=figure_report(
            DSI_PLAN.targets["fig_attack_vs_k.pdf"],
            caption="../report/dsi/fig_attack_vs_k.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "table_attack"),
    conda:
        env_file("dsi-plot")
    params:
        runs=DSI_PLAN.attack_runs_arg(DSI_PLAN.attack_runs),
        scale=SCALE,
        init=DSI_PLAN.pong["a3c"].get("init", "scratch"),
    shell:
        "python -m scripts.dsi.table_attack --scale {params.scale} --runs {params.runs}"
        " --policy-init {params.init}"
        " --csv {output.csv} --md {output.md} --fig {output.fig} > {log} 2>&1"


rule dsi_fig_pong_frames:
    """The detector's top-scored frames of a held-out Pong rally."""
    input:
        test=DSI_PLAN.pong_figure_test(),
        detector=DSI_PLAN.pong_figure_detector(),
    output:
        figure_report(
            DSI_PLAN.targets["fig_pong_critical_frames.pdf"],
            caption="../report/dsi/fig_pong_critical_frames.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "fig_pong_frames"),
    conda:
        env_file("dsi-torch")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.dsi.fig_pong_frames --scale {params.scale} --test {input.test}"
        " --detector {input.detector} --out {output} > {log} 2>&1"


# ------------------------------------------------------------------ Seaquest


rule dsi_train_seaquest_policies:
    """tianshou DQN policies on Seaquest, saved at several step counts (varied quality)."""
    output:
        DSI_PLAN.seaquest_policy_outputs(),
        progress=res("dsi", "seaquest_policies", "progress_seed{seed}.csv"),
    log:
        logpath("dsi", "train_seaquest_policies_seed{seed}"),
    benchmark:
        benchpath("dsi", "train_seaquest_policies_seed{seed}")
    conda:
        env_file("dsi-tianshou")
    params:
        cfg=stage_params("dsi", "seaquest"),
        out_dir=lambda wc, output: os.path.dirname(output.progress),
    shell:
        "python -m scripts.dsi.train_seaquest_policies --params {params.cfg:q}"
        " --out-dir {params.out_dir} --seed {wildcards.seed} --threads {threads} > {log} 2>&1"


rule dsi_rollout_seaquest:
    """Seaquest episodes from the policies with varied epsilon (single frames, raw rewards)."""
    input:
        DSI_PLAN.seaquest_policy_files(),
    output:
        train=res("dsi", "seaquest_data", "train.npz"),
        test=res("dsi", "seaquest_data", "test.npz"),
    log:
        logpath("dsi", "rollout_seaquest"),
    conda:
        env_file("dsi-tianshou")
    params:
        cfg=stage_params("dsi", "seaquest"),
    shell:
        "python -m scripts.dsi.rollout_seaquest --params {params.cfg:q} --policies {input}"
        " --train {output.train} --test {output.test} --seed 0 --threads {threads} > {log} 2>&1"


rule dsi_train_seaquest_detector:
    """D and G on 200-step Seaquest windows (return / 1000, SmoothL1, orthogonality term)."""
    input:
        train=res("dsi", "seaquest_data", "train.npz"),
        test=res("dsi", "seaquest_data", "test.npz"),
    output:
        detector=res("dsi", "detector", "seaquest", "seed{seed}", "detector.pt"),
        predictor=res("dsi", "detector", "seaquest", "seed{seed}", "predictor.pt"),
        log_csv=res("dsi", "detector", "seaquest", "seed{seed}", "train_log.csv"),
    log:
        logpath("dsi", "train_seaquest_detector_seed{seed}"),
    benchmark:
        benchpath("dsi", "train_seaquest_detector_seed{seed}")
    conda:
        env_file("dsi-torch")
    params:
        cfg=stage_params("dsi", "seaquest", "detector"),
    shell:
        "python -m scripts.dsi.train_detector --domain seaquest --params {params.cfg:q}"
        " --train {input.train} --test {input.test} --detector {output.detector}"
        " --predictor {output.predictor} --log-csv {output.log_csv} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_train_dqn:
    """DQN with DSI-chosen bootstrap horizons, or plain n-step DQN."""
    input:
        detector=lambda wc: DSI_PLAN.dqn_detector(wc.method),
    output:
        progress=res("dsi", "dqn", "{method}", "seed{seed}", "progress.csv"),
        policy=res("dsi", "dqn", "{method}", "seed{seed}", "policy.pt"),
    log:
        logpath("dsi", "train_dqn_{method}_seed{seed}"),
    benchmark:
        benchpath("dsi", "train_dqn_{method}_seed{seed}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-tianshou")
    params:
        cfg=stage_params("dsi", "seaquest"),
        det=lambda wc, input: f"--detector {input.detector}" if wc.method == "dsi" else "",
    shell:
        "python -m scripts.dsi.train_dqn --params {params.cfg:q} --method {wildcards.method}"
        " {params.det} --progress {output.progress} --policy {output.policy}"
        " --seed {wildcards.seed} --threads {threads} > {log} 2>&1"


rule dsi_eval_dqn:
    """Final DQN policies on the true game (tidy rows)."""
    input:
        progress=rules.dsi_train_dqn.output.progress,
        policy=rules.dsi_train_dqn.output.policy,
    output:
        res("dsi", "eval", "dqn", "{method}", "seed{seed}.csv"),
    log:
        logpath("dsi", "eval_dqn_{method}_seed{seed}"),
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-tianshou")
    params:
        cfg=stage_params("dsi", "seaquest"),
    shell:
        "python -m scripts.dsi.eval_dqn --params {params.cfg:q} --method {wildcards.method}"
        " --policy {input.policy} --progress {input.progress} --out {output}"
        " --seed {wildcards.seed} > {log} 2>&1"


rule dsi_fig_seaquest:
    """Seaquest learning curves (DQN + DSI vs n-step DQN) and the final-return table."""
    input:
        DSI_PLAN.dqn_evals(),
    output:
        fig=figure_report(
            DSI_PLAN.targets["fig_seaquest_dqn.pdf"],
            caption="../report/dsi/fig_seaquest_dqn.rst",
            category="DSI",
        ),
        csv=DSI_PLAN.targets["table_seaquest.csv"],
        md=DSI_PLAN.targets["table_seaquest.md"],
    log:
        logpath("dsi", "fig_seaquest"),
    conda:
        env_file("dsi-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.dsi.fig_seaquest --scale {params.scale} --evals {input}"
        " --fig {output.fig} --csv {output.csv} --md {output.md} > {log} 2>&1"


# ------------------------------------------------------------------ MinAtar (laptop stand-in)


rule dsi_minatar_dqn:
    """A MinAtar DQN run: the attacked agents (fixed n-step) and their checkpoints."""
    input:
        detector=lambda wc: DSI_PLAN.minatar_detector(wc.mgame) if wc.mmethod == "dsi" else [],
    output:
        DSI_PLAN.minatar_dqn_outputs(),
    log:
        logpath("dsi", "minatar_dqn_{mgame}_{mmethod}_seed{seed}"),
    benchmark:
        benchpath("dsi", "minatar_dqn_{mgame}_{mmethod}_seed{seed}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.minatar_params("game", "dqn"),
        det=lambda wc, input: f"--detector {input.detector}" if input.detector else "",
        out=lambda wc, output: os.path.dirname(output[0]),
    shell:
        "python -m scripts.dsi.train_minatar_dqn --params {params.cfg:q} --game {wildcards.mgame}"
        " --method {wildcards.mmethod} {params.det} --out-dir {params.out} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_minatar_rollout:
    """The detector's episodes: every agent checkpoint and the random policy, labelled by return."""
    input:
        lambda wc: DSI_PLAN.minatar_data_agents(wc.mgame),
    output:
        train=DSI_PLAN.minatar_data("{mgame}", "train"),
        test=DSI_PLAN.minatar_data("{mgame}", "test"),
        meta=DSI_PLAN.minatar_data("{mgame}", "episodes").replace(".npz", ".csv"),
    log:
        logpath("dsi", "minatar_rollout_{mgame}"),
    benchmark:
        benchpath("dsi", "minatar_rollout_{mgame}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.minatar_rollout_params(),
    shell:
        "python -m scripts.dsi.rollout_minatar --params {params.cfg:q} --game {wildcards.mgame}"
        " --agents {input} --train {output.train} --test {output.test} --meta {output.meta}"
        " --threads {threads} > {log} 2>&1"


rule dsi_minatar_detector:
    """D and G on the MinAtar episodes (the fixed recipe's choices; 2 classes by return)."""
    input:
        train=DSI_PLAN.minatar_data("{mgame}", "train"),
        test=DSI_PLAN.minatar_data("{mgame}", "test"),
    output:
        detector=DSI_PLAN.minatar_detector("{mgame}"),
        predictor=DSI_PLAN.minatar_detector("{mgame}", "predictor.pt"),
        log_csv=DSI_PLAN.minatar_detector("{mgame}", "train_log.csv"),
    log:
        logpath("dsi", "minatar_detector_{mgame}"),
    benchmark:
        benchpath("dsi", "minatar_detector_{mgame}")
    wildcard_constraints:
        **DSI_PLAN.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.minatar_detector_params(),
        seed=DSI_PLAN.seeds[0],
    shell:
        "python -m scripts.dsi.train_detector --domain minatar --params {params.cfg:q}"
        " --train {input.train} --test {input.test} --detector {output.detector}"
        " --predictor {output.predictor} --log-csv {output.log_csv} --seed {params.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_minatar_attack:
    """Perturb a trained agent at the detector's, random or top-value steps (one agent seed)."""
    input:
        agent=lambda wc: DSI_PLAN.minatar_agent(wc.seed),
        detector=DSI_PLAN.minatar_detector(DSI_PLAN.minatar["attack_game"]),
    output:
        DSI_PLAN.minatar_attack_csv("{seed}"),
    log:
        logpath("dsi", "minatar_attack_seed{seed}"),
    benchmark:
        benchpath("dsi", "minatar_attack_seed{seed}")
    conda:
        env_file("dsi-torch")
    params:
        cfg=DSI_PLAN.minatar_params("game", "attack"),
        game=DSI_PLAN.minatar["attack_game"],
    shell:
        "python -m scripts.dsi.attack_minatar --params {params.cfg:q} --game {params.game}"
        " --agent {input.agent} --detector {input.detector} --out {output} --seed {wildcards.seed}"
        " --threads {threads} > {log} 2>&1"


rule dsi_minatar_table_attack:
    """The MinAtar attack table (drop per method and k, t-interval over agent seeds) and figure."""
    input:
        DSI_PLAN.minatar_attacks(),
    output:
        csv=DSI_PLAN.targets["table_attack_minatar.csv"],
        md=DSI_PLAN.targets["table_attack_minatar.md"],
        fig=figure_report(
            DSI_PLAN.targets["fig_attack_minatar.pdf"],
            caption="../report/dsi/fig_attack_minatar.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "minatar_table_attack"),
    conda:
        env_file("dsi-plot")
    params:
        scale=SCALE,
        game=DSI_PLAN.minatar["attack_game"],
    shell:
        "python -m scripts.dsi.table_attack_minatar --scale {params.scale} --game {params.game}"
        " --runs {input} --csv {output.csv} --md {output.md} --fig {output.fig} > {log} 2>&1"


rule dsi_minatar_fig_improve:
    """DQN with DSI's adaptive horizon against fixed n-step DQN on the MinAtar game of the
    scale's improve.game (laptop: Breakout; smoke: Seaquest)."""
    input:
        DSI_PLAN.minatar_improve_runs(),
    output:
        csv=DSI_PLAN.targets["table_improve_minatar.csv"],
        md=DSI_PLAN.targets["table_improve_minatar.md"],
        fig=figure_report(
            DSI_PLAN.targets["fig_improve_minatar.pdf"],
            caption="../report/dsi/fig_improve_minatar.rst",
            category="DSI",
        ),
    log:
        logpath("dsi", "minatar_fig_improve"),
    conda:
        env_file("dsi-plot")
    params:
        scale=SCALE,
        game=DSI_PLAN.minatar["improve"]["game"],
    shell:
        "python -m scripts.dsi.fig_improve_minatar --scale {params.scale} --game {params.game}"
        " --runs {input} --csv {output.csv} --md {output.md} --fig {output.fig} > {log} 2>&1"


# ------------------------------------------------------------------ comparison


rule dsi_claims:
    """Per-run values of the DSI claims (config/claims.yaml): per seed / per attack variant."""
    input:
        gw=DSI_PLAN.gw_inputs(DSI_PLAN.gw_claim_runs),
        attack=DSI_PLAN.attack_inputs(DSI_PLAN.attack_runs),
        minatar=DSI_PLAN.minatar_attacks(),
        improve=DSI_PLAN.minatar_improve_runs(),
    output:
        res("dsi", "claims.csv"),
    log:
        logpath("dsi", "claims"),
    conda:
        env_file("dsi-plot")
    params:
        gw=DSI_PLAN.gw_runs_arg(DSI_PLAN.gw_claim_runs),
        attack=DSI_PLAN.attack_runs_arg(DSI_PLAN.attack_runs),
    shell:
        "python -m scripts.dsi.claims --gridworld {params.gw} --attack {params.attack}"
        " --attack-minatar {input.minatar} --improve-minatar {input.improve}"
        " --out {output} > {log} 2>&1"


rule dsi_compare:
    """Reproduced against reported, with every deviation."""
    input:
        claims=rules.dsi_claims.output,
        gw=rules.dsi_table_gridworld.output.long,
        attack=rules.dsi_table_attack.output.csv if DSI_PLAN.pong_built else [],
        seaquest=rules.dsi_fig_seaquest.output.csv if DSI_PLAN.seaquest_built else [],
    output:
        csv=DSI_PLAN.targets["compare_to_paper.csv"],
        md=DSI_PLAN.targets["compare_to_paper.md"],
    log:
        logpath("dsi", "compare"),
    conda:
        env_file("dsi-plot")
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json("dsi"),
        extra=lambda wc, input: " ".join(
            f"--{name} {path}" for name, path in (("attack", input.attack), ("seaquest", input.seaquest)) if path
        ),
    shell:
        "python -m scripts.dsi.compare --scale {params.scale} --gridworld-long {input.gw}"
        " --claims {input.claims} --left-out {params.left_out:q}"
        " {params.extra} --csv {output.csv} --md {output.md} > {log} 2>&1"
