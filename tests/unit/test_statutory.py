import importlib
import pkgutil
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from pydantic import ValidationError

import dunning.statutory
from dunning.daycount import DayCount
from dunning.errors import DunningError, StaleRateError
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, RateFixing, TieredFee
from dunning.rates import RateTable
from dunning.statutory import (
    JURISDICTIONS,
    Jurisdiction,
    StatutoryClaim,
    StatutoryOptionError,
    UnknownJurisdictionError,
    boe_bank_rate,
    de_basiszinssatz,
    ecb_main_refinancing_rate,
    fr_taux_legal,
    get_jurisdiction,
)
from dunning.statutory.cl import CL
from dunning.statutory.co import CO, monthly_nominal, monthly_nominal_table, usury_ceiling
from dunning.statutory.de import DE
from dunning.statutory.eu import EU, MAX_B2B_TERMS_DAYS, MAX_PUBLIC_AUTHORITY_TERMS_DAYS
from dunning.statutory.fr import FR
from dunning.statutory.mx import MX
from dunning.statutory.uk import UK

IBC = RateTable.from_rows([("2024-10-01", "26.79"), ("2024-11-01", "25.77")], name="IBC")


# -- registry ---------------------------------------------------------------------------------


def _preset_modules() -> dict[str, object]:
    found: dict[str, object] = {}
    for info in pkgutil.iter_modules(dunning.statutory.__path__):
        if info.name.startswith("_") or info.name in (
            "data",
            "reference_rates",
            "tables",
            "contact",
        ):
            continue
        module = importlib.import_module(f"dunning.statutory.{info.name}")
        presets = [value for value in vars(module).values() if isinstance(value, Jurisdiction)]
        assert len(presets) == 1, f"{info.name} must define exactly one preset"
        found[info.name] = presets[0]
    return found


def test_registry_and_modules_agree() -> None:
    modules = _preset_modules()
    assert set(JURISDICTIONS) == {"EU", "UK", "DE", "FR", "ES", "CO", "CL", "MX"}
    assert sorted(JURISDICTIONS.values(), key=repr) == sorted(modules.values(), key=repr)
    for code, preset in JURISDICTIONS.items():
        assert preset.code == code
        # each module is named after its code (the UK's ISO 3166 code is GB; "UK" is common)
        module = type(preset).__module__.rsplit(".", 1)[1]
        assert module == code.lower()
        assert getattr(importlib.import_module(type(preset).__module__), code) is preset


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        JURISDICTIONS["XX"] = EU  # type: ignore[index]


def test_every_preset_cites_its_basis() -> None:
    for preset in JURISDICTIONS.values():
        assert preset.name
        assert preset.legal_basis
        assert repr(preset) == f"<Jurisdiction {preset.code}: {preset.name}>"


@pytest.mark.parametrize("code", ["DE", "de", "De"])
def test_get_jurisdiction(code: str) -> None:
    assert get_jurisdiction(code) is DE


@pytest.mark.parametrize("code", ["US", "", "GB", None])
def test_unknown_jurisdiction(code: str) -> None:
    with pytest.raises(UnknownJurisdictionError) as exc:
        get_jurisdiction(code)
    assert str(exc.value) == (
        f"no statutory preset for jurisdiction {code!r}; the known codes are "
        "EU, UK, DE, FR, ES, CO, CL, MX"
    )
    assert isinstance(exc.value, DunningError)
    assert isinstance(exc.value, LookupError)


# -- reference rate data ----------------------------------------------------------------------


def test_tables_carry_source_and_updated() -> None:
    for table in (
        ecb_main_refinancing_rate(),
        boe_bank_rate(),
        de_basiszinssatz(),
        fr_taux_legal(),
        fr_taux_legal(individual=True),
    ):
        assert table.source
        assert table.updated == date(2026, 11, 22)
    assert ecb_main_refinancing_rate() is ecb_main_refinancing_rate()


def test_known_values() -> None:
    assert ecb_main_refinancing_rate().rate_on(date(2024, 1, 1)) == Decimal("4.50")
    assert boe_bank_rate().rate_on(date(2024, 6, 30)) == Decimal("5.25")
    assert de_basiszinssatz().rate_on(date(2025, 1, 1)) == Decimal("2.27")
    assert fr_taux_legal().rate_on(date(2024, 7, 1)) == Decimal("4.92")
    assert fr_taux_legal(individual=True).rate_on(date(2024, 7, 1)) == Decimal("8.16")
    assert fr_taux_legal().rate_on(date(2010, 5, 1)) == Decimal("0.65")


