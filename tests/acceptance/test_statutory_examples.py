"""Worked examples from the statutes' own definitions, exact to the cent (or peso).

Each test shows the arithmetic: principal x annual rate / 100 x days / days in the year of the
basis, summed over the rate segments, then rounded once, half up.
"""

from datetime import date
from decimal import Decimal

import pytest

from dunning.money import Money
from dunning.rates import RateTable
from dunning.statutory import get_jurisdiction

EUR, GBP = "EUR", "GBP"


def segments(claim: object) -> list[tuple[date, date, int, Decimal, bool]]:
    return [
        (s.first_day, s.last_day, s.days, s.annual_rate, s.capped)
        for s in claim.interest.segments  # type: ignore[attr-defined]
    ]


# -- Germany: BGB § 288 -----------------------------------------------------------------------


def test_de_rate_change_on_1_july_2024() -> None:
    # EUR 10,000.00 due 20 June 2024, paid 10 July 2024: 20 days late.
    # Basiszinssatz 3.62 (from 1 Jan 2024), 3.37 (from 1 Jul 2024); § 288(2): + 9 points.
    #   21-30 June, 10 days at 12.62 %: 10000 x 12.62 / 100 x 10 / 365 = 34.5753...
    #   1-10 July,  10 days at 12.37 %: 10000 x 12.37 / 100 x 10 / 365 = 33.8904...
    #   interest 68.4657... -> 68.47; § 288(5) lump sum 40.00; total 108.47
    claim = get_jurisdiction("DE").claim(
        Money("10000.00", EUR), date(2024, 6, 20), date(2024, 7, 10)
    )
    assert segments(claim) == [
        (date(2024, 6, 21), date(2024, 6, 30), 10, Decimal("12.62"), False),
        (date(2024, 7, 1), date(2024, 7, 10), 10, Decimal("12.37"), False),
    ]
    assert claim.days_late == 20
    assert claim.interest.amount == Money("68.47", EUR)
    assert claim.compensation == Money("40.00", EUR)
    assert claim.total == Money("108.47", EUR)


def test_de_consumer() -> None:
    # § 288(1): + 5 points: 10000 x (8.62 x 10 + 8.37 x 10) / 100 / 365 = 46.5479... -> 46.55;
    # the debtor is a consumer, so no § 288(5) lump sum.
    claim = get_jurisdiction("DE").claim(
        Money("10000.00", EUR),
        date(2024, 6, 20),
        date(2024, 7, 10),
        consumer_involved=True,
        debtor_is_consumer=True,
    )
    assert [s.annual_rate for s in claim.interest.segments] == [Decimal("8.62"), Decimal("8.37")]
    assert (claim.interest.amount, claim.compensation) == (Money("46.55", EUR), None)
    assert claim.total == Money("46.55", EUR)


# -- United Kingdom: Late Payment of Commercial Debts (Interest) Act 1998 ---------------------


@pytest.mark.parametrize(
    ("debt", "fixed_sum"),
    [
        ("999.99", "40.00"),  # s.5A(2)(a): less than 1,000
        ("1000.00", "70.00"),  # s.5A(2)(b): 1,000 or more, less than 10,000
        ("9999.99", "70.00"),
        ("10000.00", "100.00"),  # s.5A(2)(c): 10,000 or more
    ],
)
def test_uk_fixed_sum_bands(debt: str, fixed_sum: str) -> None:
    assert get_jurisdiction("UK").compensation(Money(debt, GBP)) == Money(fixed_sum, GBP)


def test_uk_leap_year_counts_365() -> None:
    # GBP 10,000.00 due 31 January 2024, paid 1 March 2024: 30 days (29 in February 2024).
    # Interest starts 1 February: reference date 31 Dec 2023, Bank Rate 5.25 -> 13.25 %.
    # Daily interest = 10000 x 13.25 % / 365 = 3.6301...; x 30 = 108.9041... -> 108.90
    # (a 366-day year would give 108.61).
    claim = get_jurisdiction("UK").claim(
        Money("10000.00", GBP), date(2024, 1, 31), date(2024, 3, 1)
    )
    assert segments(claim) == [(date(2024, 2, 1), date(2024, 3, 1), 30, Decimal("13.25"), False)]
    assert claim.interest.amount == Money("108.90", GBP)
    assert claim.compensation == Money("100.00", GBP)
    assert claim.total == Money("208.90", GBP)


