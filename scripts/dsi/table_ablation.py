"""Loss ablation table (rule dsi_table_ablation): the full loss against each term removed and
non-iterative training, same recipe, data and seeds."""
from __future__ import annotations

from scripts.common import cli
from scripts.common.tables import load_reported, write_table
from scripts.dsi.table_gridworld import f1_rows, parse_runs

NAMES = {"full": "full loss", "no_rev": "without L_rev", "no_com": "without L_com",
         "no_imp": "without L_imp", "noniter": "non-iterative (joint step)"}


def main() -> None:
    p = cli.parser(__doc__, seed=False)
    p.add_argument("--scale", required=True)
    p.add_argument("--runs", nargs="+", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--md", required=True)
    args = p.parse_args()
    cli.setup(args)
    runs = parse_runs(args.runs)
    table, _ = f1_rows(runs, load_reported("dsi").iloc[0:0],
                       method_of=lambda r: f"DSI {r['recipe']}: {NAMES[r['ablation']]}")
    write_table(table, args.csv, args.md, title="DSI: loss ablations on GridWorld",
                scale=args.scale, seeds=len({r["seed"] for r in runs}), notes=[
                    "Same data, recipe and seeds; one loss weight set to 0, or D and G stepped "
                    "jointly on the summed loss. The paper's ablation values are not in the "
                    "released material (the README gives none).",
                ])


if __name__ == "__main__":
    main()
