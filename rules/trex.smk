# scaffold: replaced by the T-REX rules
rule trex_scaffold:
    output:
        fig("trex", "scaffold.txt"),
    log:
        logpath("trex", "scaffold"),
    conda:
        env_file("workflow")
    threads: threads_of("trex", "default")
    resources:
        runtime=runtime("trex", "default"),
        mem_mb=mem_mb("trex", "default"),
        gpu=gpus("trex", "default"),
    params:
        scale=SCALE,
    shell:
        "echo {params.scale} > {output} 2> {log}"


register_target("trex", fig("trex", "scaffold.txt"), "nothing")
