from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from dunning.analytics import DEFAULT_BUCKETS, AgingBucket, aging, balance_on
from dunning.invoices import Charge, CreditNote, Invoice, Payment
from dunning.money import Money

AS_OF = date(2026, 11, 20)


def invoice(
    invoice_id: str, customer: str, currency: str, total: str, due: date, **extra: Any
) -> Invoice:
    return Invoice(
        id=invoice_id,
        customer_id=customer,
        currency=currency,
        total=total,
        issue_date=date(2026, 6, 1),
        due_date=due,
        **extra,
    )


def pay(amount: str, currency: str, on: date) -> Payment:
    return Payment(id=f"P-{amount}-{on}", date=on, amount=Money(amount, currency))


PORTFOLIO = [
    # C1, USD: 100.10 current, 250.25 due today (current), 75.05 at 1 day, 30.00 at 30 days.
    invoice("A", "C1", "USD", "100.10", date(2026, 12, 1)),
    invoice("B", "C1", "USD", "250.25", AS_OF),
    invoice("C", "C1", "USD", "75.05", date(2026, 11, 19)),
    invoice("D", "C1", "USD", "50.00", date(2026, 10, 21),
            payments=[pay("20.00", "USD", date(2026, 11, 1))]),
    # C1, COP: 30 and 60 days.
    invoice("E", "C1", "COP", "1500000", date(2026, 10, 21)),
    invoice("F", "C1", "COP", "800000", date(2026, 9, 21)),
    # C2, USD: 61 and 90 days, over 90, a charge, a credit note.
    invoice("G", "C2", "USD", "1000.00", date(2026, 9, 20), charges=[
        Charge(id="K", date=date(2026, 10, 1), kind="fee", amount=Money("15.00", "USD"))]),
    invoice("H", "C2", "USD", "10.01", date(2026, 8, 22)),
    invoice("I", "C2", "USD", "999.99", date(2026, 8, 21), credit_notes=[
        CreditNote(id="N", date=date(2026, 9, 1), amount=Money("99.99", "USD"))]),
    # Left out: paid, void, fully paid though open, issued after the date.
    invoice("J", "C2", "USD", "5.00", date(2026, 9, 1), status="paid"),
    invoice("K", "C2", "USD", "5.00", date(2026, 9, 1), status="void"),
    invoice("L", "C2", "USD", "5.00", date(2026, 9, 1),
            payments=[pay("5.00", "USD", date(2026, 9, 1))]),
    Invoice(id="M", customer_id="C2", currency="USD", total="7.00",
            issue_date=date(2026, 11, 21), due_date=date(2026, 12, 21)),
]  # fmt: skip


def test_aging_exact_figures() -> None:
    report = aging(PORTFOLIO, AS_OF)
    table = {
        (line.customer_id, line.currency): ([str(a.amount) for a in line.amounts], line.counts)
        for line in (*report.lines, *report.totals)
    }
    assert table == {
        ("C1", "COP"): (["0", "1500000", "800000", "0", "0"], (0, 1, 1, 0, 0)),
        ("C1", "USD"): (["350.35", "105.05", "0.00", "0.00", "0.00"], (2, 2, 0, 0, 0)),
        ("C2", "USD"): (["0.00", "0.00", "0.00", "1025.01", "900.00"], (0, 0, 0, 2, 1)),
        (None, "COP"): (["0", "1500000", "800000", "0", "0"], (0, 1, 1, 0, 0)),
        (None, "USD"): (["350.35", "105.05", "0.00", "1025.01", "900.00"], (2, 2, 0, 2, 1)),
    }
    assert report.currencies == ("COP", "USD")
    assert str(report.total("USD").total) == "2380.41 USD"
    assert report.total("USD").count == 7
    assert str(report.total("COP").total) == "2300000 COP"
    assert [line.currency for line in report.for_customer("C1")] == ["COP", "USD"]
    with pytest.raises(KeyError):
        report.total("EUR")


