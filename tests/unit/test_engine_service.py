"""The service rule: suspension and resumption, field by field."""

from __future__ import annotations

from datetime import date

from test_engine import invoice, pay, run, staged

from dunning import ActionKind


def test_service_resumes_once_no_open_invoice_is_at_a_suspending_stage() -> None:
    first = run([invoice()], date(2026, 5, 5), staged())
    paid = invoice(payments=[pay("1000.00", date(2026, 5, 10))])
    (resume,) = run([paid], date(2026, 5, 11), staged(), history=first.history()).actions
    assert resume.model_dump() == {
        "key": "b2c:C1:resume:1",
        "customer_id": "C1",
        "invoice_ids": (),
        "due_on": date(2026, 5, 11),
        "covers": (),
        "reason": {
            "rule": "resume",
            "text": "resume service: no open invoice is at a suspending stage any more",
            "figures": (),
        },
        "rule_id": "resume",
        "occurrence": 1,
        "kind": ActionKind.RESUME_SERVICE,
    }
