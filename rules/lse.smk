# LSE: Ferreira et al., ICLR 2022 -- synthetic environments (SEs) and reward networks (RNs)
# learned by NES. Sources: docs/fidelity/lse.md. One NES run = one job; its population is
# evaluated in parallel inside the job (process pool over the job's threads, batched agents).
import itertools

LSE = P("lse")
LSE_AT = {s: resolve_paper(config, "lse", s) for s in ("smoke", "laptop", "paper")}
LSE_SE = LSE["se"]
LSE_RN = LSE["rn"]
LSE_SS = LSE["stepsize"]
LSE_SS_CFGS = [
    {"transform": t, "step_size": a, "mirrored": m}
    for m in LSE_SS["mirrored"]
    for t in LSE_SS["transforms"]
    for a in LSE_SS["step_sizes"]
]
LSE_DIMS = {
    "cartpole": ["x", "x_dot", "theta", "theta_dot", "reward"],
    "acrobot": ["cos1", "sin1", "cos2", "sin2", "dtheta1", "dtheta2", "reward"],
}
LSE_SE_FIG = {"cartpole": ("fig3", "fig4"), "acrobot": ("fig7", "fig8")}


wildcard_constraints:
    env="[a-z]+",
    variant="opt|fixhp|varyhp",
    agent="ddqn|duelingddqn|td3discrete",
    protocol="default|varyhp|transfer",
    rnmode=r"-?\d+",
    i=r"\d+",


rule lse_env_info:
    """Library versions, env specs, and a check of the paper's Cliff (fall ends the episode)."""
    output:
        res("lse", "env_info", "env_info.json"),
    log:
        logpath("lse", "env_info"),
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps({"envs": ["cliff", "cartpole", "acrobot", "cmc", "halfcheetah"]}),
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
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            dict(
                LSE_SE[wc.env][wc.variant],
                env=wc.env,
                solved=LSE_SE[wc.env]["solved"],
                inner=LSE_SE["inner"],
                record_agents=LSE_SE["record_agents"],
            )
        ),
        out_dir=lambda wc, output: os.path.dirname(output.model),
    shell:
        "python -m scripts.lse.train_se --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --out-dir {params.out_dir} > {log} 2>&1"


rule lse_eval_se:
    """Fig 3/7 data: vary-HP agents trained on the real env or on SEs, tested on the real env."""
    input:
        models=lambda wc: (
            []
            if wc.semode == "real"
            else expand(
                res("lse", "train_se", wc.env, wc.semode[3:], "seed{s}", "model.pt"),
                s=range(LSE_SE["runs"][wc.semode[3:]]),
            )
        ),
    output:
        res("lse", "eval_se", "{env}", "{agent}", "{semode}.csv"),
    log:
        logpath("lse", "eval_se", "{env}_{agent}_{semode}"),
    benchmark:
        benchpath("lse", "eval_se", "{env}_{agent}_{semode}")
    wildcard_constraints:
        semode="real|se_fixhp|se_varyhp",
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            {
                "env": wc.env,
                "agent_kind": wc.agent,
                "agent": LSE_SE["eval"]["agent_hp"][wc.agent],
                "inner": LSE_SE["eval"]["inner"],
                "n_models": LSE_SE["eval"]["n_models"],
                "agents_per_model": LSE_SE["eval"]["agents_per_model"],
            }
        ),
    shell:
        "python -m scripts.lse.eval_se --params {params.cfg:q} --mode {wildcards.semode}"
        " --models {input.models} --threads {threads} --out {output} > {log} 2>&1"