def test_uk_whole_leap_year() -> None:
    # Due 31 Dec 2023; interest 1 Jan - 31 Dec 2024 = 366 days at 13.25 % over 365:
    # 10000 x 13.25 / 100 x 366 / 365 = 1328.6301... -> 1328.63
    claim = get_jurisdiction("UK").claim(
        Money("10000.00", GBP), date(2023, 12, 31), date(2024, 12, 31)
    )
    assert claim.interest.days == 366
    assert claim.interest.amount == Money("1328.63", GBP)


def test_uk_rate_fixed_for_the_life_of_the_debt() -> None:
    # Due 15 July 2024: interest starts 16 July, reference date 30 June 2024 (5.25) -> 13.25 %,
    # kept although Bank Rate fell on 1 Aug 2024, 7 Nov 2024 and 6 Feb 2025.
    # 16 Jul 2024 - 1 Mar 2025 = 229 days: 10000 x 13.25 / 100 x 229 / 365 = 831.3013... -> 831.30
    claim = get_jurisdiction("UK").claim(
        Money("10000.00", GBP), date(2024, 7, 15), date(2025, 3, 1)
    )
    assert segments(claim) == [(date(2024, 7, 16), date(2025, 3, 1), 229, Decimal("13.25"), False)]
    assert claim.interest.amount == Money("831.30", GBP)


def test_uk_new_reference_date() -> None:
    # Due 31 Dec 2024: interest starts 1 Jan 2025, reference date 31 Dec 2024 (4.75) -> 12.75 %.
    # 30 days: 10000 x 12.75 / 100 x 30 / 365 = 104.7945... -> 104.79
    claim = get_jurisdiction("UK").claim(
        Money("10000.00", GBP), date(2024, 12, 31), date(2025, 1, 30)
    )
    assert claim.interest.segments[0].annual_rate == Decimal("12.75")
    assert claim.interest.amount == Money("104.79", GBP)


# -- EU, France, Spain: ECB rate fixed per half-year ------------------------------------------


def test_eu_half_years() -> None:
    # ECB MRO on 1 Jan 2024: 4.50 -> 12.50 %; on 1 Jul 2024: 4.25 -> 12.25 % (the 12 June and
    # 18 September 2024 changes do not move the rate inside a half-year).
    # 10000 x (12.50 x 10 + 12.25 x 10) / 100 / 365 = 67.8082... -> 67.81; + EUR 40 = 107.81
    claim = get_jurisdiction("EU").claim(
        Money("10000.00", EUR), date(2024, 6, 20), date(2024, 7, 10)
    )
    assert [s.annual_rate for s in claim.interest.segments] == [Decimal("12.50"), Decimal("12.25")]
    assert claim.interest.amount == Money("67.81", EUR)
    assert claim.total == Money("107.81", EUR)


def test_fr_default_rate() -> None:
    # L. 441-10: ECB on 1 Jan 2024 (4.50) + 10 = 14.50 %.
    # 1000 x 14.50 / 100 x 30 / 365 = 11.9178... -> 11.92; + D. 441-5 EUR 40 = 51.92
    claim = get_jurisdiction("FR").claim(Money("1000.00", EUR), date(2024, 1, 31), date(2024, 3, 1))
    assert claim.interest.amount == Money("11.92", EUR)
    assert claim.total == Money("51.92", EUR)


def test_fr_across_half_years() -> None:
    # 1-30 June 2024 at 14.50 %, 1 Jul - 29 Aug at 4.25 + 10 = 14.25 %:
    # 20000 x 14.50 / 100 x 30 / 365 = 238.3561...; 20000 x 14.25 / 100 x 60 / 365 = 468.4931...
    # 706.8493... -> 706.85; + 40 = 746.85
    claim = get_jurisdiction("FR").claim(
        Money("20000.00", EUR), date(2024, 5, 31), date(2024, 8, 29)
    )
    assert [(s.days, s.annual_rate) for s in claim.interest.segments] == [
        (30, Decimal("14.50")),
        (60, Decimal("14.25")),
    ]
    assert claim.total == Money("746.85", EUR)


