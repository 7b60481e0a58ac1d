"""The report check helper reads a report's categories and opens one result on load."""
from __future__ import annotations

import pytest

from scripts.tools.report_view import categories, open_result

REPORT = ('<script>var categories = {"T-REX": {"1. Tables": ["figures/trex/compare_to_paper.html"]}};\n'
          '</script><script>const root = ReactDOM.createRoot(document.querySelector(\'#app\'));'
          ' root.render(e(App));</script>')


def test_categories_and_open_result():
    assert categories(REPORT) == {"T-REX": {"1. Tables": ["figures/trex/compare_to_paper.html"]}}
    out = open_result(REPORT, "figures/trex/compare_to_paper.html")
    assert 'content: "html"' in out
    assert 'results["figures/trex/compare_to_paper.html"].data_uri' in out
    assert "root.render(e(App));" not in out


def test_not_a_report():
    with pytest.raises(ValueError):
        categories("<html></html>")
