"""What the workflow needs to know about running on a cluster: which rules stay on the
submitting node, and which conda env lane a rule runs in."""
from __future__ import annotations

import re
from typing import Iterable, List

# rules that only download, tabulate, plot, compare, report or list: seconds to minutes of CPU
# each, and downloads need the internet that compute nodes may lack
LOCAL_RULE = re.compile(
    r"^(all|manifest_.*)$|_download_|_table_|_fig|_plot_|_compare$|_report$|_draw_cases$"
    r"|_detach_ablation$|_env_info$|_claims$|scorecard|verdict"
)


def local_rules(names: Iterable[str]) -> List[str]:
    """The rules among ``names`` that run on the submitting node under a cluster executor:
    every download, table, figure, comparison and report rule, the manifests and the
    scorecard."""
    return sorted(name for name in names if LOCAL_RULE.search(name))


# the env every rule runs in when the workflow is run with --config env_lane=current
CURRENT_LANE_ENV = "current"
ENV_LANES = ("pinned", "current")
