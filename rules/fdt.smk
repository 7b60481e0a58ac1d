# Feedback Decision Transformer (Giladi and Katz, ICDM 2023); fidelity ledger: docs/fidelity/fdt.md
# Data flow: behaviour data (DQN Replay download + convert, or a generated DQN log) -> oracle ->
# feedback labels -> training sets -> critical states -> DT / FDT / BC -> evaluation -> tables.
import itertools
import re

FDT = P("fdt")
FDT_GAMES = FDT["games"]
FDT_SEEDS = seeds("fdt")
FDT_LL = FDT["critical"]["ll_reward"]
FDT_MODEL = FDT["model"]
FDT_EVAL = FDT["eval"]
FDT_ALL_GAMES = ["breakout", "qbert", "pong", "seaquest"]
FDT_REPLAY_DIR = {"breakout": "Breakout", "qbert": "Qbert", "pong": "Pong", "seaquest": "Seaquest"}
FDT_REPLAY_ARRAYS = ["observation", "action", "reward", "terminal", "add_count", "invalid_range"]
FDT_CKPTS = list(range(FDT["data"]["checkpoints"]))
FDT_RUN = FDT["data"]["run"]
# the registry: config.yaml's data_sources plus config/fdt_sources.yaml (checksums pinned by
# scripts.fdt.pin_sources), merged and validated by the Snakefile
FDT_SOURCES = config["data_sources"]

# setting names: critical states "g{gamma}_ll{LL}_{hl|ap}_n{N}", training "{critical}_lam{lambda}"
fdt_crit_name = lambda game, s: (
    f"g{s['gamma']}_ll{int(FDT_LL[game]) if s['ll'] else 0}_{s['sampling']}_n{s['budget']}"
)
fdt_crit_parse = lambda name: re.match(
    r"g(?P<gamma>[0-9.]+)_ll(?P<ll>-?[0-9]+)_(?P<sampling>hl|ap)_n(?P<budget>[0-9]+)$", name
).groupdict()
FDT_MAIN_LAM = FDT["main"]["lam"]
# (model, setting) pairs per game: DT, BC, FDT main, Table-10 ablations, the lambda grid
fdt_runs = lambda game: (
    [("dt", "base"), ("bc", "base"), ("fdt", f"{fdt_crit_name(game, FDT['main'])}_lam{FDT_MAIN_LAM}")]
    + [("fdt", f"{fdt_crit_name(game, s)}_lam{FDT_MAIN_LAM}") for s in FDT["ablations"]]
    + [("fdt", f"{fdt_crit_name(game, FDT['main'])}_lam{lam}") for lam in FDT["lambda_grid"]]
)
fdt_runs_unique = lambda game: list(dict.fromkeys(fdt_runs(game)))
fdt_evals = lambda game, seed_list=None: [
    res("fdt", "eval", game, m, s, f"seed{seed}.csv")
    for m, s in fdt_runs_unique(game)
    for seed in (seed_list or FDT_SEEDS)
]
fdt_crit_settings = lambda game: list(
    dict.fromkeys([fdt_crit_name(game, FDT["main"])] + [fdt_crit_name(game, s) for s in FDT["ablations"]])
)
fdt_model_params = lambda game: json.dumps({**FDT_MODEL, **FDT["per_game"].get(game, {})}, sort_keys=True)
fdt_eval_params = lambda game: json.dumps(
    {
        **FDT_EVAL,
        "test_seeds": FDT_EVAL["test_seeds_per_game"].get(game, FDT_EVAL["test_seeds"]),
        "max_steps": FDT_EVAL["max_steps_per_game"].get(game, FDT_EVAL["max_steps"]),
    },
    sort_keys=True,
)
fdt_source = lambda name: FDT_SOURCES.get(name, {"url": "", "sha256": ""})


wildcard_constraints:
    game="|".join(FDT_ALL_GAMES),
    model="dt|fdt|bc",
    crit=r"g[0-9.]+_ll-?[0-9]+_(hl|ap)_n[0-9]+",
    setting=r"base|g[0-9.]+_ll-?[0-9]+_(hl|ap)_n[0-9]+_lam[0-9.e-]+",
    ckpt=r"\d+",
    array="|".join(FDT_REPLAY_ARRAYS),


