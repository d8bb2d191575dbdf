"""The short human summary printed after a run (the report has the whole story)."""

from __future__ import annotations

from assistant.evidence import mask_email

PLAIN = {
    "available": "the objection is offered",
    "not_offered": "Meta offers no objection here",
    "login_required": "you need to log in first",
    "blocked": "Meta asks for a security check",
    "unknown": "the page was not what the assistant expects",
    "error": "something failed",
    "submitted": "objection sent, and Meta confirmed it",
    "awaiting_confirmation": "the form is filled in and waits for your confirmation",
    "rejected": "Meta refused the form",
    "already_objected": "already covered by a confirmed objection; not sent again",
    "on": "the AI-training switch is on (you can switch it off)",
    "off": "the AI-training switch is off",
}


def human_summary(report: dict) -> str:
    lines = []
    for r in report.get("results", []):
        from assistant.evidence.report import platform_name

        name = platform_name(r["platform"])
        lines.append(f"{name}: {PLAIN.get(r['status'], r['status'])} [{r['status']}]")
        lines.append(f"  {mask_email(r['detail'])}")
        if r.get("object_link"):
            lines.append(f"  Link: '{r['object_link']['text']}' -> {r['object_link']['href']}")
        if r.get("region"):
            reg = r["region"]
            flag = "  MISMATCH: " if reg.get("mismatch") else "  "
            lines.append(f"{flag}{reg['note']}")
        if r.get("setting"):
            lines.append(f"  Switch: '{r['setting']['label']}': {r['setting']['state']}")
        if r.get("confirmation"):
            lines.append(f"  Meta's confirmation: {r['confirmation']['text'][:300]}")
        if r.get("further"):
            further = r["further"]
            lines.append(f"  {further['name']}: [{further['status']}] {mask_email(further['detail'])}")
        for step in r.get("next_steps", []):
            lines.append(f"  - {step}")
    if report.get("evidence_dir"):
        lines.append(f"Evidence: {report['evidence_dir']}  (report.html; check it with: optout verify <folder>)")
    return "\n".join(lines)
