"""Rule lse_mbrl_eval: vary-HP agents trained on the supervised (MBRL) models, tested on the
real env (the same protocol as lse_eval_se)."""
from __future__ import annotations

import sys

from scripts.lse.eval_se import Params, main

__all__ = ["Params", "main"]

if __name__ == "__main__":
    sys.exit(main())
