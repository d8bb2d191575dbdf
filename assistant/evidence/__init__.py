"""Evidence: the run folder and what seals it.

    files.py     file names, private atomic writes, the time format, email masking (imports none of the others)
    run.py       the run folder, written step by step; the list of past runs
    manifest.py  the SHA-256 manifest written last, and `verify`
    report.py    report.html from report.json and run.json (jinja, imported only when a run ends)
    breakage.py  the breakage bundle (`optout breakage-report`), email addresses masked

The imports go one way: files <- manifest <- run -> report (lazily); breakage uses files and manifest.
The screenshots and outlines themselves are taken in assistant/session.py (class Evidence).
"""

from assistant.evidence.files import (
    FILE_MODE,
    REPORT_FILE,
    RUN_FILE,
    EvidenceWriteError,
    mask_email,
    utc_iso,
    write_private,
)
from assistant.evidence.manifest import VerifyResult, chain_of, manifest_chain, verify, write_manifest
from assistant.evidence.run import Run, RunSummary, list_runs

__all__ = [
    "FILE_MODE",
    "REPORT_FILE",
    "RUN_FILE",
    "EvidenceWriteError",
    "Run",
    "RunSummary",
    "VerifyResult",
    "chain_of",
    "list_runs",
    "manifest_chain",
    "mask_email",
    "utc_iso",
    "verify",
    "write_manifest",
    "write_private",
]
