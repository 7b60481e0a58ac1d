"""The quiet terminal keeps each job's rule, wildcards and log, and every error in full."""
from __future__ import annotations

from scripts.tools.quiet_log import quiet

RUN = """\
Config file config/trex.yaml is extended by additional config specified via the command line.
Select jobs to execute...
Execute 1 jobs...
[Sun Dec  6 18:07:13 2026]
rule trex_train_policy:
    input: results/laptop/trex/reward/halfcheetah/model.pt
    output: results/laptop/trex/policy/halfcheetah/seed0/final.pt
    log: logs/laptop/trex/policy/halfcheetah/seed0.log
    jobid: 14
    reason: Missing output files: results/laptop/trex/policy/halfcheetah/seed0/final.pt
    wildcards: env=halfcheetah, seed=0
    resources: tmpdir=/tmp, runtime=20, gpu=0, mem_mb=2000
Shell command: python -m scripts.trex.train_policy --params '{"lr": 0.0003}'
[Sun Dec  6 18:09:13 2026]
Finished jobid: 14 (Rule: trex_train_policy)
5 of 206 steps (2%) done
[Sun Dec  6 18:09:14 2026]
Error in rule trex_eval_policy:
    message: None
    jobid: 15
    input: results/laptop/trex/policy/halfcheetah/seed0/final.pt
    output: results/laptop/trex/eval/halfcheetah/seed0.csv
    log: logs/laptop/trex/eval/halfcheetah/seed0.log (check log file(s) for error details)
    shell:
        python -m scripts.trex.eval_policy --params '{"episodes": 5}'
        (command exited with non-zero exit status 1)
"""


def test_drops_job_details_but_keeps_rule_wildcards_log_and_errors():
    out = "".join(quiet(RUN.splitlines(keepends=True)))
    assert "rule trex_train_policy:\n    log: logs/laptop/trex/policy/halfcheetah/seed0.log\n" \
           "    wildcards: env=halfcheetah, seed=0\nShell command" in out
    assert "reason:" not in out and "resources:" not in out
    assert "results/laptop/trex/reward" not in out  # the started job's input
    assert "5 of 206 steps (2%) done" in out
    assert out.startswith("[Sun Dec  6 18:07:13 2026]\nrule trex_train_policy:")  # noise dropped
    assert "[Sun Dec  6 18:09:13 2026]" not in out  # no second timestamp for the finished job
    assert "[Sun Dec  6 18:09:14 2026]\nError in rule" in out
    error = RUN[RUN.index("Error in rule"):]
    assert out.endswith(error)  # the error block, inputs and all, unchanged
    assert len(out) < len(RUN)
