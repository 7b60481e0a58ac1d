# Feedback Decision Transformer (Giladi and Katz, ICDM 2023); fidelity ledger: docs/fidelity/fdt.md
# Data flow: behaviour data (DQN Replay download + convert, or a generated DQN log) -> oracle ->
# feedback labels -> training sets -> critical states -> DT / FDT / BC -> evaluation -> tables.
# Runs, stage parameters and targets: scripts/fdt/plan.py (the download registry is config.yaml's
# data_sources plus config/fdt_sources.yaml, pinned by scripts.fdt.pin_sources).
from scripts.fdt import plan as fdt_plan

FDT_PLAN = fdt_plan.make_plan(P("fdt"), SCALE, seeds("fdt"), sources=config["data_sources"])


# ---------------------------------------------------------------- behaviour data
if FDT_PLAN.downloads:

    rule fdt_download_replay:
        """One array of one DQN Replay checkpoint (run 1), checksummed by the registry."""
        output:
            res("fdt", "download", "{game}", "replay_logs", "{array}_ckpt.{ckpt}.gz"),
        log:
            logpath("fdt", "download", "{game}_{array}_{ckpt}"),
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-report")
        params:
            name=lambda wc: FDT_PLAN.replay_name(wc.game, wc.array, wc.ckpt),
            url=lambda wc: FDT_PLAN.source(FDT_PLAN.replay_name(wc.game, wc.array, wc.ckpt))["url"],
            sha=lambda wc: FDT_PLAN.source(FDT_PLAN.replay_name(wc.game, wc.array, wc.ckpt))["sha256"],
            # where the registry has no entry: the bucket's own URL, checked against its MD5
            replay=lambda wc: FDT_PLAN.replay_spec(wc.game, wc.array, wc.ckpt),
        shell:
            "python -m scripts.fdt.replay_data fetch --name {params.name} --url={params.url:q}"
            " --sha256={params.sha:q} --replay {params.replay} --out {output:q}"
            " > {log} 2>&1"

    rule fdt_convert_replay:
        """DQN Replay checkpoints -> our buffer layout (reader: scripts/fdt/replay.py)."""
        input:
            lambda wc: FDT_PLAN.replay_files(wc.game),
        output:
            res("fdt", "replay", "{game}", "manifest.json"),
        log:
            logpath("fdt", "convert_replay", "{game}"),
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-report")
        params:
            src=lambda wc: res("fdt", "download", wc.game, "replay_logs"),
            out=lambda wc: res("fdt", "replay", wc.game),
            n=len(FDT_PLAN.checkpoints),
            cap=FDT_PLAN.cfg["data"]["convert_capacity"],
        shell:
            "python -m scripts.fdt.replay_data convert --game {wildcards.game}"
            " --src {params.src:q} --checkpoints {params.n} --capacity {params.cap}"
            " --out-dir {params.out:q} > {log} 2>&1"

    rule fdt_download_labels:
        """The authors' released oracle labels ($store$_feedback_ckpt.N.gz), checksummed."""
        output:
            res("fdt", "download", "{game}", "labels", "feedback_ckpt.{ckpt}.gz"),
        log:
            logpath("fdt", "download", "{game}_labels_{ckpt}"),
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-report")
        params:
            name=lambda wc: FDT_PLAN.labels_name(wc.game, wc.ckpt),
            url=lambda wc: FDT_PLAN.source(FDT_PLAN.labels_name(wc.game, wc.ckpt))["url"],
            sha=lambda wc: FDT_PLAN.source(FDT_PLAN.labels_name(wc.game, wc.ckpt))["sha256"],
        shell:
            "python -m scripts.fdt.replay_data fetch --name {params.name} --url={params.url:q}"
            " --sha256 {params.sha:q} --out {output:q} > {log} 2>&1"

else:

    rule fdt_generate_log:
        """Behaviour log: a tianshou DQN's own online experience on ale-py's vector env."""
        output:
            res("fdt", "replay", "{game}", "manifest.json"),
        log:
            logpath("fdt", "generate_log", "{game}"),
        benchmark:
            benchpath("fdt", "generate_log", "{game}")
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-agent")
        params:
            cfg=stage_params("fdt", "generate"),
            out=lambda wc: res("fdt", "replay", wc.game),
        shell:
            "python -m scripts.fdt.generate_log --params {params.cfg:q} --seed 0"
            " --threads {threads} --game {wildcards.game} --out-dir {params.out:q} > {log} 2>&1"