rule lse_se_transitions:
    """Fig 4/8 data: agents trained on one varied-HP SE; SE vs real transitions."""
    input:
        models=lambda wc: expand(
            res("lse", "train_se", wc.env, "varyhp", "seed{s}", "model.pt"),
            s=range(LSE_SE["runs"]["varyhp"]),
        ),
    output:
        res("lse", "se_transitions", "{env}", "{agent}.npz"),
    log:
        logpath("lse", "se_transitions", "{env}_{agent}"),
    benchmark:
        benchpath("lse", "se_transitions", "{env}_{agent}")
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            {
                "env": wc.env,
                "agent_kind": wc.agent,
                "agent": LSE_SE["eval"]["agent_hp"][wc.agent],
                "inner": LSE_SE["eval"]["inner"],
                "n_agents": LSE_SE["transitions"]["n_agents"],
            }
        ),
    shell:
        "python -m scripts.lse.se_transitions --params {params.cfg:q} --models {input.models}"
        " --out {output} > {log} 2>&1"


rule lse_mbrl_data:
    """MBRL baseline data: real-env test transitions of one varied-HP SE run."""
    input:
        res("lse", "train_se", "{env}", "varyhp", "seed{seed}", "real_transitions.npz"),
    output:
        res("lse", "mbrl_data", "{env}", "data_seed{seed}.npz"),
    log:
        logpath("lse", "mbrl_data", "{env}_seed{seed}"),
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
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps({k: LSE["mbrl"][k] for k in ("net", "lr", "batch_size", "epochs")} | {"env": wc.env}),
    shell:
        "python -m scripts.lse.mbrl_fit --params {params.cfg:q} --seed {wildcards.seed}"
        " --data {input} --out {output.model} > {log} 2>&1"


rule lse_mbrl_eval:
    """Vary-HP agents trained on the supervised models, tested on the real env."""
    input:
        models=lambda wc: expand(res("lse", "mbrl_fit", wc.env, "model_seed{s}.pt"), s=range(LSE["mbrl"]["datasets"])),
    output:
        res("lse", "eval_se", "{env}", "{agent}", "mbrl.csv"),
    log:
        logpath("lse", "mbrl_eval", "{env}_{agent}"),
    benchmark:
        benchpath("lse", "mbrl_eval", "{env}_{agent}")
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            {
                "env": wc.env,
                "agent_kind": wc.agent,
                "agent": LSE_SE["eval"]["agent_hp"][wc.agent],
                "inner": LSE_SE["eval"]["inner"],
                "n_models": LSE["mbrl"]["datasets"],
                "agents_per_model": LSE["mbrl"]["agents_per_model"],
            }
        ),
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
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            {k: v for k, v in LSE_RN[wc.env].items() if k not in ("eval", "modes")}
            | {"env": wc.env, "nes": LSE_RN["nes"], "unsolved_weight": LSE_RN["unsolved_weight"]}
        ),
        out_dir=lambda wc, output: os.path.dirname(output.model),
    shell:
        "python -m scripts.lse.train_rn --params {params.cfg:q} --mode {wildcards.rnmode}"
        " --seed {wildcards.seed} --threads {threads} --out-dir {params.out_dir} > {log} 2>&1"


rule lse_select_rn:
    """The best RNs of an (env, mode), sorted ascending by loss = -best mean score."""
    input:
        lambda wc: expand(
            res("lse", "train_rn", wc.env, f"mode{wc.rnmode}", "seed{s}", "model.pt"),
            s=range(LSE_RN["runs"]),
        ),
    output:
        res("lse", "select_rn", "{env}", "mode{rnmode}", "best.json"),
    log:
        logpath("lse", "select_rn", "{env}_mode{rnmode}"),
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps({"n_best": LSE_RN["n_best"]}),
    shell:
        "python -m scripts.lse.select_rn --params {params.cfg:q} --models {input}" " --out {output} > {log} 2>&1"


