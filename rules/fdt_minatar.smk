# FDT on MinAtar, the laptop stand-in for DQN Replay and the ALE (issue 18): DQN behaviour log
# and oracle -> training set, oracle labels and critical states per seed -> DT / FDT / BC trained
# and evaluated on MinAtar -> tables, figure and claims labelled "MinAtar stand-in".
# Runs, parameters and targets: scripts/fdt/plan_minatar.py; settings: config/fdt.yaml `minatar`;
# deviations: docs/fidelity/fdt.md (MinAtar section). Included from rules/fdt.smk.
from scripts.fdt.plan_minatar import MinAtarPlan as FdtMinAtarPlan

FDT_MA = FdtMinAtarPlan(P("fdt"), SCALE, seeds("fdt"))


rule fdt_minatar_log:
    """A tianshou DQN on MinAtar: its logged experience is the behaviour log, its final greedy
    network the oracle; also times MinAtar's raw stepping."""
    output:
        manifest=res("fdt", "minatar", "log", "{mgame}", "manifest.json"),
    log:
        logpath("fdt", "minatar_log", "{mgame}"),
    benchmark:
        benchpath("fdt", "minatar_log", "{mgame}")
    wildcard_constraints:
        **FDT_MA.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=lambda wc: FDT_MA.log_params(wc.mgame),
        out=lambda wc: FDT_MA.log_dir(wc.mgame),
    shell:
        "python -m scripts.fdt.minatar_log --params {params.cfg:q} --seed 0 --threads {threads}"
        " --game {wildcards.mgame} --out-dir {params.out:q} > {log} 2>&1"


rule fdt_minatar_critical:
    """Training set (the paper's sampler), oracle labels and critical states of one seed."""
    input:
        rules.fdt_minatar_log.output.manifest,
    output:
        npz=FDT_MA.data_file("{mgame}", "{seed}"),
        stats=FDT_MA.stats_file("{mgame}", "{seed}"),
    log:
        logpath("fdt", "minatar_critical", "{mgame}_seed{seed}"),
    benchmark:
        benchpath("fdt", "minatar_critical", "{mgame}_seed{seed}")
    wildcard_constraints:
        **FDT_MA.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=lambda wc: FDT_MA.critical_params(wc.mgame),
        log=lambda wc: FDT_MA.log_dir(wc.mgame),
        gamma=FDT_MA.m["main"]["gamma"],
        budget=FDT_MA.m["main"]["budget"],
    shell:
        "python -m scripts.fdt.minatar_critical --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --game {wildcards.mgame} --log {params.log:q}"
        " --gamma {params.gamma} --budget {params.budget} --out {output.npz:q} > {log} 2>&1"


rule fdt_minatar_train:
    """DT, FDT or BC on one seed's training set, evaluated on MinAtar (setups x target returns)."""
    input:
        FDT_MA.data_file("{mgame}", "{seed}"),
    output:
        FDT_MA.eval_file("{mgame}", "{model}", "{seed}"),
    log:
        logpath("fdt", "minatar_train", "{mgame}_{model}_seed{seed}"),
    benchmark:
        benchpath("fdt", "minatar_train", "{mgame}_{model}_seed{seed}")
    wildcard_constraints:
        **FDT_MA.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=lambda wc: FDT_MA.train_params(wc.mgame),
        lam=lambda wc: FDT_MA.lam(wc.model),
    shell:
        "python -m scripts.fdt.minatar_train --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --game {wildcards.mgame} --model {wildcards.model}"
        " --data {input:q} --lam {params.lam} --out {output:q} > {log} 2>&1"


rule fdt_minatar_table_log:
    """Behaviour log and oracle returns per game (MinAtar stand-in), with the logging speed."""
    input:
        FDT_MA.manifests(),
    output:
        csv=FDT_MA.targets["table_minatar_log.csv"],
        md=FDT_MA.targets["table_minatar_log.md"],
    log:
        logpath("fdt", "minatar_table_log"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_MA.common(),
    shell:
        "python -m scripts.fdt.minatar_tables log --common {params.common:q} --manifests {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_minatar_table_a5:
    """Appendix Tables 4-5 analogue: FDT vs DT vs BC per game and setup, paired differences."""
    input:
        FDT_MA.all_evals(),
    output:
        csv=FDT_MA.targets["table_a5_minatar.csv"],
        md=FDT_MA.targets["table_a5_minatar.md"],
    log:
        logpath("fdt", "minatar_table_a5"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_MA.common(),
    shell:
        "python -m scripts.fdt.minatar_tables a5 --common {params.common:q} --evals {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_minatar_table_a10:
    """Appendix Table 10 analogue: feedback statistics per game, mean over seeds."""
    input:
        FDT_MA.all_stats(),
    output:
        csv=FDT_MA.targets["table_a10_minatar.csv"],
        md=FDT_MA.targets["table_a10_minatar.md"],
    log:
        logpath("fdt", "minatar_table_a10"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_MA.common(),
    shell:
        "python -m scripts.fdt.minatar_tables a10 --common {params.common:q} --stats {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule fdt_minatar_plot_sweep:
    """FDT - DT against the target return on the sweep game (Tables 6-9 analogue)."""
    input:
        FDT_MA.all_evals(),
    output:
        FDT_MA.targets["fig_delta_vs_rtg_minatar.pdf"],
    log:
        logpath("fdt", "minatar_fig_sweep"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_MA.common(),
    shell:
        "python -m scripts.fdt.minatar_tables sweep --common {params.common:q} --evals {input:q}"
        " --out {output:q} > {log} 2>&1"


rule fdt_minatar_claims:
    """Per-run values of the MinAtar stand-in claims (config/claims.yaml, runs: claims_minatar.csv)."""
    input:
        FDT_MA.all_evals(),
    output:
        FDT_MA.claims_csv(),
    log:
        logpath("fdt", "claims_minatar"),
    conda:
        env_file("fdt-report")
    params:
        common=FDT_MA.common(),
    shell:
        "python -m scripts.fdt.minatar_tables claims --common {params.common:q} --evals {input:q}"
        " --out {output:q} > {log} 2>&1"


register_targets("fdt", FDT_MA.targets)
register_claims_left_out("fdt", FDT_MA.claims_left_out())
