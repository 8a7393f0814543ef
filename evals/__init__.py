"""Quality measurements on labelled data (`make eval`): guardrails, intents, retrieval.

Public data sets written by others (Bitext customer support, ePQA, CLINC150, ABCD, SMS spam,
Presidio's research set; each folder with its licence and a SOURCE.md saying where it comes
from) are read from EVAL_DATA: the folder `REPLYDESK_EVAL_DATA` names, else the folder where
the project's own workspace keeps them (`shared/eval-data` beside the repository).
They are not shipped with replydesk; an eval that needs one and does not find it is skipped and
says which folder it looked for.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL_DATA = Path(os.environ.get("REPLYDESK_EVAL_DATA") or REPO.parent / "shared" / "eval-data")