rule lse_eval_rn:
    """Fig 5/9 data: agents trained with a selected RN (or natively), a test episode after each."""
    input:
        selected=lambda wc: (
            [] if int(wc.rnmode) in (0, -1) else [res("lse", "select_rn", wc.env, f"mode{wc.rnmode}", "best.json")]
        ),
    output:
        res("lse", "eval_rn", "{env}", "{protocol}", "mode{rnmode}.npz"),
    log:
        logpath("lse", "eval_rn", "{env}_{protocol}_mode{rnmode}"),
    benchmark:
        benchpath("lse", "eval_rn", "{env}_{protocol}_mode{rnmode}")
    conda:
        env_file("lse-torch17")
    params:
        cfg=lambda wc: json.dumps(
            dict(
                LSE_RN[wc.env]["eval"],
                env=wc.env,
                solved=LSE_RN[wc.env]["solved"],
                net=LSE_RN[wc.env]["net"],
                info_keys=LSE_RN[wc.env].get("info_keys", []),
                n_models=min(LSE_RN[wc.env]["eval"]["n_models"], LSE_RN["n_best"]),
            )
        ),
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
    conda:
        env_file("lse-torch17")
    params:
        cfg=json.dumps(dict(LSE_SS, configs=LSE_SS_CFGS)),
    shell:
        "python -m scripts.lse.stepsize_run --params {params.cfg:q} --index {wildcards.i}"
        " --threads {threads} --out {output} > {log} 2>&1"


# ----------------------------------------------------------------------------- figures, tables
LSE_RN_PROTOS = [(e, p) for e in LSE_RN["envs"] for p in LSE_RN[e]["eval"]["run_protocols"]]
LSE_RN_RUNS = {
    (e, p, m): res("lse", "eval_rn", e, p, f"mode{m}.npz")
    for e, p in LSE_RN_PROTOS
    for m in LSE_RN[e]["modes"] + LSE_RN[e]["eval"]["baselines"]
}
LSE_FIG10_MODES = LSE_RN["cliff"]["modes"] if "cliff" in LSE_RN["envs"] else []
LSE_SS_MIRRORED = sorted(set(LSE_SS["mirrored"]), reverse=True)