def test_basiszinssatz_follows_the_ecb_rate() -> None:
    # § 247(1) BGB: on 1 January / 1 July the Basiszinssatz moves by the points the ECB MRO
    # rate moved since the last change date (the rate on the day before each half-year).
    # Checked from 2009-07, after the ECB's return to fixed-rate tenders in October 2008.
    ecb, base = ecb_main_refinancing_rate(), de_basiszinssatz()
    halves = [date(year, month, 1) for year in range(2009, 2027) for month in (1, 7)][1:]
    day = timedelta(days=1)
    for previous, current in pairwise(halves):
        moved = ecb.rate_on(current - day) - ecb.rate_on(previous - day)
        assert base.rate_on(current) - base.rate_on(previous) == moved, current


# -- options ----------------------------------------------------------------------------------


def test_unknown_option() -> None:
    with pytest.raises(ValidationError) as exc:
        DE.interest_rule(consumer=True)
    (entry,) = exc.value.errors()
    assert (entry["loc"], entry["type"]) == (("consumer",), "extra_forbidden")


def test_de_options_contradiction() -> None:
    with pytest.raises(ValidationError) as exc:
        DE.interest_rule(debtor_is_consumer=True)
    (entry,) = exc.value.errors()
    assert entry["type"] == "dunning.statutory_option"
    assert entry["msg"] == (
        "debtor_is_consumer is True but consumer_involved is False; a consumer debtor is a "
        "consumer involved in the transaction"
    )


def test_de_rules() -> None:
    assert DE.interest_rule().reference is not None
    assert DE.interest_rule().reference.spread == Decimal(9)  # type: ignore[union-attr]
    consumer = DE.interest_rule(consumer_involved=True)
    assert consumer.reference.spread == Decimal(5)  # type: ignore[union-attr]
    assert consumer.effective_fixing is RateFixing.VARIABLE
    assert DE.late_fee(consumer_involved=True) == FixedFee(amounts=(Money("40.00", "EUR"),))
    assert DE.late_fee(consumer_involved=True, debtor_is_consumer=True) is None
    assert DE.interest_rule(basis="ACT/ACT ISDA").basis is DayCount.ACT_ACT_ISDA


def test_eu_constants_and_options() -> None:
    assert (MAX_B2B_TERMS_DAYS, MAX_PUBLIC_AUTHORITY_TERMS_DAYS) == (60, 30)
    rule = EU.interest_rule(spread=Decimal("9.5"))
    assert rule.reference.spread == Decimal("9.5")  # type: ignore[union-attr]
    assert rule.effective_fixing is RateFixing.HALF_YEARLY


def test_own_table() -> None:
    table = RateTable.from_rows([("2030-01-01", "1.00")], name="future ECB")
    claim = EU.claim(Money("3650.00", "EUR"), date(2030, 1, 31), date(2030, 2, 10), table=table)
    # 3650 x 9 % x 10 / 365 = 9.00
    assert claim.interest.amount == Money("9.00", "EUR")


def test_compensation_in_other_currency() -> None:
    assert EU.compensation(Money("100.00", "USD")) is None
    assert UK.compensation(Money("100.00", "EUR")) is None


def test_uk_late_fee_is_a_policy_fee() -> None:
    fee = UK.late_fee()
    assert isinstance(fee, TieredFee)
    assert fee.compute(Money("500.00", "GBP")) == Money("40.00", "GBP")


def test_fr_agreed_rate_rule() -> None:
    rule = FR.interest_rule(agreed_rate=Decimal(12))
    assert rule.annual_rate == Decimal(12)
    assert isinstance(rule.floor, RateTable)
    assert rule.floor.rate_on(date(2024, 7, 1)) == Decimal("14.76")


