"""replydesk: drafts of replies to Amazon buyer messages, guarded against Amazon's rules.

The packages follow one request's flow (see docs/architecture.md): `understand` → `knowledge`
→ `generate` → `guardrails` (the top-level pure library) → `store`, tied together by `compose`;
`api` and `cli` are the two ways in, `review`, `clock` and `ops` serve them.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
#: Files the service reads at run time: intent examples, escalation phrases, built models.
DATA_DIR = PACKAGE_DIR / "data"
#: HTML templates and static files of the review page and the audit report.
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
