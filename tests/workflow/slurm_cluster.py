"""A throw-away single-node SLURM cluster on localhost, for the slurm profile tests.

It relies on Debian 12's slurm-wlm 22.05 packages (slurmctld, slurmd, munge), without slurmdbd.
The cluster lives in its own mount namespace: ``serve`` is started under
``unshare -m --propagation private`` and bind-mounts a scratch directory over /etc/slurm,
so the host's /etc stays untouched while sbatch, the daemons and the jobs all read the
config from the default path (the jobstep helper drops SLURM_CONF, so it must be there).
Other processes join the namespace with ``nsenter --mount=/proc/<pid>/ns/mnt``.

    unshare -m --propagation private python tests/workflow/slurm_cluster.py serve SCRATCH

writes SCRATCH/ready when the node is idle and stops the daemons (by their PIDs, in reverse
order) when it gets SIGTERM or SIGINT.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
BINARIES = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "munged", "mungekey",
            "unshare", "nsenter", "setpriv"]
PARTITION = "ci"
NODE_GPUS = 1
NODE_FEATURE = "ampere"  # what SLURM_OLD_CUDA_CONSTRAINT names in the test


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_line() -> str:
    """Node description from `slurmd -C` (CPUs, boards, sockets, cores, threads, memory)."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    fields = out.splitlines()[0].split()
    keep = ("NodeName", "CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket",
            "ThreadsPerCore", "RealMemory")
    return " ".join(f for f in fields if f.split("=")[0] in keep)


def node_name() -> str:
    return _node_line().split()[0].split("=", 1)[1]


