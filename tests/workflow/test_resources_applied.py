"""Rules carry no threads or resources: the Snakefile gives each rule those of its table by name
(rules/common.smk apply_resources). A dry run shows them on the jobs, by wildcard where a table
entry has `by`, with --set-threads and --set-resources still winning."""
from __future__ import annotations

import re

from tests.workflow.helpers import snakemake


def _jobs(out: str) -> list[dict]:
    jobs = []
    for block in re.split(r"^(?=rule \w+:)", out, flags=re.M):
        rule = re.search(r"^rule (\w+):", block, re.M)
        res = re.search(r"^\s+resources: (.*)$", block, re.M)
        if rule and res:
            wc = re.search(r"^\s+wildcards: (.*)$", block, re.M)
            threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
            jobs.append({"rule": rule.group(1), "wildcards": wc.group(1) if wc else "",
                         "threads": int(threads.group(1)) if threads else 1,
                         "resources": dict(kv.split("=", 1) for kv in res.group(1).split(", "))})
    return jobs


def test_jobs_get_their_rules_resources(tmp_path):
    proc = snakemake("-n", "--cores", "64", "figures/lse/all", "figures/trex/all", "--config", "scale=paper",
                     "--set-resources", "lse_select_rn:runtime=999", "--set-threads", "lse_train_se=3",
                     "-d", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    jobs = _jobs(proc.stdout)

    def one(rule, wildcard=""):
        return next(j for j in jobs if j["rule"] == rule and wildcard in j["wildcards"])

    # config/lse.yaml, paper: a rule's entry, and its `by: env` block for Cliff Walking
    assert one("lse_train_rn", "env=cartpole")["threads"] == 16
    assert one("lse_train_rn", "env=cartpole")["resources"]["runtime"] == "5760"
    assert one("lse_train_rn", "env=cliff")["threads"] == 1
    assert one("lse_train_rn", "env=cliff")["resources"]["mem_mb"] == "1000"
    # the table's default, for a rule it does not list; --set-* win over the table
    assert one("lse_fig2")["resources"]["runtime"] == "30"
    assert one("lse_select_rn")["resources"]["runtime"] == "999"
    assert one("lse_train_se")["threads"] == 3
    # `by: kind`, a selector rules/trex.smk registers (an env's kind: mujoco or atari)
    assert one("trex_train_policy", "env=hopper")["resources"]["runtime"] == "240"
    atari = one("trex_train_policy", "env=breakout")
    assert (atari["threads"], atari["resources"]["gpu"], atari["resources"]["runtime"]) == (8, "1", "2880")