# ---------------------------------------------------------------- behaviour data
if FDT["data"]["source"] == "download":

    rule fdt_download_replay:
        """One array of one DQN Replay checkpoint (run 1), checksummed by the registry."""
        output:
            res("fdt", "download", "{game}", "replay_logs", "{array}_ckpt.{ckpt}.gz"),
        log:
            logpath("fdt", "download", "{game}_{array}_{ckpt}"),
        conda:
            env_file("fdt-report")
        params:
            name=lambda wc: f"fdt_replay_{FDT_REPLAY_DIR[wc.game]}_{FDT_RUN}_{wc.array}_{wc.ckpt}",
            url=lambda wc: fdt_source(f"fdt_replay_{FDT_REPLAY_DIR[wc.game]}_{FDT_RUN}_{wc.array}_{wc.ckpt}")["url"],
            sha=lambda wc: fdt_source(f"fdt_replay_{FDT_REPLAY_DIR[wc.game]}_{FDT_RUN}_{wc.array}_{wc.ckpt}")["sha256"],
            # where the registry has no entry: the bucket's own URL, checked against its MD5
            replay=lambda wc: f"{FDT_REPLAY_DIR[wc.game]} {FDT_RUN} {wc.array} {wc.ckpt}",
        shell:
            "python -m scripts.fdt.replay_data fetch --name {params.name} --url={params.url:q}"
            " --sha256={params.sha:q} --replay {params.replay} --out {output:q}"
            " > {log} 2>&1"

    rule fdt_convert_replay:
        """DQN Replay checkpoints -> our buffer layout (reader: scripts/fdt/replay.py)."""
        input:
            lambda wc: expand(
                res("fdt", "download", wc.game, "replay_logs", "{array}_ckpt.{ckpt}.gz"),
                array=FDT_REPLAY_ARRAYS,
                ckpt=FDT_CKPTS,
            ),
        output:
            res("fdt", "replay", "{game}", "manifest.json"),
        log:
            logpath("fdt", "convert_replay", "{game}"),
        conda:
            env_file("fdt-report")
        params:
            src=lambda wc: res("fdt", "download", wc.game, "replay_logs"),
            out=lambda wc: res("fdt", "replay", wc.game),
            n=len(FDT_CKPTS),
            cap=FDT["data"]["convert_capacity"],
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
        conda:
            env_file("fdt-report")
        params:
            name=lambda wc: f"fdt_labels_{FDT_REPLAY_DIR[wc.game]}_{wc.ckpt}",
            url=lambda wc: fdt_source(f"fdt_labels_{FDT_REPLAY_DIR[wc.game]}_{wc.ckpt}")["url"],
            sha=lambda wc: fdt_source(f"fdt_labels_{FDT_REPLAY_DIR[wc.game]}_{wc.ckpt}")["sha256"],
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
    conda:
        env_file("fdt-agent")
    params:
        cfg=stage_params("fdt", "oracle"),
    shell:
        "python -m scripts.fdt.oracle --params {params.cfg:q} --seed 1 --threads {threads}"
        " --game {wildcards.game} --out {output.pt:q} > {log} 2>&1"


