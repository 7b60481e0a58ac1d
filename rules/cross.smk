# Beyond the papers (issue 22): DSI's detector as FDT's feedback selector, on MinAtar.
# Per game: windows of FDT's behaviour log -> DSI's detector -> per seed, every selector's
# feedback positions on FDT's training set, labelled by FDT's oracle -> FDT trained on each ->
# table, positions table, figure and claims (FDT's own DT and FDT runs are the dt and
# criterion arms). Runs and targets: scripts/cross/plan.py; settings: config/cross.yaml;
# design and deviations: docs/cross.md. Needs rules/fdt.smk and rules/dsi.smk (FDT_MA's files,
# DSI's settings), which config/config.yaml's `papers` includes before it.
from scripts.cross.plan import CrossPlan

CROSS = CrossPlan(P("cross"), P("fdt"), P("dsi")["minatar"], SCALE)


rule cross_detector_data:
    """Windows of the FDT behaviour log's complete episodes, labelled by episode return."""
    input:
        CROSS.fdt.log_manifest("{cgame}"),
    output:
        train=CROSS.detector_data("{cgame}", "train"),
        test=CROSS.detector_data("{cgame}", "test"),
        meta=CROSS.detector_data("{cgame}", "episodes").replace(".npz", ".csv"),
    log:
        logpath("cross", "detector_data_{cgame}"),
    benchmark:
        benchpath("cross", "detector_data_{cgame}")
    wildcard_constraints:
        **CROSS.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=CROSS.data_params(),
        log=lambda wc: CROSS.fdt.log_dir(wc.cgame),
        seed=CROSS.seeds[0],
    shell:
        "python -m scripts.cross.detector_data --params {params.cfg:q} --seed {params.seed}"
        " --threads {threads} --log {params.log:q} --train {output.train:q}"
        " --test {output.test:q} --meta {output.meta:q} > {log} 2>&1"


rule cross_detector:
    """DSI's detector (D and G, its MinAtar recipe) on the game's log windows."""
    input:
        train=CROSS.detector_data("{cgame}", "train"),
        test=CROSS.detector_data("{cgame}", "test"),
    output:
        detector=CROSS.detector("{cgame}"),
        predictor=CROSS.detector("{cgame}", "predictor.pt"),
        log_csv=CROSS.detector("{cgame}", "train_log.csv"),
    log:
        logpath("cross", "detector_{cgame}"),
    benchmark:
        benchpath("cross", "detector_{cgame}")
    wildcard_constraints:
        **CROSS.wildcards(),
    conda:
        env_file("dsi-torch")
    params:
        cfg=CROSS.detector_params(),
        seed=CROSS.seeds[0],
    shell:
        "python -m scripts.dsi.train_detector --domain minatar --params {params.cfg:q}"
        " --train {input.train} --test {input.test} --detector {output.detector}"
        " --predictor {output.predictor} --log-csv {output.log_csv} --seed {params.seed}"
        " --threads {threads} > {log} 2>&1"


rule cross_select:
    """Every selector's budget-N positions on one seed's training set, with FDT's labels."""
    input:
        manifest=CROSS.fdt.log_manifest("{cgame}"),
        data=CROSS.fdt.data_file("{cgame}", "{seed}"),
        detector=CROSS.detector("{cgame}"),
    output:
        npz=[CROSS.selection("{cgame}", s, "{seed}") for s in CROSS.selectors],
        stats=CROSS.select_stats("{cgame}", "{seed}"),
    log:
        logpath("cross", "select_{cgame}_seed{seed}"),
    benchmark:
        benchpath("cross", "select_{cgame}_seed{seed}")
    wildcard_constraints:
        **CROSS.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=lambda wc: CROSS.select_params(wc.cgame),
        log=lambda wc: CROSS.fdt.log_dir(wc.cgame),
        out=lambda wc: CROSS.select_dir(wc.cgame, wc.seed),
        selectors=" ".join(CROSS.selectors),
    shell:
        "python -m scripts.cross.select --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --game {wildcards.cgame} --log {params.log:q} --data {input.data:q}"
        " --detector {input.detector:q} --selectors {params.selectors} --out-dir {params.out:q}"
        " --stats {output.stats:q} > {log} 2>&1"


rule cross_train:
    """FDT (FDT's lambda and model) on one selector's feedback, evaluated on MinAtar."""
    input:
        CROSS.selection("{cgame}", "{csel}", "{seed}"),
    output:
        CROSS.eval_file("{cgame}", "{csel}", "{seed}"),
    log:
        logpath("cross", "train_{cgame}_{csel}_seed{seed}"),
    benchmark:
        benchpath("cross", "train_{cgame}_{csel}_seed{seed}")
    wildcard_constraints:
        **CROSS.wildcards(),
    conda:
        env_file("fdt-agent")
    params:
        cfg=lambda wc: CROSS.train_params(wc.cgame),
        lam=CROSS.lam(),
    shell:
        "python -m scripts.fdt.minatar_train --params {params.cfg:q} --seed {wildcards.seed}"
        " --threads {threads} --game {wildcards.cgame} --model fdt"
        " --data {input:q} --lam {params.lam} --out {output:q} > {log} 2>&1"


rule cross_table_selectors:
    """Each selector's FDT return, DT, and the paired differences, per game and setup."""
    input:
        CROSS.eval_inputs(),
    output:
        csv=CROSS.targets["table_feedback_selectors.csv"],
        md=CROSS.targets["table_feedback_selectors.md"],
    log:
        logpath("cross", "table"),
    conda:
        env_file("fdt-report")
    params:
        common=CROSS.common(),
        evals=" ".join(CROSS.arm_evals()),
    shell:
        "python -m scripts.cross.tables table --common {params.common:q} --evals {params.evals}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule cross_table_positions:
    """Where each selector's positions lie: overlaps and position in the episode."""
    input:
        CROSS.all_stats(),
    output:
        csv=CROSS.targets["table_selector_positions.csv"],
        md=CROSS.targets["table_selector_positions.md"],
    log:
        logpath("cross", "positions"),
    conda:
        env_file("fdt-report")
    params:
        common=CROSS.common(),
    shell:
        "python -m scripts.cross.tables positions --common {params.common:q} --stats {input:q}"
        " --csv {output.csv:q} --md {output.md:q} > {log} 2>&1"


rule cross_figure:
    """Per game and setup: each selector's FDT return with its CI, DT as a line."""
    input:
        CROSS.eval_inputs(),
    output:
        figure_report(
            CROSS.targets["fig_feedback_selectors.pdf"],
            caption="../report/cross/fig_feedback_selectors.rst",
            category="Cross (DSI x FDT)",
        ),
    log:
        logpath("cross", "figure"),
    conda:
        env_file("fdt-report")
    params:
        common=CROSS.common(),
        evals=" ".join(CROSS.arm_evals()),
    shell:
        "python -m scripts.cross.tables figure --common {params.common:q} --evals {params.evals}"
        " --out {output:q} > {log} 2>&1"


rule cross_claims:
    """Per-seed FDT(dsi) - FDT(criterion) values of the cross claims (config/claims.yaml)."""
    input:
        CROSS.eval_inputs(),
    output:
        CROSS.claims_csv(),
    log:
        logpath("cross", "claims"),
    conda:
        env_file("fdt-report")
    params:
        common=CROSS.common(),
        evals=" ".join(CROSS.arm_evals()),
    shell:
        "python -m scripts.cross.tables claims --common {params.common:q} --evals {params.evals}"
        " --out {output:q} > {log} 2>&1"


register_targets("cross", CROSS.targets)
register_claims_left_out("cross", CROSS.claims_left_out())
