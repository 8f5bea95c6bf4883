"""Every bundled template rendered in each locale, compared with a golden JSON file per locale.

Regenerate after an intended change with ``UPDATE_SNAPSHOTS=1 pytest tests/snapshots`` and
review the diff like code: it is the text customers read.
"""

import json
import os
from pathlib import Path

import pytest

from dunning.messages import LOCALES, MESSAGE_KINDS, Business, render
from dunning.messages.check import SAMPLE_CURRENCIES, sample_customer, sample_link, sample_notice

BUSINESS = Business(name="Comercial Andina", email="cartera@andina.example", phone="601 555 0100")
# E-mail in every tone; the other channels in the tone their reminders use most.
CASES = [("email", tone) for tone in ("friendly", "neutral", "firm", "final")] + [
    (channel, "friendly") for channel in ("sms", "whatsapp", "postal", "phone")
]


def _rendered(locale: str) -> str:
    messages = {
        f"{kind}/{channel}/{tone}": render(
            sample_notice(kind, channel, locale, tone),
            sample_customer(locale),
            link=sample_link(SAMPLE_CURRENCIES[locale]),
            business=BUSINESS,
        ).model_dump(mode="json", exclude_none=True)
        for kind in MESSAGE_KINDS
        for channel, tone in CASES
    }
    return json.dumps(messages, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("locale", LOCALES)
def test_bundled_messages_match_the_snapshot(locale: str) -> None:
    snapshot = Path(__file__).with_name(f"messages_{locale}.json")
    actual = _rendered(locale)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(actual, encoding="utf-8")
    assert actual == snapshot.read_text(encoding="utf-8"), (
        f"the {locale} messages changed; if intended, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/snapshots and review the diff"
    )