def test_balances_are_those_of_the_date() -> None:
    before = aging(PORTFOLIO, date(2026, 10, 31))
    # D was not yet paid in part; G had its 15.00 charge; M was not issued.
    assert str(before.total("USD").total) == "2400.41 USD"
    d = PORTFOLIO[3]
    assert str(balance_on(d, date(2026, 10, 31))) == "50.00 USD"
    assert str(balance_on(d, date(2026, 11, 1))) == "30.00 USD"
    overpaid = invoice("O", "C", "USD", "10.00", AS_OF, payments=[pay("12.00", "USD", AS_OF)])
    assert str(balance_on(overpaid, AS_OF)) == "0 USD"


def test_empty_portfolio() -> None:
    report = aging([], AS_OF)
    assert report.lines == report.totals == ()
    assert report.to_rows() == (
        (
            "customer",
            "currency",
            "current",
            "1-30",
            "31-60",
            "61-90",
            "over 90",
            "total",
            "invoices",
        ),
    )


def test_rows_and_text() -> None:
    report = aging(PORTFOLIO[:6], AS_OF)
    assert report.to_rows()[1:] == (
        ("C1", "COP", "0", "1500000", "800000", "0", "0", "2300000", "2"),
        ("TOTAL", "COP", "0", "1500000", "800000", "0", "0", "2300000", "2"),
        ("C1", "USD", "350.35", "105.05", "0.00", "0.00", "0.00", "455.40", "4"),
        ("TOTAL", "USD", "350.35", "105.05", "0.00", "0.00", "0.00", "455.40", "4"),
    )
    assert len(report.to_rows(totals=False)) == 3
    assert report.to_text(totals_only=True) == (
        "customer  currency  current     1-30   31-60  61-90  over 90    total  invoices\n"
        "--------  --------  -------  -------  ------  -----  -------  -------  --------\n"
        "TOTAL     COP             0  1500000  800000      0        0  2300000         2\n"
        "TOTAL     USD        350.35   105.05    0.00   0.00     0.00   455.40         4"
    )
    assert report.to_text().count("\n") == 5


def test_custom_buckets() -> None:
    buckets = [
        AgingBucket(label="not late", min_days=None, max_days=0),
        AgingBucket(label="late", min_days=1, max_days=None),
    ]
    report = aging(PORTFOLIO, AS_OF, buckets)
    assert [str(a.amount) for a in report.total("USD").amounts] == ["350.35", "2030.06"]
    assert aging(PORTFOLIO, AS_OF, [AgingBucket(label="all", min_days=None, max_days=None)]).total(
        "COP"
    ).counts == (2,)


def test_default_buckets() -> None:
    assert [b.label for b in DEFAULT_BUCKETS] == ["current", "1-30", "31-60", "61-90", "over 90"]
    assert DEFAULT_BUCKETS[0].holds(-400) and DEFAULT_BUCKETS[0].holds(0)
    assert not DEFAULT_BUCKETS[1].holds(0) and DEFAULT_BUCKETS[4].holds(10_000)