if FDT["feedback"]["source"] == "shipped":

    rule fdt_label_feedback:
        """Feedback labels from the authors' released files (1 = oracle agrees with the log)."""
        input:
            replay=res("fdt", "replay", "{game}", "manifest.json"),
            labels=lambda wc: expand(
                res("fdt", "download", wc.game, "labels", "feedback_ckpt.{ckpt}.gz"), ckpt=FDT_CKPTS
            ),
        output:
            res("fdt", "feedback", "{game}", "agreement.csv"),
        log:
            logpath("fdt", "feedback", "{game}"),
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
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: json.dumps(
            {**FDT["trainset"], "min_len": json.loads(fdt_model_params(wc.game))["context"]},
            sort_keys=True,
        ),
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
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: stage_params(
            "fdt",
            "critical",
            candidate_limit=FDT["trainset"]["transitions"],
            min_len=json.loads(fdt_model_params(wc.game))["context"],
        ),
        replay=lambda wc: res("fdt", "replay", wc.game),
        labels=lambda wc: res("fdt", "feedback", wc.game),
        s=lambda wc: fdt_crit_parse(wc.crit),
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
        critical=lambda wc: (
            [res("fdt", "critical", wc.game, f"seed{wc.seed}_{wc.setting.rsplit('_lam', 1)[0]}.npz")]
            if wc.model == "fdt"
            else []
        ),
    output:
        model=res("fdt", "train", "{game}", "{model}", "{setting}", "seed{seed}", "model.pt"),
        log=res("fdt", "train", "{game}", "{model}", "{setting}", "seed{seed}", "log.csv"),
    log:
        logpath("fdt", "train", "{game}_{model}_{setting}_seed{seed}"),
    benchmark:
        benchpath("fdt", "train", "{game}_{model}_{setting}_seed{seed}")
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: fdt_model_params(wc.game),
        crit=lambda wc, input: f"--critical {input.critical[0]}" if wc.model == "fdt" else "",
        lam=lambda wc: wc.setting.rsplit("_lam", 1)[1] if wc.model == "fdt" else 0,
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
    conda:
        env_file("fdt-dt")
    params:
        cfg=lambda wc: fdt_eval_params(wc.game),
        rtgs=lambda wc: " ".join(str(r) for r in FDT_EVAL["rtgs"][wc.game]),
    shell:
        "python -m scripts.fdt.evaluate --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --model-file {input:q} --game {wildcards.game}"
        " --model {wildcards.model} --setting {wildcards.setting} --rtgs {params.rtgs}"
        " --out {output:q} > {log} 2>&1"


# ---------------------------------------------------------------- tables and figures
FDT_TABLE_COMMON = json.dumps(
    {
        "games": FDT_GAMES,
        "main": {g: fdt_crit_name(g, FDT["main"]) + f"_lam{FDT_MAIN_LAM}" for g in FDT_GAMES},
        "main_crit": {g: fdt_crit_name(g, FDT["main"]) for g in FDT_GAMES},
        "main_rtg": {g: FDT_EVAL["main_rtg"][g] for g in FDT_GAMES},
        "table4_seeds": FDT["table4_seeds"],
        "seeds": FDT_SEEDS,
        "setups": FDT_EVAL["setups"],
        "scale": SCALE,
        "main_lam": FDT_MAIN_LAM,
        "main_setting": FDT["main"],
        "ll_reward": FDT_LL,
    },
    sort_keys=True,
)
FDT_SWEEP_TABLES = {"breakout": "a6", "qbert": "a7", "pong": "a8", "seaquest": "a9"}
FDT_ABLATIONS = ["budget", "gamma", "lifeloss", "sampling"]
FDT_HAS_ABLATIONS = bool(FDT["ablations"])
FDT_HAS_LAMBDA = bool(FDT["lambda_grid"])
FDT_ORACLE_CURVES = FDT["oracle"]["train"]

fdt_tab = lambda name: [fig("fdt", f"{name}.csv"), fig("fdt", f"{name}.md")]


