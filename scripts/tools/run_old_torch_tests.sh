#!/usr/bin/env bash
# Run the tests marked `@pytest.mark.old_torch` (plain PyTorch/numpy code: the paper stages
# whose envs pin PyTorch 1.x, and scripts/common) under an older PyTorch: Debian 12's
# python3-torch 1.13.1 on the system Python, next to the host venv's torch 2.x.
#
#   scripts/tools/run_old_torch_tests.sh            # run them (fails if torch is missing)
#   scripts/tools/run_old_torch_tests.sh --install  # apt-get install the packages first (root)
#
# Environment: OLD_TORCH_PYTHON (default /usr/bin/python3). Extra arguments go to pytest.
# Only test files that mention the marker are collected, so files that need packages Debian
# does not ship (tianshou, gymnasium, ...) are never imported.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${OLD_TORCH_PYTHON:-/usr/bin/python3}
APT_PACKAGES="python3-torch python3-pytest python3-numpy python3-pandas python3-scipy python3-yaml python3-tqdm"

if [[ "${1:-}" == "--install" ]]; then
    shift
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $APT_PACKAGES
fi
if ! "$PY" -c "import torch, numpy, pytest" 2>/dev/null; then
    echo "old-torch tests: $PY has no torch/numpy/pytest; install with" >&2
    echo "  apt-get install -y --no-install-recommends $APT_PACKAGES" >&2
    exit 1
fi
"$PY" -c "import sys, torch, numpy; print(f'old-torch tests: Python {sys.version.split()[0]}, torch {torch.__version__}, numpy {numpy.__version__}')"
mapfile -t files < <(grep -rlE 'mark\.old_torch' tests --include='test_*.py' | sort)
if [[ ${#files[@]} -eq 0 ]]; then
    echo "old-torch tests: no test file is marked old_torch" >&2
    exit 1
fi
exec "$PY" -m pytest -p no:cacheprovider -o addopts="" -m old_torch "${files[@]}" "$@"