# ---------------------------------------------------------------- oracle and feedback
rule fdt_oracle:
    """The feedback oracle: a tianshou C51 agent trained here (curve for Fig. A1)."""
    output:
        pt=res("fdt", "oracle", "{game}", "oracle.pt"),
        meta=res("fdt", "oracle", "{game}", "oracle.json"),
        curve=res("fdt", "oracle", "{game}", "curve.csv"),
    log:
        logpath("fdt", "oracle", "{game}"),
    benchmark:
        benchpath("fdt", "oracle", "{game}")
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=stage_params("fdt", "oracle"),
    shell:
        "python -m scripts.fdt.oracle --params {params.cfg:q} --seed 1 --threads {threads}"
        " --game {wildcards.game} --out {output.pt:q} > {log} 2>&1"


if FDT_PLAN.shipped_labels:

    rule fdt_label_feedback:
        """Feedback labels from the authors' released files (1 = oracle agrees with the log)."""
        input:
            replay=res("fdt", "replay", "{game}", "manifest.json"),
            labels=lambda wc: FDT_PLAN.label_files(wc.game),
        output:
            res("fdt", "feedback", "{game}", "agreement.csv"),
        log:
            logpath("fdt", "feedback", "{game}"),
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-agent")
        params:
            cfg=stage_params("fdt", "feedback"),
            replay=lambda wc: res("fdt", "replay", wc.game),
            shipped=lambda wc: res("fdt", "download", wc.game, "labels"),
            out=lambda wc: res("fdt", "feedback", wc.game),
        shell:
            "python -m scripts.fdt.feedback --params {params.cfg:q} --game {wildcards.game}"
            " --replay {params.replay:q} --shipped {params.shipped:q} --out-dir {params.out:q}"
            " > {log} 2>&1"

else:

    rule fdt_label_feedback:
        """Feedback labels: 1 where the oracle's greedy action equals the logged action."""
        input:
            replay=res("fdt", "replay", "{game}", "manifest.json"),
            oracle=res("fdt", "oracle", "{game}", "oracle.pt"),
        output:
            res("fdt", "feedback", "{game}", "agreement.csv"),
        log:
            logpath("fdt", "feedback", "{game}"),
        wildcard_constraints:
            **fdt_plan.wildcards(),
        conda:
            env_file("fdt-agent")
        params:
            cfg=stage_params("fdt", "feedback"),
            ocfg=stage_params("fdt", "oracle"),
            replay=lambda wc: res("fdt", "replay", wc.game),
            out=lambda wc: res("fdt", "feedback", wc.game),
        shell:
            "python -m scripts.fdt.feedback --params {params.cfg:q} --threads {threads}"
            " --game {wildcards.game} --replay {params.replay:q} --oracle {input.oracle:q}"
            " --oracle-params {params.ocfg:q} --out-dir {params.out:q} > {log} 2>&1"


