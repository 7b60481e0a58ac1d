# LSE: Ferreira et al., ICLR 2022 -- synthetic environments (SEs) and reward networks (RNs)
# learned by NES. Sources: docs/fidelity/lse.md. One NES run = one job; its population is
# evaluated in parallel inside the job (process pool over the job's threads, batched agents).
# Run lists, stage parameters and targets: scripts/lse/plan.py (tests/lse/test_plan.py).
from scripts.lse.plan import make_plan as lse_make_plan

LSE_PLAN = lse_make_plan(P("lse"), SCALE, seeds("lse"), paper=resolve_paper(config, "lse", "paper"))


rule lse_env_info:
    """Library versions, env specs, and a check of the paper's Cliff (fall ends the episode)."""
    output:
        res("lse", "env_info", "env_info.json"),
    log:
        logpath("lse", "env_info"),
    priority: 10  # lse_train_se waits for it (a rule's priority does not pass to its inputs)
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps({"envs": LSE_PLAN.ENV_INFO_ENVS}),
    shell:
        "python -m scripts.lse.env_info --params {params.cfg:q} --out {output} > {log} 2>&1"


rule lse_train_se:
    """One NES run of a synthetic environment (CartPole / Acrobot; opt, fixhp or varyhp)."""
    input:
        res("lse", "env_info", "env_info.json"),
    output:
        model=res("lse", "train_se", "{env}", "{variant}", "seed{seed}", "model.pt"),
        log=res("lse", "train_se", "{env}", "{variant}", "seed{seed}", "log.csv"),
        cfg=res("lse", "train_se", "{env}", "{variant}", "seed{seed}", "config.yaml"),
        transitions=res("lse", "train_se", "{env}", "{variant}", "seed{seed}", "real_transitions.npz"),
    log:
        logpath("lse", "train_se", "{env}_{variant}_seed{seed}"),
    benchmark:
        benchpath("lse", "train_se", "{env}_{variant}_seed{seed}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    # the workflow's longest jobs: chosen first among ready jobs (on a cluster, submitted
    # first); on 2 local cores a 2-thread run still waits for both to be free at once
    priority: 10
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.train_se_params(wc.env, wc.variant)),
        out_dir=lambda wc, output: os.path.dirname(output.model),
    shell:
        "python -m scripts.lse.train_se --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --out-dir {params.out_dir} > {log} 2>&1"


