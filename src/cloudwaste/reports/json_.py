"""``--format json``: exactly the versioned contract of :meth:`Report.to_json_dict`."""

from __future__ import annotations

import json

from cloudwaste.report import Report


def render_json(report: Report) -> str:
    """The report as indented JSON (UTF-8 text, trailing newline)."""
    return json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False) + "\n"