# ---------------------------------------------------------------- training sets, critical states
rule fdt_sample_trainset:
    """500k transitions: random buffer, 10 episodes per visit, episodes shorter than K dropped."""
    input:
        res("fdt", "replay", "{game}", "manifest.json"),
    output:
        res("fdt", "trainset", "{game}", "seed{seed}.npz"),
    log:
        logpath("fdt", "trainset", "{game}_seed{seed}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: FDT_PLAN.trainset_params(wc.game),
        replay=lambda wc: res("fdt", "replay", wc.game),
    shell:
        "python -m scripts.fdt.trainset --params {params.cfg:q} --seed {wildcards.seed}"
        " --replay {params.replay:q} --out {output:q} > {log} 2>&1"


rule fdt_critical_states:
    """Cells, per-action returns, importance, selection and the feedback budget."""
    input:
        trainset=res("fdt", "trainset", "{game}", "seed{seed}.npz"),
        replay=res("fdt", "replay", "{game}", "manifest.json"),
        labels=res("fdt", "feedback", "{game}", "agreement.csv"),
    output:
        npz=res("fdt", "critical", "{game}", "seed{seed}_{crit}.npz"),
        stats=res("fdt", "critical", "{game}", "seed{seed}_{crit}.json"),
    log:
        logpath("fdt", "critical", "{game}_seed{seed}_{crit}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: FDT_PLAN.critical_params(wc.game),
        replay=lambda wc: res("fdt", "replay", wc.game),
        labels=lambda wc: res("fdt", "feedback", wc.game),
        s=lambda wc: fdt_plan.crit_parse(wc.crit),
    shell:
        "python -m scripts.fdt.critical --params {params.cfg:q} --seed {wildcards.seed}"
        " --game {wildcards.game} --trainset {input.trainset:q} --replay {params.replay:q}"
        " --labels {params.labels:q} --gamma {params.s[gamma]} --ll={params.s[ll]}"
        " --sampling {params.s[sampling]} --budget {params.s[budget]} --out {output.npz:q}"
        " > {log} 2>&1"


# ---------------------------------------------------------------- models
rule fdt_train:
    """Decision Transformer, FDT (feedback loss) or behaviour cloning."""
    input:
        trainset=res("fdt", "trainset", "{game}", "seed{seed}.npz"),
        critical=lambda wc: FDT_PLAN.train_critical(wc.game, wc.model, wc.setting, wc.seed),
    output:
        model=res("fdt", "train", "{game}", "{model}", "{setting}", "seed{seed}", "model.pt"),
        log=res("fdt", "train", "{game}", "{model}", "{setting}", "seed{seed}", "log.csv"),
    log:
        logpath("fdt", "train", "{game}_{model}_{setting}_seed{seed}"),
    benchmark:
        benchpath("fdt", "train", "{game}_{model}_{setting}_seed{seed}")
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: FDT_PLAN.model_params(wc.game),
        crit=lambda wc, input: f"--critical {input.critical[0]}" if wc.model == "fdt" else "",
        lam=lambda wc: FDT_PLAN.train_lam(wc.model, wc.setting),
        out=lambda wc, output: os.path.dirname(output.model),
    shell:
        "python -m scripts.fdt.train --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --model {wildcards.model} --game {wildcards.game}"
        " --trainset {input.trainset:q} {params.crit} --lam {params.lam}"
        " --out {params.out:q} > {log} 2>&1"


rule fdt_evaluate:
    """Six setups (Sampling/Det./Eps. x no-ops/none), test seeds x episodes x target returns."""
    input:
        res("fdt", "train", "{game}", "{model}", "{setting}", "seed{seed}", "model.pt"),
    output:
        res("fdt", "eval", "{game}", "{model}", "{setting}", "seed{seed}.csv"),
    log:
        logpath("fdt", "evaluate", "{game}_{model}_{setting}_seed{seed}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: FDT_PLAN.eval_params(wc.game),
        rtgs=lambda wc: FDT_PLAN.eval_rtgs(wc.game),
    shell:
        "python -m scripts.fdt.evaluate --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --model-file {input:q} --game {wildcards.game}"
        " --model {wildcards.model} --setting {wildcards.setting} --rtgs {params.rtgs}"
        " --out {output:q} > {log} 2>&1"


# ---------------------------------------------------------------- tables and figures
rule fdt_table_a4:
    """Appendix Table 4: FDT vs DT in the DT paper's protocol (3 seeds, DT-paper target)."""
    input:
        FDT_PLAN.main_evals(FDT_PLAN.table4_seeds),
    output:
        csv=FDT_PLAN.targets["table_a4_dt_protocol.csv"],
        md=FDT_PLAN.targets["table_a4_dt_protocol.md"],
    log:
        logpath("fdt", "table_a4"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.tables a4 --common {params.common:q} --evals {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_a5:
    """Appendix Table 5: FDT vs BC vs DT (all seeds, DT-paper target)."""
    input:
        FDT_PLAN.main_evals(),
    output:
        csv=FDT_PLAN.targets["table_a5_fdt_dt_bc.csv"],
        md=FDT_PLAN.targets["table_a5_fdt_dt_bc.md"],
    log:
        logpath("fdt", "table_a5"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.tables a5 --common {params.common:q} --evals {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_rtg_sweep:
    """Appendix Tables 6-9: FDT vs DT over target returns, Delta % and paired t-tests."""
    input:
        lambda wc: FDT_PLAN.main_evals(games=[wc.game]),
    output:
        csv=FDT_PLAN.layout.fig(f"{fdt_plan.SWEEP_TABLE}.csv"),
        md=FDT_PLAN.layout.fig(f"{fdt_plan.SWEEP_TABLE}.md"),
    log:
        logpath("fdt", "table_{table}_{game}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.tables sweep --common {params.common:q} --game {wildcards.game}"
        " --table {wildcards.table} --evals {input:q} --csv {output.csv:q} --md {output.md:q}"
        " > {log} 2>&1"


rule fdt_table_a10:
    """Appendix Table 10: feedback statistics per setting (pos, aligned, neg, ignored, IS)."""
    input:
        crit=FDT_PLAN.critical_stats(),
        agreement=expand(res("fdt", "feedback", "{game}", "agreement.csv"), game=FDT_PLAN.games),
    output:
        csv=FDT_PLAN.targets["table_a10_feedback_stats.csv"],
        md=FDT_PLAN.targets["table_a10_feedback_stats.md"],
    log:
        logpath("fdt", "table_a10"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.tables a10 --common {params.common:q} --crit {input.crit:q}"
        " --agreement {input.agreement:q} --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_ablation:
    """Ablations over Table 10's settings (budget, gamma, life loss, sampling) and the lambda
    grid; the paper gives no scores for these (its ablation scores are not available)."""
    input:
        FDT_PLAN.all_evals(),
    output:
        csv=FDT_PLAN.layout.fig(f"{fdt_plan.ABLATION_TABLE}.csv"),
        md=FDT_PLAN.layout.fig(f"{fdt_plan.ABLATION_TABLE}.md"),
    log:
        logpath("fdt", "table_{abl}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.tables ablation --common {params.common:q} --kind {wildcards.abl}"
        " --evals {input:q} --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_plot_oracle:
    """Fig. A1: the oracle's learning curve per game (ours) beside dopamine C51's final level."""
    input:
        expand(res("fdt", "oracle", "{game}", "curve.csv"), game=FDT_PLAN.games),
    output:
        figure_report(
            FDT_PLAN.targets["fig_a1_oracle_curves.pdf"],
            caption="../report/fdt/fig_a1_oracle_curves.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_a1"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.plots oracle --common {params.common:q} --curves {input:q}"
        " --out {output:q} > {log} 2>&1"


rule fdt_plot_feedback:
    """Feedback statistics: oracle agreement per buffer (ours) against the shipped labels' rates."""
    input:
        expand(res("fdt", "feedback", "{game}", "agreement.csv"), game=FDT_PLAN.games),
    output:
        figure_report(
            FDT_PLAN.targets["fig_feedback_agreement.pdf"],
            caption="../report/fdt/fig_feedback_agreement.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_feedback"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.plots agreement --common {params.common:q} --agreement {input:q}"
        " --out {output:q} > {log} 2>&1"


rule fdt_plot_rtg_sweep:
    """FDT vs DT over target returns, one panel per setup (ours; the paper's dashed)."""
    input:
        lambda wc: FDT_PLAN.sweep_table(wc.game),
    output:
        figure_report(
            FDT_PLAN.layout.fig(fdt_plan.SWEEP_FIGURE),
            caption="../report/fdt/fig_delta_vs_rtg.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_delta_vs_rtg_{game}"),
    wildcard_constraints:
        **fdt_plan.wildcards(),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.plots rtg_sweep --common {params.common:q} --game {wildcards.game}"
        " --table {input:q} --out {output:q} > {log} 2>&1"


rule fdt_claims:
    """Per-run values of the FDT claims (config/claims.yaml): FDT - DT and FDT - BC per seed."""
    input:
        FDT_PLAN.main_evals(),
    output:
        res("fdt", "claims.csv"),
    log:
        logpath("fdt", "claims"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
    shell:
        "python -m scripts.fdt.claims --common {params.common:q} --evals {input:q}" " --out {output:q} > {log} 2>&1"


rule fdt_compare:
    """Reproduced against reported: every comparable number of Tables 4-10, side by side."""
    input:
        claims=rules.fdt_claims.output,
        a4=rules.fdt_table_a4.output.csv,
        a5=rules.fdt_table_a5.output.csv,
        a10=rules.fdt_table_a10.output.csv,
        sweeps=FDT_PLAN.sweep_tables(),
    output:
        csv=FDT_PLAN.targets["compare_to_paper.csv"],
        md=FDT_PLAN.targets["compare_to_paper.md"],
    log:
        logpath("fdt", "compare"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_PLAN.table_common,
        left_out=lambda wc: left_out_json("fdt"),
    shell:
        "python -m scripts.fdt.tables compare --common {params.common:q} --a4 {input.a4:q}"
        " --claims {input.claims:q} --left-out {params.left_out:q}"
        " --a5 {input.a5:q} --a10 {input.a10:q} --sweeps {input.sweeps:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


register_targets("fdt", FDT_PLAN.targets)


include: "fdt_minatar.smk"