def test_co_reads_the_shipped_certifications_by_default() -> None:
    assert CO.compensation(Money(100, "COP"), certified_rate=IBC) is None
    assert CO.late_fee() is None
    # January 2024 (Res. 2331): usury 34.98 %; February 2024 (Res. 0150): 34.97 %, the published
    # figure, rounded half up from 1.5 x 23.31 = 34.965.
    claim = CO.claim(Money(10_000_000, "COP"), date(2024, 1, 15), date(2024, 2, 14))
    assert [(s.first_day, s.days, s.annual_rate) for s in claim.interest.segments] == [
        (date(2024, 1, 16), 16, Decimal("30.3736776804")),  # 12 x 2.5311398067
        (date(2024, 2, 1), 14, Decimal("30.3660813984")),  # 12 x 2.5305067832
    ]
    # 10,000,000 x (2.5311398067 % x 16 + 2.5305067832 % x 14) / 30 = 253,084.44
    assert claim.total == Money(253_084, "COP")


def test_co_published_usury_is_the_default_ceiling() -> None:
    ceiling = CO.interest_rule().ceiling
    assert isinstance(ceiling, RateTable)
    assert ceiling.rate_on(date(2024, 2, 10)) == monthly_nominal(Decimal("34.97"))
    # A table passed without its usury rates is capped at exactly 1.5 x each rate.
    ibc = RateTable.from_rows([("2024-02-01", "23.31")], name="IBC")
    exact = CO.interest_rule(certified_rate=ibc).ceiling
    assert isinstance(exact, RateTable)
    assert exact.rate_on(date(2024, 2, 10)) == monthly_nominal(Decimal("34.965"))
    usury = RateTable.from_rows([("2024-02-01", "34.97")], name="usury")
    given = CO.interest_rule(certified_rate=ibc, usury_rate=usury).ceiling
    assert isinstance(given, RateTable)
    assert given.rate_on(date(2024, 2, 10)) == monthly_nominal(Decimal("34.97"))


def test_co_microcredito_modality() -> None:
    # Res. 1707 de 2014: microcrédito 34.81 % from 1 October 2014; usury 52.22 %.
    rule = CO.interest_rule(modality="microcredito")
    assert rule.reference is not None
    assert rule.reference.rate_on(date(2015, 1, 1)) == monthly_nominal(Decimal("52.22"))
    assert monthly_nominal(Decimal("52.22")) == Decimal("42.7598743572")  # 12 x 3.5633228631


def test_co_refuses_days_after_the_last_certification() -> None:
    with pytest.raises(StaleRateError, match=r"verified until 2026-04-30 and has no rate for"):
        CO.claim(Money(1_000_000, "COP"), date(2026, 4, 15), date(2026, 5, 10))
    # Up to the last verified day it computes: April 2026, usury 26.76 %.
    claim = CO.claim(Money(1_000_000, "COP"), date(2026, 3, 31), date(2026, 4, 30))
    assert claim.interest.segments[0].annual_rate == monthly_nominal(Decimal("26.76"))
    # 1,000,000 x ((1.2676)^(1/12) - 1) = 19,956.98 for the 30 days of April (one month), at
    # the usury rate itself: never rounded above what it permits.
    assert claim.total == Money(19_956, "COP")


def test_co_tables() -> None:
    assert usury_ceiling(IBC).rate_on(date(2024, 11, 1)) == Decimal("38.655")
    nominal = monthly_nominal_table(usury_ceiling(IBC))
    assert nominal.rate_on(date(2024, 10, 1)) == Decimal("34.2592051248")
    assert nominal.name == "12 x EM of 1.5 x IBC"


def test_cl_needs_rate_and_uf() -> None:
    with pytest.raises(StatutoryOptionError, match=r"^rate is None; pass the agreed annual"):
        CL.interest_rule()
    with pytest.raises(StatutoryOptionError, match=r"^uf_value is None; Ley 19.496 art. 37"):
        CL.compensation(Money(1000, "CLP"), days_late=30)
    with pytest.raises(StatutoryOptionError, match=r"^days_late is None; Ley 19.496 art. 37"):
        CL.compensation(Money(1000, "CLP"), uf_value=Decimal(37000))