def write_config(scratch: Path) -> Path:
    """Write slurm.conf, gres.conf and a munge key under ``scratch``; return the etc dir."""
    etc, state, munge = scratch / "etc", scratch / "state", scratch / "munge"
    for d in (etc, state, munge):
        d.mkdir(parents=True, exist_ok=True)
    slurm, munge_user = pwd.getpwnam("slurm"), pwd.getpwnam("munge")
    os.chmod(scratch, 0o755)
    os.chmod(etc, 0o755)
    for sub in ("spool", "slurmd", "log"):
        (state / sub).mkdir(exist_ok=True)
    for path in [state, *state.iterdir()]:
        os.chown(path, slurm.pw_uid, slurm.pw_gid)
    os.chmod(state, 0o755)
    os.chown(munge, munge_user.pw_uid, munge_user.pw_gid)
    os.chmod(munge, 0o755)  # the socket must be reachable by slurm and job users
    node = node_name()
    conf = f"""\
ClusterName=ci
SlurmctldHost=localhost
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge}/munge.socket
MpiDefault=none
MailProg=/bin/true
StateSaveLocation={state}/spool
SlurmdSpoolDir={state}/slurmd
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/log/slurmctld.log
SlurmdLogFile={state}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/filetxt
JobCompLoc={state}/log/jobcomp.log
AccountingStorageType=accounting_storage/none
MinJobAge=600
ReturnToService=2
KillWait=10
SchedulerParameters=sched_interval=5
GresTypes=gpu
{_node_line()} NodeAddr=127.0.0.1 Gres=gpu:{NODE_GPUS} Features={NODE_FEATURE} State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""
    (etc / "slurm.conf").write_text(conf)
    (etc / "gres.conf").write_text(f"NodeName={node} Name=gpu File=/dev/null\n")
    key = munge / "munge.key"
    if not key.exists():
        subprocess.run(["mungekey", "--create", f"--keyfile={key}"], check=True,
                       capture_output=True)
    os.chown(key, munge_user.pw_uid, munge_user.pw_gid)
    os.chmod(key, 0o400)
    return etc


def _wait(what: str, check, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check():
            return
        time.sleep(0.3)
    raise RuntimeError(f"SLURM test cluster: {what} not reached in {timeout:.0f} s")


def _ok(cmd: list[str], expect: str = "") -> bool:
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode == 0 and expect in r.stdout


def serve(scratch: Path) -> None:
    """Inside a private mount namespace: bind the config, start munged, slurmctld, slurmd."""
    etc = write_config(scratch)
    Path("/etc/slurm").mkdir(exist_ok=True)
    subprocess.run(["mount", "--bind", str(etc), "/etc/slurm"], check=True)
    munge = scratch / "munge"
    procs: list[subprocess.Popen] = []
    stop = {"now": False}

    def _stop(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log = open(scratch / "daemons.log", "ab")
    try:
        procs.append(subprocess.Popen(
            ["setpriv", "--reuid=munge", "--regid=munge", "--clear-groups", "munged", "-F",
             "--force", f"--socket={munge}/munge.socket", f"--key-file={munge}/munge.key",
             f"--pid-file={munge}/munged.pid", f"--log-file={munge}/munged.log",
             f"--seed-file={munge}/munged.seed"],
            stdout=log, stderr=log, start_new_session=True))
        _wait("munged socket", lambda: (munge / "munge.socket").exists())
        procs.append(subprocess.Popen(["slurmctld", "-D"], stdout=log, stderr=log,
                                      start_new_session=True))
        _wait("scontrol ping", lambda: _ok(["scontrol", "ping"], "UP"))
        procs.append(subprocess.Popen(["slurmd", "-D"], stdout=log, stderr=log,
                                      start_new_session=True))
        _wait("node idle", lambda: _ok(["sinfo", "-h", "-o", "%T"], "idle"))
        (scratch / "ready").write_text(str(os.getpid()))
        while not stop["now"]:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a SLURM daemon exited; see " + str(scratch / "daemons.log"))
            time.sleep(0.5)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["umount", "/etc/slurm"], capture_output=True)
        log.close()


class Cluster:
    """Handle on a running test cluster: run commands inside its mount namespace."""

    def __init__(self, scratch: Path, timeout: float = 90.0):
        self.scratch = scratch
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", sys.executable, __file__, "serve",
             str(scratch)],
            stdout=open(scratch / "serve.log", "wb"), stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        while not (scratch / "ready").exists():
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                self.stop()
                raise RuntimeError("SLURM test cluster did not start:\n" + self.logs())
            time.sleep(0.3)
        self.startup_s = time.monotonic() - t0

    def logs(self) -> str:
        parts = []
        for f in [self.scratch / "serve.log", self.scratch / "daemons.log",
                  self.scratch / "state/log/slurmctld.log", self.scratch / "state/log/slurmd.log",
                  self.scratch / "munge/munged.log"]:
            if f.exists():
                parts.append(f"--- {f.name}\n" + f.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    def wrap(self, cmd: list[str], cwd: str | os.PathLike | None = None) -> list[str]:
        # entering a mount namespace resets the working directory unless --wd names one
        return ["nsenter", f"--mount=/proc/{self.proc.pid}/ns/mnt",
                f"--wd={os.path.abspath(cwd or os.getcwd())}", "--", *cmd]

    def run(self, cmd: list[str], cwd=None, **kw) -> subprocess.CompletedProcess:
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.wrap(cmd, cwd), **kw)

    def popen(self, cmd: list[str], cwd=None, **kw) -> subprocess.Popen:
        return subprocess.Popen(self.wrap(cmd, cwd), **kw)

    def squeue_all(self) -> list[dict[str, str]]:
        """Every job slurmctld still knows (MinJobAge=600): id, name, state, comment."""
        out = self.run(["squeue", "--states=all", "-h", "-o", "%i|%j|%T|%k"]).stdout
        return [dict(zip(("id", "name", "state", "comment"), line.split("|", 3)))
                for line in out.splitlines() if line.strip()]

    def show_job(self, job_id: str) -> dict[str, str]:
        out = self.run(["scontrol", "show", "job", "-o", job_id]).stdout
        return dict(tok.split("=", 1) for tok in out.split() if "=" in tok)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    serve(Path(sys.argv[2]))
