"""The audit report as Markdown (for a ticket or an e-mail) and HTML (to open in a browser).

Both render the stored JSON report, so an old audit prints as it did the day it ran.
"""

from __future__ import annotations

from typing import Any

import jinja2

from service import TEMPLATES_DIR

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def html(report: dict[str, Any]) -> str:
    # Autoescaped: the examples quote sent replies, which an agent may have typed anything into.
    return _ENV.get_template("audit.html").render(report=report, pct=_pct)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def markdown(report: dict[str, Any]) -> str:
    summary, sample = report["summary"], report["sample"]
    lines = [
        f"# Compliance audit {report.get('audit_id', '')}".rstrip(),
        "",
        f"Run {report['created_at']} under policy {report['policy_version']}: "
        f"{summary['replies']} sent replies ({sample['mode']}"
        + (f", seed {sample['seed']}" if sample["seed"] is not None else "")
        + f"), {summary['with_violations']} with a violation "
        f"({_pct(summary['violation_rate'])}); {summary['templates_with_errors']} of "
        f"{summary['templates_checked']} templates need fixing.",
        "",
        "## What to update",
        "",
    ]
    lines += [f"- {item}" for item in report["recommendations"]] or ["- Nothing: no violations."]
    lines += ["", "## Violations by rule", ""]
    lines += _table(
        ["rule", "replies", "findings", "actions"],
        [
            [
                rule,
                row["replies"],
                row["findings"],
                ", ".join(f"{a} {n}" for a, n in row["actions"].items()),
            ]
            for rule, row in report["by_rule"].items()
        ],
    )
    for title, key in (
        ("By agent", "by_agent"),
        ("By template", "by_template"),
        ("By KB source", "by_source"),
    ):
        lines += [f"## {title}", ""]
        lines += _table(
            ["name", "replies", "with violations", "rate", "rules"],
            [
                [
                    r["name"],
                    r["replies"],
                    r["with_violations"],
                    _pct(r["violation_rate"]),
                    ", ".join(r["rules"]) or "–",
                ]
                for r in report[key]
            ],
        )
    lines += ["## Examples", ""]
    for rule, row in report["by_rule"].items():
        for example in row["examples"]:
            lines.append(
                f"- **{rule}** ({example['action']}) in draft {example['draft_id']} by "
                f"{example['agent']}: “{_cell(example['excerpt'])}” — {example['message']}"
            )
    lines += ["", "## Templates", ""]
    for row in report["templates"]:
        for problem in row["errors"]:
            lines.append(f"- {row['path']} (error) {problem}")
        for problem in row["warnings"]:
            lines.append(f"- {row['path']} (warning) {problem}")
    if not report["templates"]:
        lines.append("- Every template passes the current guardrails.")
    lines += ["", "## Definitions", ""]
    lines += [f"- **{name}**: {text}" for name, text in report["definitions"].items()]
    return "\n".join(lines) + "\n"
