"""``--format ndjson``: one finding object a line, then one summary line (for jq, Splunk, Loki)."""

from __future__ import annotations

import json
from typing import Any

from cloudwaste.report import Report

# Characters JSON leaves raw that some line splitters (Python's str.splitlines, JavaScript) break on.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _line(obj: dict[str, Any]) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)  # these only occur inside JSON strings, where \\uXXXX is valid
    return text


def render_ndjson(report: Report) -> str:
    """Each finding as in the JSON report plus ``"type": "finding"``; the last line is the summary."""
    data = report.to_json_dict()
    lines = [_line({"type": "finding", **finding}) for finding in data["findings"]]
    lines.append(
        _line(
            {
                "type": "summary",
                "schema_version": data["schema_version"],
                "tool": data["tool"],
                "scan": data["scan"],
                "summary": data["summary"],
                "gate": data["gate"],
            }
        )
    )
    return "\n".join(lines) + "\n"
