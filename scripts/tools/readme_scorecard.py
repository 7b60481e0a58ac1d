"""Copy the latest laptop scorecard (figures/scorecard.md, with its date and commit) into the
README, between the ``<!-- scorecard:begin -->`` and ``<!-- scorecard:end -->`` markers.

    python -m scripts.tools.readme_scorecard [--scorecard figures/scorecard.md] [--readme README.md]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

BEGIN, END = "<!-- scorecard:begin -->", "<!-- scorecard:end -->"


def embed(readme: str, scorecard: str, scale: str = "laptop") -> str:
    """The README with the scorecard's body (its title line dropped, headings demoted) between
    the markers; fails when the scorecard is of another scale or the markers are missing."""
    m = re.search(r"Scale: \*\*(\w+)\*\*", scorecard)
    if not m or m.group(1) != scale:
        raise ValueError(f"the scorecard is not of scale {scale!r}: build it with "
                         f"`snakemake figures/scorecard.md --config scale={scale}`")
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"the README lacks the markers {BEGIN} ... {END}")
    body = scorecard.split("\n", 1)[1].strip() if scorecard.startswith("# ") else scorecard.strip()
    body = re.sub(r"^## ", "#### ", body, flags=re.M)
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{body}\n{END}{tail}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scorecard", default="figures/scorecard.md")
    p.add_argument("--readme", default="README.md")
    p.add_argument("--scale", default="laptop")
    args = p.parse_args(argv)
    readme = Path(args.readme)
    readme.write_text(embed(readme.read_text(), Path(args.scorecard).read_text(), args.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