def test_cl_takes_the_uf_of_the_day() -> None:
    # UF of 31 December 2024: 38,416.69 CLP; 10 UF = 384,166.90 CLP.
    # 9 % x 384,166.90 + 6 % x (1,000,000 - 384,166.90) = 34,575.02 + 36,949.99
    fee = CL.compensation(Money(1_000_000, "CLP"), uf_on=date(2024, 12, 31), days_late=21)
    assert fee == Money(71_525, "CLP")
    # The claim takes the UF of its `until` day: 9 March 2025, 38,784.08 CLP.
    claim = CL.claim(Money(1_000_000, "CLP"), date(2025, 2, 6), date(2025, 3, 9), rate=Decimal(0))
    assert claim.days_late == 31
    # 9 % x 387,840.80 + 6 % x 612,159.20 = 34,905.67 + 36,729.55
    assert claim.compensation == Money(71_635, "CLP")
    with pytest.raises(StaleRateError, match=r"no value on 2026-10-10"):
        CL.claim(Money(1_000_000, "CLP"), date(2026, 9, 1), date(2026, 10, 10), rate=Decimal(0))
    # An explicit UF value wins over the table.
    explicit = CL.claim(
        Money(1_000_000, "CLP"),
        date(2026, 9, 1),
        date(2026, 10, 10),
        rate=Decimal(0),
        uf_value=Decimal(37000),
    )
    assert explicit.compensation == Money(71_100, "CLP")


def test_cl_rate_table_and_ceiling() -> None:
    corriente = RateTable.from_rows([("2025-01-01", "30")], name="interés corriente")
    rule = CL.interest_rule(rate=corriente, ceiling=Decimal(24))
    assert rule.reference is not None
    assert rule.basis is DayCount.ACT_360
    assert rule.ceiling == Decimal(24)
    assert CL.interest_rule(rate=Decimal(20)).annual_rate == Decimal(20)


def test_mx_usury_ceiling() -> None:
    # An agreed 120 % a year, reduced to 37 % as a court would (SCJN 1a./J. 46/2014 (10a.)):
    # 100,000 x 37 % x 60 / 365 = 6,082.19.
    claim = MX.claim(
        Money("100000.00", "MXN"),
        date(2025, 1, 31),
        date(2025, 4, 1),
        agreed_rate=Decimal(120),
        ceiling=Decimal(37),
    )
    assert [(s.days, s.annual_rate, s.capped) for s in claim.interest.segments] == [
        (60, Decimal(37), True)
    ]
    assert claim.total == Money("6082.19", "MXN")
    below = MX.claim(
        Money("100000.00", "MXN"),
        date(2025, 1, 31),
        date(2025, 4, 1),
        agreed_rate=Decimal(24),
        ceiling=Decimal(37),
    )
    assert below.total == Money("3945.21", "MXN")  # 100,000 x 24 % x 60 / 365
    assert not below.interest.segments[0].capped


def test_mx_options() -> None:
    assert MX.interest_rule().annual_rate == Decimal(6)
    assert MX.interest_rule(regime="civil").annual_rate == Decimal(9)
    assert MX.interest_rule(regime="civil", agreed_rate=Decimal(12)).annual_rate == Decimal(12)
    assert MX.compensation(Money("1.00", "MXN")) is None
    with pytest.raises(ValidationError):
        MX.interest_rule(regime="mercantil")


# -- claims -----------------------------------------------------------------------------------


def test_claim_not_late() -> None:
    claim = DE.claim(Money("100.00", "EUR"), date(2025, 1, 31), date(2025, 1, 31))
    assert claim.days_late == 0
    assert claim.compensation is None
    assert claim.interest.segments == ()
    assert claim.total == Money("0.00", "EUR")


def test_claim_round_trips_and_is_frozen() -> None:
    claim = UK.claim(Money("5000.00", "GBP"), date(2024, 1, 31), date(2024, 3, 1))
    assert StatutoryClaim.model_validate_json(claim.model_dump_json()) == claim
    with pytest.raises(ValidationError, match="frozen"):
        claim.total = Money("0", "GBP")  # type: ignore[misc]
    assert claim.legal_basis == UK.legal_basis
    assert claim.jurisdiction == "UK"


def test_interest_rules_are_rules() -> None:
    for code, preset in JURISDICTIONS.items():
        options: dict[str, object] = {}
        if code == "CO":
            options = {"certified_rate": IBC}
        elif code == "CL":
            options = {"rate": Decimal(20)}
        assert isinstance(preset.interest_rule(**options), InterestRule)
