"""Markdown tables and summaries render as HTML tables and text for the report."""
from __future__ import annotations

from scripts.common.md_html import to_html

MD = """# T-REX vs the paper

Scale: **smoke**, seeds: **1**. Columns marked *paper* are the paper's.

| env | ours | paper |
| --- | --- | --- |
| hopper | 12.3 [10.1, 14.5] | 3.7 |
| a\\|b | `x<y` | – |

- first note
  continued
- second
"""


def test_table_heading_and_text():
    out = to_html(MD, title="t")
    assert "<h1>T-REX vs the paper</h1>" in out
    assert "<strong>smoke</strong>" in out and "<em>paper</em>" in out
    assert ("<thead><tr><th>env</th><th>ours</th><th>paper</th></tr></thead>"
            "<tbody><tr><td>hopper</td><td>12.3 [10.1, 14.5]</td><td>3.7</td></tr>"
            "<tr><td>a|b</td><td><code>x&lt;y</code></td><td>–</td></tr></tbody>") in out
    assert "<ul><li>first note continued</li><li>second</li></ul>" in out
    assert out.count("<table>") == 1