rule fdt_table_a4:
    """Appendix Table 4: FDT vs DT in the DT paper's protocol (3 seeds, DT-paper target)."""
    input:
        lambda wc: [
            res("fdt", "eval", g, m, s, f"seed{seed}.csv")
            for g in FDT_GAMES
            for m, s in fdt_runs_unique(g)[:3]
            for seed in FDT["table4_seeds"]
        ],
    output:
        csv=fig("fdt", "table_a4_dt_protocol.csv"),
        md=fig("fdt", "table_a4_dt_protocol.md"),
    log:
        logpath("fdt", "table_a4"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.tables a4 --common {params.common:q} --evals {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_a5:
    """Appendix Table 5: FDT vs BC vs DT (all seeds, DT-paper target)."""
    input:
        lambda wc: [
            res("fdt", "eval", g, m, s, f"seed{seed}.csv")
            for g in FDT_GAMES
            for m, s in fdt_runs_unique(g)[:3]
            for seed in FDT_SEEDS
        ],
    output:
        csv=fig("fdt", "table_a5_fdt_dt_bc.csv"),
        md=fig("fdt", "table_a5_fdt_dt_bc.md"),
    log:
        logpath("fdt", "table_a5"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.tables a5 --common {params.common:q} --evals {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_rtg_sweep:
    """Appendix Tables 6-9: FDT vs DT over target returns, Delta % and paired t-tests."""
    input:
        lambda wc: [
            res("fdt", "eval", wc.game, m, s, f"seed{seed}.csv")
            for m, s in fdt_runs_unique(wc.game)[:3]
            for seed in FDT_SEEDS
        ],
    output:
        csv=fig("fdt", "table_{table}_{game}.csv"),
        md=fig("fdt", "table_{table}_{game}.md"),
    log:
        logpath("fdt", "table_{table}_{game}"),
    wildcard_constraints:
        table="a6|a7|a8|a9",
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.tables sweep --common {params.common:q} --game {wildcards.game}"
        " --table {wildcards.table} --evals {input:q} --csv {output.csv:q} --md {output.md:q}"
        " > {log} 2>&1"


rule fdt_table_a10:
    """Appendix Table 10: feedback statistics per setting (pos, aligned, neg, ignored, IS)."""
    input:
        crit=lambda wc: [
            res("fdt", "critical", g, f"seed{seed}_{c}.json")
            for g in FDT_GAMES
            for c in fdt_crit_settings(g)
            for seed in FDT_SEEDS
        ],
        agreement=expand(res("fdt", "feedback", "{game}", "agreement.csv"), game=FDT_GAMES),
    output:
        csv=fig("fdt", "table_a10_feedback_stats.csv"),
        md=fig("fdt", "table_a10_feedback_stats.md"),
    log:
        logpath("fdt", "table_a10"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.tables a10 --common {params.common:q} --crit {input.crit:q}"
        " --agreement {input.agreement:q} --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_table_ablation:
    """Ablations over Table 10's settings (budget, gamma, life loss, sampling) and the lambda
    grid; the paper gives no scores for these (its ablation scores are not available)."""
    input:
        lambda wc: [f for g in FDT_GAMES for f in fdt_evals(g)],
    output:
        csv=fig("fdt", "table_{abl}.csv"),
        md=fig("fdt", "table_{abl}.md"),
    log:
        logpath("fdt", "table_{abl}"),
    wildcard_constraints:
        abl="ablation_budget|ablation_gamma|ablation_lifeloss|ablation_sampling|lambda_grid",
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.tables ablation --common {params.common:q} --kind {wildcards.abl}"
        " --evals {input:q} --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_plot_oracle:
    """Fig. A1: the oracle's learning curve per game (ours) beside dopamine C51's final level."""
    input:
        expand(res("fdt", "oracle", "{game}", "curve.csv"), game=FDT_GAMES),
    output:
        figure_report(
            fig("fdt", "fig_a1_oracle_curves.pdf"),
            caption="../report/fdt/fig_a1_oracle_curves.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_a1"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.plots oracle --common {params.common:q} --curves {input:q}"
        " --out {output:q} > {log} 2>&1"


rule fdt_plot_feedback:
    """Feedback statistics: oracle agreement per buffer (ours) against the shipped labels' rates."""
    input:
        expand(res("fdt", "feedback", "{game}", "agreement.csv"), game=FDT_GAMES),
    output:
        figure_report(
            fig("fdt", "fig_feedback_agreement.pdf"),
            caption="../report/fdt/fig_feedback_agreement.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_feedback"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.plots agreement --common {params.common:q} --agreement {input:q}"
        " --out {output:q} > {log} 2>&1"


rule fdt_plot_rtg_sweep:
    """FDT vs DT over target returns, one panel per setup (ours; the paper's dashed)."""
    input:
        lambda wc: fig("fdt", f"table_{FDT_SWEEP_TABLES[wc.game]}_{wc.game}.csv"),
    output:
        figure_report(
            fig("fdt", "fig_delta_vs_rtg_{game}.pdf"),
            caption="../report/fdt/fig_delta_vs_rtg.rst",
            category="FDT",
        ),
    log:
        logpath("fdt", "fig_delta_vs_rtg_{game}"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.plots rtg_sweep --common {params.common:q} --game {wildcards.game}"
        " --table {input:q} --out {output:q} > {log} 2>&1"


rule fdt_claims:
    """Per-run values of the FDT claims (config/claims.yaml): FDT - DT and FDT - BC per seed."""
    input:
        lambda wc: [
            res("fdt", "eval", g, m, s, f"seed{seed}.csv")
            for g in FDT_GAMES
            for m, s in fdt_runs_unique(g)[:3]
            for seed in FDT_SEEDS
        ],
    output:
        res("fdt", "claims.csv"),
    log:
        logpath("fdt", "claims"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
    shell:
        "python -m scripts.fdt.claims --common {params.common:q} --evals {input:q}" " --out {output:q} > {log} 2>&1"


rule fdt_compare:
    """Reproduced against reported: every comparable number of Tables 4-10, side by side."""
    input:
        claims=rules.fdt_claims.output,
        a4=fig("fdt", "table_a4_dt_protocol.csv"),
        a5=fig("fdt", "table_a5_fdt_dt_bc.csv"),
        a10=fig("fdt", "table_a10_feedback_stats.csv"),
        sweeps=[fig("fdt", f"table_{FDT_SWEEP_TABLES[g]}_{g}.csv") for g in FDT_GAMES],
    output:
        csv=fig("fdt", "compare_to_paper.csv"),
        md=fig("fdt", "compare_to_paper.md"),
    log:
        logpath("fdt", "compare"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_TABLE_COMMON,
        left_out=lambda wc: left_out_json("fdt"),
    shell:
        "python -m scripts.fdt.tables compare --common {params.common:q} --a4 {input.a4:q}"
        " --claims {input.claims:q} --left-out {params.left_out:q}"
        " --a5 {input.a5:q} --a10 {input.a10:q} --sweeps {input.sweeps:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


# ---------------------------------------------------------------- targets
for _f in fdt_tab("table_a4_dt_protocol"):
    register_target("fdt", _f, "Appendix Table 4")
for _f in fdt_tab("table_a5_fdt_dt_bc"):
    register_target("fdt", _f, "Appendix Table 5")
for _g, _t in FDT_SWEEP_TABLES.items():
    _why = f"{_g} is not among this scale's games ({', '.join(FDT_GAMES)})"
    _scales = ("smoke", "laptop", "paper") if _g in FDT_GAMES else ("paper",)
    for _f in fdt_tab(f"table_{_t}_{_g}"):
        register_target("fdt", _f, f"Appendix Table {_t[1]}", scales=_scales, left_out=_why)
    register_target(
        "fdt",
        fig("fdt", f"fig_delta_vs_rtg_{_g}.pdf"),
        f"FDT vs DT over target returns (Tables {_t[1]})",
        scales=_scales,
        left_out=_why,
    )
for _f in fdt_tab("table_a10_feedback_stats"):
    register_target("fdt", _f, "Appendix Table 10")
for _a in FDT_ABLATIONS:
    for _f in fdt_tab(f"table_ablation_{_a}"):
        register_target(
            "fdt",
            _f,
            f"Ablation over {_a} (Table 10 settings; no paper scores)",
            scales=("smoke", "paper") if FDT_HAS_ABLATIONS else ("paper",),
            left_out="no ablation settings at this scale (time budget)",
        )
for _f in fdt_tab("table_lambda_grid"):
    register_target(
        "fdt",
        _f,
        "lambda_F grid (Table 1 search; no paper scores)",
        scales=("smoke", "paper") if FDT_HAS_LAMBDA else ("paper",),
        left_out="no lambda grid at this scale (time budget)",
    )
register_target(
    "fdt",
    fig("fdt", "fig_a1_oracle_curves.pdf"),
    "Fig. A1 (oracle learning curves)",
    scales=("smoke", "laptop", "paper") if FDT_ORACLE_CURVES else (),
    left_out="oracle not trained at this scale",
)
register_target("fdt", fig("fdt", "fig_feedback_agreement.pdf"), "Feedback statistics (oracle agreement per buffer)")
for _f in fdt_tab("compare_to_paper"):
    register_target("fdt", _f, "Reproduced vs reported (Tables 4-10)")
register_target(
    "fdt",
    "figures/fdt/fig_main_architecture.pdf",
    "Main Fig. 1 (architecture diagram)",
    scales=(),
    left_out="a diagram, not a computed result",
)