rule lse_eval_se:
    """Fig 3/7 data: vary-HP agents trained on the real env or on SEs, tested on the real env."""
    input:
        models=lambda wc: LSE_PLAN.se_models(wc.env, wc.semode),
    output:
        res("lse", "eval_se", "{env}", "{agent}", "{semode}.csv"),
    log:
        logpath("lse", "eval_se", "{env}_{agent}_{semode}"),
    benchmark:
        benchpath("lse", "eval_se", "{env}_{agent}_{semode}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.eval_se_params(wc.env, wc.agent)),
    shell:
        "python -m scripts.lse.eval_se --params {params.cfg:q} --mode {wildcards.semode}"
        " --models {input.models} --threads {threads} --out {output} > {log} 2>&1"


rule lse_se_transitions:
    """Fig 4/8 data: agents trained on one SE (varied HPs where trained); SE vs real transitions."""
    input:
        models=lambda wc: LSE_PLAN.se_models(wc.env, f"se_{LSE_PLAN.baseline_variant}"),
    output:
        res("lse", "se_transitions", "{env}", "{agent}.npz"),
    log:
        logpath("lse", "se_transitions", "{env}_{agent}"),
    benchmark:
        benchpath("lse", "se_transitions", "{env}_{agent}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.se_transitions_params(wc.env, wc.agent)),
    shell:
        "python -m scripts.lse.se_transitions --params {params.cfg:q} --models {input.models}"
        " --out {output} > {log} 2>&1"


rule lse_mbrl_data:
    """MBRL baseline data: real-env test transitions of one SE run (varied HPs where trained)."""
    input:
        lambda wc: LSE_PLAN.mbrl_transitions(wc.env, int(wc.seed)),
    output:
        res("lse", "mbrl_data", "{env}", "data_seed{seed}.npz"),
    log:
        logpath("lse", "mbrl_data", "{env}_seed{seed}"),
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    shell:
        "python -m scripts.lse.mbrl_data --transitions {input} --out {output} > {log} 2>&1"


rule lse_mbrl_fit:
    """The supervised model (corrected: action-first inputs, all three heads fitted)."""
    input:
        res("lse", "mbrl_data", "{env}", "data_seed{seed}.npz"),
    output:
        model=res("lse", "mbrl_fit", "{env}", "model_seed{seed}.pt"),
        metrics=res("lse", "mbrl_fit", "{env}", "metrics_seed{seed}.json"),
    log:
        logpath("lse", "mbrl_fit", "{env}_seed{seed}"),
    benchmark:
        benchpath("lse", "mbrl_fit", "{env}_seed{seed}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.mbrl_fit_params(wc.env)),
    shell:
        "python -m scripts.lse.mbrl_fit --params {params.cfg:q} --seed {wildcards.seed}"
        " --data {input} --out {output.model} > {log} 2>&1"


rule lse_mbrl_eval:
    """Vary-HP agents trained on the supervised models, tested on the real env."""
    input:
        models=lambda wc: LSE_PLAN.mbrl_models(wc.env),
    output:
        res("lse", "eval_se", "{env}", "{agent}", "mbrl.csv"),
    log:
        logpath("lse", "mbrl_eval", "{env}_{agent}"),
    benchmark:
        benchpath("lse", "mbrl_eval", "{env}_{agent}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.mbrl_eval_params(wc.env, wc.agent)),
    shell:
        "python -m scripts.lse.mbrl_eval --params {params.cfg:q} --mode mbrl"
        " --models {input.models} --threads {threads} --out {output} > {log} 2>&1"


rule lse_train_rn:
    """One NES run of a reward network (threshold objective; best-so-far psi saved)."""
    input:
        res("lse", "env_info", "env_info.json"),
    output:
        model=res("lse", "train_rn", "{env}", "mode{rnmode}", "seed{seed}", "model.pt"),
        log=res("lse", "train_rn", "{env}", "mode{rnmode}", "seed{seed}", "log.csv"),
        cfg=res("lse", "train_rn", "{env}", "mode{rnmode}", "seed{seed}", "config.yaml"),
    log:
        logpath("lse", "train_rn", "{env}_mode{rnmode}_seed{seed}"),
    benchmark:
        benchpath("lse", "train_rn", "{env}_mode{rnmode}_seed{seed}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.train_rn_params(wc.env)),
        out_dir=lambda wc, output: os.path.dirname(output.model),
    shell:
        "python -m scripts.lse.train_rn --params {params.cfg:q} --mode {wildcards.rnmode}"
        " --seed {wildcards.seed} --threads {threads} --out-dir {params.out_dir} > {log} 2>&1"


rule lse_select_rn:
    """The best RNs of an (env, mode), sorted ascending by loss = -best mean score."""
    input:
        lambda wc: LSE_PLAN.rn_models(wc.env, wc.rnmode),
    output:
        res("lse", "select_rn", "{env}", "mode{rnmode}", "best.json"),
    log:
        logpath("lse", "select_rn", "{env}_mode{rnmode}"),
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps(LSE_PLAN.select_rn_params()),
    shell:
        "python -m scripts.lse.select_rn --params {params.cfg:q} --models {input}" " --out {output} > {log} 2>&1"


rule lse_eval_rn:
    """Fig 5/9 data: agents trained with a selected RN (or natively), a test episode after each."""
    input:
        selected=lambda wc: LSE_PLAN.rn_selected(wc.env, wc.rnmode),
    output:
        res("lse", "eval_rn", "{env}", "{protocol}", "mode{rnmode}.npz"),
    log:
        logpath("lse", "eval_rn", "{env}_{protocol}_mode{rnmode}"),
    benchmark:
        benchpath("lse", "eval_rn", "{env}_{protocol}_mode{rnmode}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(LSE_PLAN.eval_rn_params(wc.env)),
        selected=lambda wc, input: f"--selected {input.selected}" if input.selected else "",
    shell:
        "python -m scripts.lse.eval_rn --params {params.cfg:q} --mode={wildcards.rnmode}"
        " --protocol {wildcards.protocol} {params.selected} --threads {threads}"
        " --out {output} > {log} 2>&1"


rule lse_stepsize_run:
    """Fig 11: one NES run (EmptyRoom22 SE, QL) per (transform, step size, mirrored)."""
    output:
        res("lse", "stepsize", "cfg{i}.json"),
    log:
        logpath("lse", "stepsize", "cfg{i}"),
    benchmark:
        benchpath("lse", "stepsize", "cfg{i}")
    wildcard_constraints:
        **LSE_PLAN.wildcards(),
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps(LSE_PLAN.stepsize_params()),
    shell:
        "python -m scripts.lse.stepsize_run --params {params.cfg:q} --index {wildcards.i}"
        " --threads {threads} --out {output} > {log} 2>&1"


# ----------------------------------------------------------------------------- figures, tables
rule lse_fig2:
    """Fig 2: SE training curves and the first-solved-iteration / success-rate table."""
    input:
        logs=[path for _, _, path in LSE_PLAN.fig2_logs],
    output:
        fig=figure_report(LSE_PLAN.targets["fig2_se_training.pdf"], caption="../report/lse/fig2.rst", category="LSE"),
        csv=fig("lse", "table_fig2_se_training.csv"),
        md=LSE_PLAN.targets["table_fig2_se_training.md"],
    log:
        logpath("lse", "fig2"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        logs=LSE_PLAN.fig2_logs_arg(),
    shell:
        "python -m scripts.lse.fig2 --logs {params.logs} --scale {params.scale} --fig {output.fig}"
        " --table-csv {output.csv} --table-md {output.md} > {log} 2>&1"


for _env, (_f3, _f4) in LSE_PLAN.SE_FIGS.items():

    rule:
        name:
            f"lse_{_f3}"
        input:
            LSE_PLAN.fig3_inputs(_env),
        output:
            kde=figure_report(
                LSE_PLAN.targets[f"{_f3}_{_env}_kde.pdf"], caption=f"../report/lse/{_f3}.rst", category="LSE"
            ),
            bars=figure_report(
                LSE_PLAN.targets[f"{_f3}_{_env}_bars.pdf"], caption=f"../report/lse/{_f3}.rst", category="LSE"
            ),
            csv=fig("lse", f"table_{_f3}_{_env}.csv"),
            md=LSE_PLAN.targets[f"table_{_f3}_{_env}.md"],
        log:
            logpath("lse", _f3),
        conda:
            env_file("lse-plot")
        params:
            scale=SCALE,
            env=_env,
            target=_f3,
        shell:
            "python -m scripts.lse.fig3 --csv {input} --env {params.env} --target {params.target}"
            " --scale {params.scale} --kde {output.kde} --bars {output.bars} --table-csv {output.csv}"
            " --table-md {output.md} > {log} 2>&1"

    rule:
        name:
            f"lse_{_f4}"
        input:
            LSE_PLAN.transitions_input(_env),
        output:
            [
                figure_report(
                    LSE_PLAN.targets[f"{_f4}_{_env}_hist_{d}.pdf"], caption=f"../report/lse/{_f4}.rst", category="LSE"
                )
                for d in LSE_PLAN.SE_DIMS[_env]
            ],
        log:
            logpath("lse", _f4),
        conda:
            env_file("lse-plot")
        params:
            scale=SCALE,
            env=_env,
            dims=" ".join(LSE_PLAN.SE_DIMS[_env]),
        shell:
            "python -m scripts.lse.fig4 --data {input} --env {params.env} --dims {params.dims}"
            " --outs {output} --scale {params.scale} > {log} 2>&1"


rule lse_fig_mbrl:
    """The supervised (MBRL) baseline, corrected, against real-env training and SEs."""
    input:
        csv=LSE_PLAN.fig_mbrl_inputs(),
        metrics=LSE_PLAN.mbrl_metrics("cartpole"),
    output:
        kde=figure_report(
            LSE_PLAN.targets["fig_mbrl_baseline_kde.pdf"], caption="../report/lse/fig_mbrl.rst", category="LSE"
        ),
        bars=figure_report(
            LSE_PLAN.targets["fig_mbrl_baseline_bars.pdf"], caption="../report/lse/fig_mbrl.rst", category="LSE"
        ),
        csv=fig("lse", "table_mbrl_baseline.csv"),
        md=LSE_PLAN.targets["table_mbrl_baseline.md"],
    log:
        logpath("lse", "fig_mbrl"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        best=LSE_PLAN.mbrl["best"],
    shell:
        "python -m scripts.lse.fig_mbrl --csv {input.csv} --metrics {input.metrics} --best {params.best}"
        " --scale {params.scale} --kde {output.kde} --bars {output.bars} --table-csv {output.csv}"
        " --table-md {output.md} > {log} 2>&1"


rule lse_fig5_9:
    """Fig 5/9: RN learning curves per env and protocol, and the steps-to-threshold table."""
    input:
        list(LSE_PLAN.rn_runs.values()),
    output:
        figs=figure_report(LSE_PLAN.fig5_9_figs(), caption="../report/lse/fig5_9.rst", category="LSE"),
        csv=fig("lse", "table_rn_steps_to_threshold.csv"),
        md=LSE_PLAN.targets["table_rn_steps_to_threshold.md"],
    log:
        logpath("lse", "fig5_9"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        runs=LSE_PLAN.fig5_9_runs_arg(),
        figs=LSE_PLAN.fig5_9_figs_arg(),
    shell:
        "python -m scripts.lse.fig5_9 --runs {params.runs} --figs {params.figs} --scale {params.scale}"
        " --table-csv {output.csv} --table-md {output.md} > {log} 2>&1"


rule lse_fig10:
    """Fig 10: the learned Cliff rewards per (state, action), mean over the selected RNs."""
    input:
        LSE_PLAN.fig10_inputs(),
    output:
        figure_report(LSE_PLAN.fig10_figs(), caption="../report/lse/fig10.rst", category="LSE"),
        LSE_PLAN.fig10_tables(),
    log:
        logpath("lse", "fig10"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        sel=LSE_PLAN.fig10_selected_arg(),
        gamma=LSE_PLAN.fig10_gamma(),
    shell:
        "python -m scripts.lse.fig10 --selected {params.sel} --gamma {params.gamma} --scale {params.scale}"
        " --outdir figures/lse > {log} 2>&1"


rule lse_fig11:
    """Fig 11: iterations to solve per score transform and step size (mirrored / plain)."""
    input:
        LSE_PLAN.stepsize_runs(),
    output:
        figure_report(LSE_PLAN.fig11_figs(), caption="../report/lse/fig11.rst", category="LSE"),
    log:
        logpath("lse", "fig11"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        outs=LSE_PLAN.fig11_outs_arg(),
    shell:
        "python -m scripts.lse.fig11 --runs {input} --scale {params.scale} {params.outs} > {log} 2>&1"


rule lse_claims:
    """Per-run values of the LSE claims: steps of the RN/native and SE/real runs (two arms)."""
    input:
        rn=list(LSE_PLAN.claim_rn.values()),
        se=LSE_PLAN.claim_se,
    output:
        res("lse", "claims.csv"),
    log:
        logpath("lse", "claims"),
    conda:
        env_file("lse-plot")
    params:
        rn=LSE_PLAN.claim_rn_arg(),
    shell:
        "python -m scripts.lse.claims --rn {params.rn} --se {input.se} --out {output} > {log} 2>&1"


rule lse_report:
    """summary.md: the paper's claims judged by the one verdict rule, and our other numbers."""
    input:
        claims=rules.lse_claims.output,
        tables=LSE_PLAN.summary_tables,
    output:
        LSE_PLAN.targets["summary.md"],
    log:
        logpath("lse", "report"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        left_out=lambda wc: left_out_json("lse"),
    shell:
        "python -m scripts.lse.report --tables {input.tables} --claims {input.claims}"
        " --left-out {params.left_out:q} --scale {params.scale} --out {output} > {log} 2>&1"


register_targets("lse", LSE_PLAN.targets)
register_claims_left_out("lse", LSE_PLAN.claims_left_out)