def test_fr_agreed_rate_raised_to_three_times_taux_legal() -> None:
    # An agreed 10 % is below 3 x taux légal (autres cas) of 2024 H1: 3 x 5.07 = 15.21 %.
    # 1000 x 15.21 / 100 x 30 / 365 = 12.5013... -> 12.50; + 40 = 52.50
    claim = get_jurisdiction("FR").claim(
        Money("1000.00", EUR), date(2024, 1, 31), date(2024, 3, 1), agreed_rate=Decimal(10)
    )
    (segment,) = claim.interest.segments
    assert (segment.annual_rate, segment.floored) == (Decimal("15.21"), True)
    assert claim.total == Money("52.50", EUR)


def test_es_across_new_year() -> None:
    # Ley 3/2004 art. 7: 2024 H2: ECB 4.25 + 8 = 12.25 %; 2025 H1: ECB 3.15 + 8 = 11.15 %.
    # 5000 x 12.25 / 100 x 16 / 365 = 26.8493...; 5000 x 11.15 / 100 x 14 / 365 = 21.3835...
    # 48.2328... -> 48.23; + art. 8 EUR 40 = 88.23
    claim = get_jurisdiction("ES").claim(
        Money("5000.00", EUR), date(2024, 12, 15), date(2025, 1, 14)
    )
    assert [(s.days, s.annual_rate) for s in claim.interest.segments] == [
        (16, Decimal("12.25")),
        (14, Decimal("11.15")),
    ]
    assert claim.interest.amount == Money("48.23", EUR)
    assert claim.total == Money("88.23", EUR)


# -- Colombia ---------------------------------------------------------------------------------

#: Certified bank current rates (E.A.), as a user would enter them for the example.
IBC = RateTable.from_rows([("2024-10-01", "26.79"), ("2024-11-01", "25.77")], name="IBC")


def test_co_agreed_rate_above_ceiling_is_capped() -> None:
    # Ceiling = 1.5 x IBC: October 40.185 % E.A., November 38.655 % E.A.
    # Effective monthly: (1.40185)^(1/12) - 1 = 2.8549337604 %;
    #                    (1.38655)^(1/12) - 1 = 2.7609146743 %
    # The agreed 45 % E.A. (3.1447989134 % a month) exceeds both and is capped.
    # COP 10,000,000 due 15 Oct 2024, until 14 Nov 2024 (16 + 14 days), a day = i_m / 30:
    #   10,000,000 x 2.8549337604 % x 16 / 30 = 152,263.133888
    #   10,000,000 x 2.7609146743 % x 14 / 30 = 128,842.6848...
    #   281,105.8187... at the ceiling itself: rounding half up (281,106) would charge more than
    #   the usury ceiling permits, so the amount is rounded down to COP 281,105.
    claim = get_jurisdiction("CO").claim(
        Money(10_000_000, "COP"),
        date(2024, 10, 15),
        date(2024, 11, 14),
        certified_rate=IBC,
        agreed_rate=Decimal(45),
    )
    assert segments(claim) == [
        (date(2024, 10, 16), date(2024, 10, 31), 16, Decimal("34.2592051248"), True),
        (date(2024, 11, 1), date(2024, 11, 14), 14, Decimal("33.1309760916"), True),
    ]
    assert claim.interest.segments[0].amount == Decimal("152263.133888")
    assert claim.interest.amount == Money(281_105, "COP")
    assert claim.compensation is None
    assert claim.total == Money(281_105, "COP")


def test_co_agreed_rate_below_ceiling() -> None:
    # 30 % E.A. -> 2.2104450594 % a month; 30 days = one month:
    # 10,000,000 x 2.2104450594 % = 221,044.50594 -> COP 221,045
    claim = get_jurisdiction("CO").claim(
        Money(10_000_000, "COP"),
        date(2024, 10, 15),
        date(2024, 11, 14),
        certified_rate=IBC,
        agreed_rate=Decimal(30),
    )
    assert segments(claim) == [
        (date(2024, 10, 16), date(2024, 11, 14), 30, Decimal("26.5253407128"), False)
    ]
    assert claim.total == Money(221_045, "COP")


