"""A quiet terminal for `make all`: Snakemake's output, minus the bulk of each job's details.

    snakemake figures/all 2>&1 | python -m scripts.tools.quiet_log

Each job keeps its start time, its "rule <name>:" line, its wildcards and its log path; the
input, output, reason, resource and benchmark lines of jobs that start are dropped (Snakemake
still tracks them, and `snakemake --summary` or the complete log under .snakemake/log/ shows
them), and so are the scheduler's "Select jobs"/"Execute n jobs" lines and repeated config
notices. Anything else passes unchanged: progress, errors with all their details, failed jobs'
logs, summaries.
Reads stdin line by line and flushes each line, so progress shows as it happens.
"""
from __future__ import annotations

import re
import sys
from typing import Iterable, Iterator

JOB_HEADER = re.compile(r"^(local)?(rule|checkpoint) \w+:$")
DETAIL = re.compile(r"^    (\w+): ")
KEEP = {"wildcards", "log"}
# lines that say nothing a reader needs: scheduler chatter, and config notices repeated per file
NOISE = re.compile(r"^(Select jobs to execute\.\.\.|Execute \d+ jobs\.\.\.|Config file .* is "
                   r"extended by additional config specified via the command line\.)$")
TIMESTAMP = re.compile(r"^\[\w{3} \w{3} +\d+ [\d:]+ \d{4}\]$")


def quiet(lines: Iterable[str]) -> Iterator[str]:
    """Yield the lines worth showing (each with its newline, as read). A timestamp is shown
    where a job starts, not again where it finishes."""
    in_job = False
    held = None  # a timestamp line, shown unless a "Finished jobid" line follows it
    for line in lines:
        text = line.rstrip("\n")
        if held is not None:
            if not text.startswith("Finished jobid"):
                yield held
            held = None
        if TIMESTAMP.match(text):
            held = line
            in_job = False
            continue
        if JOB_HEADER.match(text):
            in_job = True
            yield line
            continue
        if in_job:
            detail = DETAIL.match(text)
            if detail:
                if detail.group(1) in KEEP:
                    yield line
                continue
            in_job = False
        if NOISE.match(text):
            continue
        yield line
    if held is not None:
        yield held


def main() -> int:
    for line in quiet(iter(sys.stdin.readline, "")):
        sys.stdout.write(line)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