def _bucket(label: str, low: int | None, high: int | None) -> AgingBucket:
    return AgingBucket(label=label, min_days=low, max_days=high)


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ([], "buckets is empty"),
        ([_bucket("a", None, 0), _bucket("a", 1, None)], "buckets[1] label 'a' is used twice"),
        ([_bucket("a", 0, None)], "buckets[0] min_days is 0; the first bucket must be open below"),
        ([_bucket("a", None, 5)], "buckets[0] max_days is 5; the last bucket must be open above"),
        ([_bucket("a", None, None), _bucket("b", 1, None)],
         "buckets[0] max_days is None; only the last"),
        ([_bucket("a", None, 0), _bucket("b", None, None)],
         "buckets[1] min_days is None; only the first"),
        ([_bucket("a", None, 0), _bucket("b", 10, 5), _bucket("c", 6, None)],
         "buckets[1] max_days 5 is below min_days 10"),
        ([_bucket("a", None, 0), _bucket("b", 2, None)],
         "buckets[1] min_days is 2 but buckets[0] ends at 0; buckets must be contiguous "
         "(min_days 1)"),
    ],
)  # fmt: skip
def test_buckets_must_cover_every_day_once(buckets: list[AgingBucket], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        aging(PORTFOLIO, AS_OF, buckets)
    assert message in str(caught.value)


# -- DSO, CEI and risk ----------------------------------------------------------------------------

from dunning.analytics import collection_figures, risk_scores  # noqa: E402


def _inv(iid, total, issued, due, customer="C", payments=(), status="open"):
    return Invoice(
        id=iid, customer_id=customer, currency="COP", total=total, issue_date=issued,
        due_date=due, status=status,
        payments=[
            {"id": f"{iid}-{n}", "date": day, "amount": {"amount": amount, "currency": "COP"}}
            for n, (day, amount) in enumerate(payments)
        ],
    )  # fmt: skip


def test_collection_figures_worked_by_hand():
    invoices = [
        # Issued before the period: 2000 owed on Dec 31, 500 paid in the period.
        _inv("OLD", "2000", date(2025, 12, 1), date(2025, 12, 31),
             payments=[(date(2026, 1, 10), "500")]),
        _inv("A", "3000", date(2026, 1, 5), date(2026, 1, 20)),
        _inv("B", "1000", date(2026, 1, 25), date(2026, 2, 24)),
        _inv("V", "9000", date(2026, 1, 2), date(2026, 1, 3), status="void"),
        _inv("W", "600", date(2026, 1, 2), date(2026, 1, 3)),
    ]  # fmt: skip
    (f,) = collection_figures(
        invoices, date(2026, 1, 1), date(2026, 1, 31), closed={"W": date(2026, 1, 20)}
    )
    # S = 3000 + 1000 + 600 (W issued in the period; V void); BR = 2000; ER = 1500 + 3000 + 1000.
    assert (f.sales.amount, f.beginning.amount, f.ending.amount) == (4600, 2000, 5500)
    assert f.ending_current.amount == 1000
    assert f.dso_standard == round(5500 / 4600 * 31, 6)
    assert f.best_possible_dso == round(1000 / 4600 * 31, 6)
    assert f.cei == round((2000 + 4600 - 5500) / (2000 + 4600 - 1000) * 100, 6)
    # Countback: the last 30 days (Jan 2-31) sold 4600 < 5500: 30 days and 900 left, and the
    # day before (Jan 1) sold nothing: the period's sales never cover ER.
    assert f.dso_countback is None
    with pytest.raises(ValueError, match="end 2026-01-01 is before start 2026-01-31"):
        collection_figures(invoices, date(2026, 1, 31), date(2026, 1, 1))


def test_risk_scores_rank_customers_with_their_reasons():
    invoices = [
        _inv("G", "100", date(2026, 1, 1), date(2026, 1, 31), customer="GOOD",
             payments=[(date(2026, 1, 30), "100")]),
        _inv("L1", "100", date(2026, 1, 1), date(2026, 1, 31), customer="LATE",
             payments=[(date(2026, 3, 2), "100")]),
        _inv("L2", "100", date(2026, 1, 1), date(2026, 1, 31), customer="LATE",
             payments=[(date(2026, 1, 31), "100")]),
        _inv("L3", "100", date(2026, 2, 1), date(2026, 2, 15), customer="LATE"),
    ]  # fmt: skip
    late, good = risk_scores(invoices, date(2026, 3, 31), broken_promises={"LATE": 3})
    # LATE: 30 and 0 days late -> 15 points; half paid late -> 15; 3 broken promises -> 20 (cap);
    # all it owes is overdue -> 10.
    assert (late.customer_id, late.score) == ("LATE", 60)
    assert late.average_days_late == 15.0 and late.share_paid_late == 0.5
    assert late.overdue_share == 1.0
    assert late.reasons[0] == "3 broken promise(s) to pay (20 points)"
    assert (good.customer_id, good.score, good.reasons) == ("GOOD", 0, ())


def test_aging_report_as_a_frame_and_a_chart():
    report = aging(
        [_inv("A", "3000", date(2026, 1, 5), date(2026, 1, 20)),
         _inv("B", "1000", date(2026, 1, 25), date(2026, 2, 24))],
        date(2026, 2, 1),
    )  # fmt: skip
    frame = report.to_frame()
    total = frame[frame.customer == "TOTAL"].iloc[0]
    assert (total["current"], total["1-30"], total["total"], total["invoices"]) == (
        1000,
        3000,
        4000,
        2,
    )
    figure = report.plot("COP")
    assert [bar.get_height() for bar in figure.axes[0].patches] == [1000, 3000, 0, 0, 0]