def test_co_without_agreed_rate_is_the_maximum() -> None:
    claim = get_jurisdiction("CO").claim(
        Money(10_000_000, "COP"), date(2024, 10, 15), date(2024, 11, 14), certified_rate=IBC
    )
    # Charged at the ceiling: 281,105.8187 permitted, never rounded above it.
    assert [s.capped for s in claim.interest.segments] == [False, False]
    assert claim.total == Money(281_105, "COP")


def test_co_shipped_certifications_across_the_move_to_monthly_periods() -> None:
    # COP 5,000,000 due 20 August 2017, until 10 October 2017, no agreed rate: the usury rate
    # the Superintendencia published for each period.
    #   21-31 Aug, 11 days: Res. 0907 (quarterly), usury 32.97 % -> 2.4030296638 % a month
    #   1-30 Sep, 30 days: Res. 1155 (first monthly), usury 32.22 % -> 2.3547722012 % a month
    #   1-10 Oct, 10 days: Res. 1298, usury 31.73 % -> 2.3231082889 % a month
    #   5,000,000 x (2.4030296638 % x 11 + 2.3547722012 % x 30 + 2.3231082889 % x 10) / 30
    #   = 44,055.5438... + 117,738.6100... + 38,718.4714... = 200,512.6253... at the usury
    #   rate itself, so never rounded above it -> COP 200,512
    claim = get_jurisdiction("CO").claim(
        Money(5_000_000, "COP"), date(2017, 8, 20), date(2017, 10, 10)
    )
    assert segments(claim) == [
        (date(2017, 8, 21), date(2017, 8, 31), 11, Decimal("28.8363559656"), False),
        (date(2017, 9, 1), date(2017, 9, 30), 30, Decimal("28.2572664144"), False),
        (date(2017, 10, 1), date(2017, 10, 10), 10, Decimal("27.8772994668"), False),
    ]
    assert claim.total == Money(200_512, "COP")


# -- Chile ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debt", "charges"),
    [
        (375_000, 33_750),  # exactly 10 UF: 9 % x 375,000
        (375_001, 33_750),  # 33,750 + 6 % x 1 = 33,750.06 -> 33,750
        (1_000_000, 71_250),  # 33,750 + 6 % x 625,000 = 33,750 + 37,500
        (1_875_000, 123_750),  # exactly 50 UF: 33,750 + 6 % x 1,500,000 = 33,750 + 90,000
        (2_000_000, 127_500),  # 123,750 + 3 % x 125,000 = 123,750 + 3,750
    ],
)
def test_cl_collection_charges(debt: int, charges: int) -> None:
    # Ley 19.496 art. 37 with 1 UF = CLP 37,500: 10 UF = 375,000, 50 UF = 1,875,000.
    compensation = get_jurisdiction("CL").compensation(
        Money(debt, "CLP"), uf_value=Decimal("37500"), days_late=21
    )
    assert compensation == Money(charges, "CLP")


def test_cl_uf_with_cents() -> None:
    # 1 UF = CLP 38,416.69: 10 UF = 384,166.9; 9 % of a 300,000 debt = 27,000;
    # 500,000: 9 % x 384,166.9 + 6 % x 115,833.1 = 34,575.021 + 6,949.986 = 41,525.007 -> 41,525
    cl = get_jurisdiction("CL")
    uf = Decimal("38416.69")
    assert cl.compensation(Money(300_000, "CLP"), uf_value=uf, days_late=30) == Money(27_000, "CLP")
    assert cl.compensation(Money(500_000, "CLP"), uf_value=uf, days_late=30) == Money(41_525, "CLP")


def test_cl_uf_of_the_claim_day_from_the_shipped_table() -> None:
    # CLP 3,000,000, 30 days late on 10 January 2025; UF of that day 38,436.50:
    # 10 UF = 384,365.00, 50 UF = 1,921,825.00.
    # 9 % x 384,365 + 6 % x 1,537,460 + 3 % x 1,078,175 = 34,592.85 + 92,247.60 + 32,345.25
    # = 159,185.70 -> CLP 159,186
    claim = get_jurisdiction("CL").claim(
        Money(3_000_000, "CLP"), date(2024, 12, 11), date(2025, 1, 10), rate=Decimal(0)
    )
    assert claim.days_late == 30
    assert claim.compensation == Money(159_186, "CLP")


