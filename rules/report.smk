# The report's views of the tables and figures (`snakemake --report report.html figures/all`):
# a PNG beside every figure's PDF and an HTML page beside every Markdown table or summary, each
# with its caption, under the paper's category. One small local rule per figure and per table,
# generated from what the papers' rules declared (figure_report) and registered (TARGETS).
import re

from scripts.common.figpaths import png_preview

REPORT_CATEGORY = {
    "dsi": "DSI",
    "fdt": "FDT",
    "irrl": "IRRL",
    "lse": "LSE",
    "trex": "T-REX",
    "cross": "Cross (DSI x FDT)",
}


def _within_paper(path):
    """figures/<paper>/<rest>.<ext> -> <rest> (no extension)."""
    return os.path.splitext(str(Path(*Path(path).parts[2:])))[0]


def _rule_id(path):
    return re.sub(r"\W+", "_", _within_paper(path)).strip("_")


def _caption(paper, stem):
    """report/<paper>/<stem>.rst where written, else the generic table caption."""
    own = os.path.join("report", paper, f"{stem}.rst")
    if os.path.exists(os.path.join(workflow.basedir, own)):
        return f"../{own}"
    return "../report/table.rst"


def _figure_entry(pdf):
    """The figure_report entry whose path (a pattern with wildcards, or the path) matches."""
    if pdf in FIGURE_REPORTS:
        return FIGURE_REPORTS[pdf]
    for pattern, entry in FIGURE_REPORTS.items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(pattern))
        if re.fullmatch(regex, pdf):
            return entry
    raise WorkflowError(
        f"{pdf}: a registered figure whose rule does not declare it with "
        "figure_report(...), so it has no caption in the report"
    )


_FIGURE_PDFS = sorted(
    {t["path"] for _p in PAPERS for t in TARGETS[_p] if t["path"].endswith(".pdf") and not t["left_out"]}
)

for _pdf in _FIGURE_PDFS:
    _paper = Path(_pdf).parts[1]
    _entry = _figure_entry(_pdf)

    rule:
        name:
            f"{_paper}_fig_png_{_rule_id(_pdf)}"
        input:
            _pdf,
        output:
            report(
                f"{os.path.splitext(_pdf)[0]}.png",
                caption=_entry["caption"],
                category=_entry["category"],
                subcategory=_entry["subcategory"],
            ),
        log:
            logpath(_paper, "report", f"{_within_paper(_pdf)}.png"),
        conda:
            env_file("workflow")
        params:
            # written by scripts.common.plotting.save_figure beside the PDF
            preview=lambda wc, input: png_preview(input[0]),
        shell:
            "if [ -f {params.preview:q} ]; then cp {params.preview:q} {output:q};"
            " else echo 'no PNG preview {params.preview} beside {input}: rerun the rule that"
            " makes {input} (snakemake --forcerun {input})' >&2; exit 1; fi > {log} 2>&1"


_TABLE_MDS = sorted(
    {t["path"] for _p in PAPERS for t in TARGETS[_p] if t["path"].endswith(".md") and not t["left_out"]}
)

for _md in _TABLE_MDS:
    _paper = Path(_md).parts[1]

    rule:
        name:
            f"{_paper}_table_html_{_rule_id(_md)}"
        input:
            _md,
        output:
            report(
                f"{os.path.splitext(_md)[0]}.html",
                caption=_caption(_paper, os.path.splitext(os.path.basename(_md))[0]),
                category=REPORT_CATEGORY.get(_paper, _paper),
                subcategory=REPORT_TABLES,
            ),
        log:
            logpath(_paper, "report", f"{_within_paper(_md)}.html"),
        conda:
            env_file("workflow")
        shell:
            "python -m scripts.common.md_html --md {input:q} --out {output:q} > {log} 2>&1"