rule lse_fig2:
    """Fig 2: SE training curves and the first-solved-iteration / success-rate table."""
    input:
        logs=[
            res("lse", "train_se", e, "opt", f"seed{s}", "log.csv")
            for e in LSE_SE["envs"]
            for s in range(LSE_SE["runs"]["opt"])
        ],
    output:
        fig=figure_report(fig("lse", "fig2_se_training.pdf"), caption="../report/lse/fig2.rst", category="LSE"),
        csv=fig("lse", "table_fig2_se_training.csv"),
        md=fig("lse", "table_fig2_se_training.md"),
    log:
        logpath("lse", "fig2"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        logs=lambda wc, input: " ".join(f"{p.split('/')[4]}={p}" for p in input.logs),
    shell:
        "python -m scripts.lse.fig2 --logs {params.logs} --scale {params.scale} --fig {output.fig}"
        " --table-csv {output.csv} --table-md {output.md} > {log} 2>&1"


for _env, (_f3, _f4) in LSE_SE_FIG.items():

    rule:
        name:
            f"lse_{_f3}"
        input:
            [
                res("lse", "eval_se", _env, a, f"{m}.csv")
                for a in LSE_SE["eval"]["agents"].get(_env, [])
                for m in LSE_SE["eval"]["modes"]
            ],
        output:
            kde=figure_report(fig("lse", f"{_f3}_{_env}_kde.pdf"), caption=f"../report/lse/{_f3}.rst", category="LSE"),
            bars=figure_report(fig("lse", f"{_f3}_{_env}_bars.pdf"), caption=f"../report/lse/{_f3}.rst", category="LSE"),
            csv=fig("lse", f"table_{_f3}_{_env}.csv"),
            md=fig("lse", f"table_{_f3}_{_env}.md"),
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
            res("lse", "se_transitions", _env, f"{LSE_SE['transitions']['agent_kind']}.npz"),
        output:
            [
                figure_report(
                    fig("lse", f"{_f4}_{_env}_hist_{d}.pdf"), caption=f"../report/lse/{_f4}.rst", category="LSE"
                )
                for d in LSE_DIMS[_env]
            ],
        log:
            logpath("lse", _f4),
        conda:
            env_file("lse-plot")
        params:
            scale=SCALE,
            env=_env,
            dims=" ".join(LSE_DIMS[_env]),
        shell:
            "python -m scripts.lse.fig4 --data {input} --env {params.env} --dims {params.dims}"
            " --outs {output} --scale {params.scale} > {log} 2>&1"


rule lse_fig_mbrl:
    """The supervised (MBRL) baseline, corrected, against real-env training and SEs."""
    input:
        csv=[
            res("lse", "eval_se", "cartpole", a, f"{m}.csv")
            for a in LSE_SE["eval"]["agents"]["cartpole"]
            for m in ("real", "se_varyhp", "mbrl")
        ],
        metrics=[res("lse", "mbrl_fit", "cartpole", f"metrics_seed{s}.json") for s in range(LSE["mbrl"]["datasets"])],
    output:
        kde=figure_report(fig("lse", "fig_mbrl_baseline_kde.pdf"), caption="../report/lse/fig_mbrl.rst", category="LSE"),
        bars=figure_report(
            fig("lse", "fig_mbrl_baseline_bars.pdf"), caption="../report/lse/fig_mbrl.rst", category="LSE"
        ),
        csv=fig("lse", "table_mbrl_baseline.csv"),
        md=fig("lse", "table_mbrl_baseline.md"),
    log:
        logpath("lse", "fig_mbrl"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        best=LSE["mbrl"]["best"],
    shell:
        "python -m scripts.lse.fig_mbrl --csv {input.csv} --metrics {input.metrics} --best {params.best}"
        " --scale {params.scale} --kde {output.kde} --bars {output.bars} --table-csv {output.csv}"
        " --table-md {output.md} > {log} 2>&1"


rule lse_fig5_9:
    """Fig 5/9: RN learning curves per env and protocol, and the steps-to-threshold table."""
    input:
        list(LSE_RN_RUNS.values()),
    output:
        figs=[
            figure_report(fig("lse", f"fig5_9_{e}_{p}.pdf"), caption="../report/lse/fig5_9.rst", category="LSE")
            for e, p in LSE_RN_PROTOS
        ],
        csv=fig("lse", "table_rn_steps_to_threshold.csv"),
        md=fig("lse", "table_rn_steps_to_threshold.md"),
    log:
        logpath("lse", "fig5_9"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        runs=" ".join(f"{e}/{p}/{m}={path}" for (e, p, m), path in LSE_RN_RUNS.items()),
        figs=" ".join(f"{e}/{p}={fig('lse', f'fig5_9_{e}_{p}.pdf')}" for e, p in LSE_RN_PROTOS),
    shell:
        "python -m scripts.lse.fig5_9 --runs {params.runs} --figs {params.figs} --scale {params.scale}"
        " --table-csv {output.csv} --table-md {output.md} > {log} 2>&1"


rule lse_fig10:
    """Fig 10: the learned Cliff rewards per (state, action), mean over the selected RNs."""
    input:
        [res("lse", "select_rn", "cliff", f"mode{m}", "best.json") for m in LSE_FIG10_MODES],
    output:
        [
            figure_report(fig("lse", f"fig10_cliff_mode{m}{v}.pdf"), caption="../report/lse/fig10.rst", category="LSE")
            for m in LSE_FIG10_MODES
            for v in ("", "_simplified")
        ],
        [fig("lse", f"table_fig10_cliff_rewards_mode{m}.csv") for m in LSE_FIG10_MODES],
    log:
        logpath("lse", "fig10"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        sel=" ".join(f"{m}={res('lse', 'select_rn', 'cliff', f'mode{m}', 'best.json')}" for m in LSE_FIG10_MODES),
        gamma=LSE_RN["cliff"]["eval"]["protocols"]["default"]["agent"]["gamma"],
    shell:
        "python -m scripts.lse.fig10 --selected {params.sel} --gamma {params.gamma} --scale {params.scale}"
        " --outdir figures/lse > {log} 2>&1"


rule lse_fig11:
    """Fig 11: iterations to solve per score transform and step size (mirrored / plain)."""
    input:
        [res("lse", "stepsize", f"cfg{i}.json") for i in range(len(LSE_SS_CFGS))],
    output:
        [
            figure_report(
                fig("lse", f"fig11_stepsize_{'mirrored' if m else 'plain'}.pdf"),
                caption="../report/lse/fig11.rst",
                category="LSE",
            )
            for m in LSE_SS_MIRRORED
        ],
    log:
        logpath("lse", "fig11"),
    conda:
        env_file("lse-plot")
    params:
        scale=SCALE,
        outs=" ".join(
            f"--{'mirrored' if m else 'plain'}-out {fig('lse', 'fig11_stepsize_' + ('mirrored' if m else 'plain') + '.pdf')}"
            for m in LSE_SS_MIRRORED
        ),
    shell:
        "python -m scripts.lse.fig11 --runs {input} --scale {params.scale} {params.outs} > {log} 2>&1"


# tables the summary reads, where built at this scale
LSE_SUMMARY_TABLES = (
    ([fig("lse", "table_rn_steps_to_threshold.csv")] if LSE_RN_PROTOS else [])
    + ([fig("lse", "table_fig2_se_training.csv")] if LSE_SE["envs"] else [])
    + ([fig("lse", f"table_{LSE_SE_FIG[e][0]}_{e}.csv") for e in LSE_SE["envs"]] if SCALE != "laptop" else [])
)


# runs of the LSE claims (config/claims.yaml): Cliff RN speed-ups, CartPole DDQN on varied-HP SEs
LSE_CLAIM_RN = {
    k: v for k, v in LSE_RN_RUNS.items() if k[0] == "cliff" and k[1] in ("default", "varyhp") and k[2] in (0, 2, 6)
}
LSE_CLAIM_SE = (
    [res("lse", "eval_se", "cartpole", "ddqn", f"{m}.csv") for m in ("real", "se_varyhp")]
    if SCALE != "laptop" and "cartpole" in LSE_SE["envs"] and "ddqn" in LSE_SE["eval"]["agents"].get("cartpole", [])
    else []
)


rule lse_claims:
    """Per-run values of the LSE claims: steps of the RN/native and SE/real runs (two arms)."""
    input:
        rn=list(LSE_CLAIM_RN.values()),
        se=LSE_CLAIM_SE,
    output:
        res("lse", "claims.csv"),
    log:
        logpath("lse", "claims"),
    conda:
        env_file("lse-plot")
    params:
        rn=" ".join(f"{e}/{p}/{m}={path}" for (e, p, m), path in LSE_CLAIM_RN.items()),
    shell:
        "python -m scripts.lse.claims --rn {params.rn} --se {input.se} --out {output} > {log} 2>&1"


rule lse_report:
    """summary.md: the paper's claims judged by the one verdict rule, and our other numbers."""
    input:
        claims=rules.lse_claims.output,
        tables=LSE_SUMMARY_TABLES,
    output:
        fig("lse", "summary.md"),
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


# ----------------------------------------------------------------------------- targets
_se_reason = (
    f"SE training and its 4000-agent evaluations need cluster CPU-hours; not run at {SCALE} scale (config/lse.yaml)"
)
# the manifest's seeds column: LSE's runs are NES runs, RN models and agents, not config seeds
_se_runs = (
    f"{LSE_SE['runs']['opt']} NES runs per env; {LSE_SE['eval']['n_models']} SEs x {LSE_SE['eval']['agents_per_model']} agents"
    if LSE_SE["envs"]
    else "–"
)
_rn_runs = lambda e: (
    f"{LSE_RN['runs']} NES runs per mode; {LSE_RN[e]['eval']['n_models']} RNs x {LSE_RN[e]['eval']['agents_per_model']} agents"
    if e in LSE_RN["envs"]
    else "–"
)
_rn_here = ", ".join(f"{e} ({', '.join(LSE_RN[e]['eval']['run_protocols'])})" for e in LSE_RN["envs"]) or "none"
_at = lambda pred: tuple(s for s in ("smoke", "laptop", "paper") if pred(LSE_AT[s]))
register_target(
    "lse",
    fig("lse", "fig2_se_training.pdf"),
    "Fig. 2",
    scales=_at(lambda c: bool(c["se"]["envs"])),
    left_out=_se_reason,
    runs=_se_runs,
)
register_target(
    "lse",
    fig("lse", "table_fig2_se_training.md"),
    "Fig. 2 (table)",
    scales=_at(lambda c: bool(c["se"]["envs"])),
    left_out=_se_reason,
    runs=_se_runs,
)
for _env, (_f3, _f4) in LSE_SE_FIG.items():
    _sc = ("smoke", "paper")
    for _name in (f"{_f3}_{_env}_kde.pdf", f"{_f3}_{_env}_bars.pdf", f"table_{_f3}_{_env}.md"):
        register_target("lse", fig("lse", _name), f"Fig. {_f3[3:]}", scales=_sc, left_out=_se_reason, runs=_se_runs)
    for _d in LSE_DIMS[_env]:
        register_target(
            "lse",
            fig("lse", f"{_f4}_{_env}_hist_{_d}.pdf"),
            f"Fig. {_f4[3:]}",
            scales=_sc,
            left_out=_se_reason,
            runs=_se_runs,
        )
for _name in ("fig_mbrl_baseline_kde.pdf", "fig_mbrl_baseline_bars.pdf", "table_mbrl_baseline.md"):
    register_target(
        "lse",
        fig("lse", _name),
        "MBRL baseline (README)",
        scales=("smoke", "paper"),
        left_out=_se_reason,
        runs=_se_runs,
    )
for _e in LSE_AT["paper"]["rn"]["envs"]:
    for _p in LSE_AT["paper"]["rn"][_e]["eval"]["run_protocols"]:
        register_target(
            "lse",
            fig("lse", f"fig5_9_{_e}_{_p}.pdf"),
            "Fig. 5/9",
            scales=_at(lambda c: _e in c["rn"]["envs"] and _p in c["rn"][_e]["eval"]["run_protocols"]),
            left_out=f"{_e} RNs ({_p}) need cluster CPU-hours; {SCALE} scale runs {_rn_here}",
            runs=_rn_runs(_e),
        )
register_target(
    "lse",
    fig("lse", "table_rn_steps_to_threshold.md"),
    "Fig. 5/9 (steps to threshold)",
    runs="; ".join(f"{e}: {_rn_runs(e)}" for e in LSE_RN["envs"]),
)
for _m in LSE_AT["paper"]["rn"]["cliff"]["modes"]:
    for _name in (
        f"fig10_cliff_mode{_m}.pdf",
        f"fig10_cliff_mode{_m}_simplified.pdf",
        f"table_fig10_cliff_rewards_mode{_m}.csv",
    ):
        register_target(
            "lse",
            fig("lse", _name),
            "Fig. 10",
            scales=_at(lambda c: _m in c["rn"]["cliff"]["modes"] and "cliff" in c["rn"]["envs"]),
            left_out=f"Cliff mode {_m} is not trained at {SCALE} scale (modes here: "
            + (", ".join(map(str, LSE_RN["cliff"]["modes"])) if "cliff" in LSE_RN["envs"] else "none")
            + ")",
            runs=_rn_runs("cliff"),
        )
for _mir in (True, False):
    register_target(
        "lse",
        fig("lse", f"fig11_stepsize_{'mirrored' if _mir else 'plain'}.pdf"),
        "Fig. 11",
        scales=_at(lambda c: _mir in c["stepsize"]["mirrored"]),
        left_out=f"{SCALE} scale runs the {'mirrored' if True in LSE_SS['mirrored'] else 'plain'} panel only (a small Fig 11)",
        runs=f"{len(LSE_SS_CFGS)} NES runs (transform x step size)",
    )
register_target("lse", fig("lse", "summary.md"), "claims (abstract, Fig. 2/3/5)", runs="see each claim")