def test_cl_only_after_20_days() -> None:
    cl = get_jurisdiction("CL")
    options = {"uf_value": Decimal("37500"), "rate": Decimal(20)}
    late_20 = cl.claim(Money(375_000, "CLP"), date(2025, 1, 10), date(2025, 1, 30), **options)
    late_21 = cl.claim(Money(375_000, "CLP"), date(2025, 1, 10), date(2025, 1, 31), **options)
    assert (late_20.days_late, late_20.compensation) == (20, None)
    assert (late_21.days_late, late_21.compensation) == (21, Money(33_750, "CLP"))


def test_cl_agreed_rate_above_the_maximum() -> None:
    # Agreed 30 %, tasa máxima convencional 24 %: 31 days on ACT/360:
    # 1,875,000 x 24 / 100 x 31 / 360 = 38,750; collection charges (50 UF) 123,750
    claim = get_jurisdiction("CL").claim(
        Money(1_875_000, "CLP"),
        date(2025, 1, 10),
        date(2025, 2, 10),
        uf_value=Decimal("37500"),
        rate=Decimal(30),
        ceiling=Decimal(24),
    )
    assert segments(claim) == [(date(2025, 1, 11), date(2025, 2, 10), 31, Decimal(24), True)]
    assert claim.interest.amount == Money(38_750, "CLP")
    assert claim.total == Money(162_500, "CLP")


# -- Mexico -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "rate", "interest"),
    [
        # Código de Comercio art. 362: 100,000 x 6 / 100 x 60 / 365 = 986.3013... -> 986.30
        ("commercial", Decimal(6), "986.30"),
        # Código Civil Federal art. 2395: 100,000 x 9 / 100 x 60 / 365 = 1479.4520... -> 1479.45
        ("civil", Decimal(9), "1479.45"),
    ],
)
def test_mx_legal_rates(regime: str, rate: Decimal, interest: str) -> None:
    # Due 31 Jan 2025, until 1 Apr 2025: 28 + 31 + 1 = 60 days.
    claim = get_jurisdiction("MX").claim(
        Money("100000.00", "MXN"), date(2025, 1, 31), date(2025, 4, 1), regime=regime
    )
    assert segments(claim) == [(date(2025, 2, 1), date(2025, 4, 1), 60, rate, False)]
    assert claim.total == Money(interest, "MXN")


def test_cl_sernac_worked_example_with_and_without_the_free_notice() -> None:
    # SERNAC, "¿Cómo se calculan los gastos de cobranza? (Ejemplo 1)": a CLP 100,000 debt with
    # 1 UF = CLP 27,205.11 is 3.68 UF, all in the first band: 9 % = CLP 9,000. Without the free
    # notice within 15 days the maximum is 0.2 UF (CLP 5,441) lower: CLP 3,559.
    cl = get_jurisdiction("CL")
    uf = Decimal("27205.11")
    assert cl.compensation(Money(100_000, "CLP"), uf_value=uf, days_late=21) == Money(9_000, "CLP")
    without = cl.compensation(Money(100_000, "CLP"), uf_value=uf, days_late=21, useful_notice=False)
    assert without == Money(3_559, "CLP")
    # 9 % of CLP 10,000 is CLP 900, less than 0.2 UF: nothing may be charged, never less.
    small = cl.compensation(Money(10_000, "CLP"), uf_value=uf, days_late=21, useful_notice=False)
    assert small == Money(0, "CLP")


@pytest.mark.parametrize(("days_late", "charged"), [(20, None), (21, Money(9_000, "CLP"))])
def test_cl_collection_charges_only_from_the_21st_day(days_late: int, charged: object) -> None:
    # Ley 19.496 art. 37: nothing during the first 20 days of delay.
    fee = get_jurisdiction("CL").compensation(
        Money(100_000, "CLP"), uf_value=Decimal("27205.11"), days_late=days_late
    )
    assert fee == charged
