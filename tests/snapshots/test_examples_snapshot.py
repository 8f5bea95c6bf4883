"""The evaluation of the example portfolio on 2026-11-20, compared with a golden JSON file.

Regenerate the file after an intended change with ``UPDATE_SNAPSHOTS=1 pytest tests/snapshots``
and review the diff like code.
"""

import json
import os
from datetime import date
from pathlib import Path

from dunning.engine import evaluate
from dunning.io import read_customers, read_invoices
from dunning.policy.io import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SNAPSHOT = Path(__file__).with_name("examples_2026-11-20.json")


def _evaluation() -> str:
    invoices = read_invoices(EXAMPLES / "invoices.csv")
    customers = read_customers(EXAMPLES / "customers.csv")
    assert invoices.errors == customers.errors == ()
    policy = load_policy(EXAMPLES / "policies" / "portfolio.toml")
    result = evaluate(invoices.items, policy, date(2026, 11, 20), customers=customers.items)
    return result.model_dump_json(indent=2) + "\n"


def test_examples_evaluation_matches_the_snapshot() -> None:
    actual = _evaluation()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(actual, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert json.loads(actual) == json.loads(expected), (
        "the evaluation of the examples changed; if intended, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/snapshots and review the diff"
    )
    assert actual == expected


def test_the_snapshot_covers_both_policies() -> None:
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    policies = {stage["policy_id"] for stage in snapshot["stages"]}
    assert policies == {"b2b", "b2c"}
    kinds = {action["kind"] for action in snapshot["actions"]}
    assert {"send_message", "enter_stage", "charge_fee", "hand_off", "suspend_service"} <= kinds
