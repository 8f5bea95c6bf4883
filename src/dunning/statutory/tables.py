"""Latin American rate tables: the shipped files, their format, and updates users install.

Colombia's certified rates change every month and Chile's UF every day, so each table names
the last day its figures were verified (``# valid_until:``): a later day is an error
(`StaleRateError`), never a silent reuse of the last figure. A newer file, in the same format,
is installed with ``dunning rates update NAME FILE`` (or `install_table`) into the user data
directory (`user_data_dir`), never into the installed package; `load_table` then prefers it
when it reaches further than the shipped one.

========================== ================================== =====================================
name                       what                               format (after the ``#`` header lines)
========================== ================================== =====================================
``co-ibc``                 CO interés bancario corriente,     ``effective_from,effective_until,``
                           consumo y ordinario, and usury     ``rate_percent,usury_percent,``
                                                              ``resolution,resolution_date``
``co-microcredito``        CO interés bancario corriente,     the same
                           microcrédito, and usury
``cl-uf``                  CL unidad de fomento, CLP a day    ``day,value_clp``
``mx-tiie28``              MX TIIE a 28 días, by publication  ``effective_from,rate_percent``
                           in the Diario Oficial
========================== ================================== =====================================

Header lines are ``# key: value``; ``name``, ``source``, ``updated`` and ``valid_until`` are
read (``valid_until`` is required), the others (``covers``, ``verified``, ``gap``) are for
people. Certified rates are effective annual percent; each row cites its resolution, rows are
contiguous periods, and the usury rate is checked against 1.5 times the certified rate
(Código de Comercio art. 884): the Superintendencia publishes it rounded to two decimals, so
they may differ by at most 0.005.

>>> from datetime import date
>>> ibc = load_table("co-ibc")
>>> ibc.on(date(2024, 1, 15)).rate, ibc.on(date(2024, 1, 15)).usury, ibc.on(date(2024, 1, 15)).resolution
(Decimal('23.32'), Decimal('34.98'), '2331')
>>> load_table("cl-uf").value_on(date(2024, 12, 31))
Decimal('38416.69')
"""  # noqa: E501 -- a table and a doctest line are wider than the code

from __future__ import annotations

import csv
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import InputError, RateNotFoundError, StaleRateError
from dunning.money import Amount, to_decimal
from dunning.rates import RateTable, UnitOfAccount, UnitValue, _meta_date

__all__ = [
    "DATA_DIR_VARIABLE",
    "TABLES",
    "USURY_TOLERANCE",
    "Certification",
    "CertifiedRates",
    "TableSpec",
    "install_table",
    "installed_path",
    "last_verified_day",
    "load_table",
    "read_shipped",
    "read_table",
    "user_data_dir",
]

#: The environment variable that overrides the user data directory.
DATA_DIR_VARIABLE = "DUNNING_DATA_DIR"

#: Largest difference allowed between a published usury rate and 1.5 x the certified rate
#: (the published figure has two decimals).
USURY_TOLERANCE = Decimal("0.005")

_USURY_FACTOR = Decimal("1.5")
_DATA = "dunning.statutory.data"
_ONE_DAY = timedelta(days=1)
_CERTIFIED_HEADER = (
    "effective_from",
    "effective_until",
    "rate_percent",
    "usury_percent",
    "resolution",
    "resolution_date",
)
_UNIT_HEADER = ("day", "value_clp")


@dataclass(frozen=True)
class TableSpec:
    """A table the library knows by name: its shipped file and its format."""

    name: str
    """The name used by `load_table` and ``dunning rates update``."""
    filename: str
    """The shipped file in ``dunning/statutory/data`` (and the installed file's name)."""
    kind: Literal["certified", "unit", "rate"]
    """``"certified"``: certified rates with usury; ``"unit"``: a unit of account a day;
    ``"rate"``: a `RateTable` in its CSV format."""
    title: str
    """What the table holds."""


#: The tables by name; a test checks each shipped file loads and is cited.
TABLES: dict[str, TableSpec] = {
    "co-ibc": TableSpec(
        "co-ibc",
        "co_ibc_consumo.csv",
        "certified",
        "CO interés bancario corriente, consumo y ordinario (E.A. %), and usury",
    ),
    "co-microcredito": TableSpec(
        "co-microcredito",
        "co_ibc_microcredito.csv",
        "certified",
        "CO interés bancario corriente, microcrédito (E.A. %), and usury",
    ),
    "cl-uf": TableSpec("cl-uf", "cl_uf.csv", "unit", "CL unidad de fomento (CLP a day)"),
    "mx-tiie28": TableSpec(
        "mx-tiie28", "mx_tiie28.csv", "rate", "MX TIIE 28 días (% a year, from its DOF date)"
    ),
}


class Certification(Model):
    """One certification of a rate for a period, with the resolution that made it.

    >>> from datetime import date
    >>> c = Certification(effective_from=date(2019, 12, 1), effective_until=date(2019, 12, 31),
    ...                   rate="18.91", usury="28.37", resolution="1603",
    ...                   resolution_date=date(2019, 11, 29))
    >>> c.usury - c.rate * 3 / 2
    Decimal('0.005')
    """

    effective_from: date = Field(description="First day of the period.")
    effective_until: date = Field(description="Last day of the period (included).")
    rate: Amount = Field(description="Certified rate, effective annual percent.")
    usury: Amount = Field(description="Usury ceiling as published, effective annual percent.")
    resolution: str = Field(min_length=1, description="Number of the certifying resolution.")
    resolution_date: date = Field(description="Date of the resolution.")

    @model_validator(mode="after")
    def _check(self) -> Certification:
        if self.effective_until < self.effective_from:
            raise PydanticCustomError(
                "dunning.certification",
                "effective_until {until} is before effective_from {start}",
                {"until": str(self.effective_until), "start": str(self.effective_from)},
            )
        gap = abs(self.usury - self.rate * _USURY_FACTOR)
        if gap > USURY_TOLERANCE:
            raise PydanticCustomError(
                "dunning.certification",
                "usury {usury} is not 1.5 x rate {rate} = {expected} (to within 0.005); "
                "Código de Comercio art. 884 sets the ceiling at 1.5 times the certified rate",
                {
                    "usury": str(self.usury),
                    "rate": str(self.rate),
                    "expected": str(self.rate * _USURY_FACTOR),
                },
            )
        return self


class CertifiedRates(Model):
    """Certified rates, one row per period, with their usury ceilings and resolutions.

    The periods follow each other without gaps or overlaps; `valid_until` is the last day of
    the last period. `rates` and `usury` give them as `RateTable`s (which refuse days after
    `valid_until`).
    """

    name: str = Field(min_length=1, description="What the table is.")
    certifications: tuple[Certification, ...] = Field(description="Periods in date order.")
    source: str | None = Field(default=None, description="Where the figures come from.")
    updated: date | None = Field(default=None, description="When the table was last checked.")

    _starts: tuple[date, ...] = PrivateAttr(default=())
    _rates: RateTable = PrivateAttr()
    _usury: RateTable = PrivateAttr()

    @model_validator(mode="after")
    def _check_periods(self) -> CertifiedRates:
        if not self.certifications:
            raise PydanticCustomError(
                "dunning.certifications", "certifications is empty; a table needs one or more"
            )
        for index in range(1, len(self.certifications)):
            before, after = self.certifications[index - 1], self.certifications[index]
            if after.effective_from != before.effective_until + _ONE_DAY:
                raise PydanticCustomError(
                    "dunning.certifications",
                    "certifications[{index}] starts on {start}, but certifications[{previous}] "
                    "ends on {end}; periods must follow each other without gaps or overlaps",
                    {
                        "index": index,
                        "previous": index - 1,
                        "start": str(after.effective_from),
                        "end": str(before.effective_until),
                    },
                )
        return self

    def model_post_init(self, context: object, /) -> None:
        """Index the start dates for `on` and build the rate tables once.

        Presets ask for the tables on every call; they derive from the fields, so two equal
        instances stay equal.
        """
        private = self.__pydantic_private__
        private["_starts"] = tuple(c.effective_from for c in self.certifications)  # type: ignore[index]  # always set
        private["_rates"] = self._table(self.name, "rate")  # type: ignore[index]  # always set
        private["_usury"] = self._table(f"usury ({self.name})", "usury")  # type: ignore[index]  # always set

    @property
    def valid_until(self) -> date:
        """The last day of the last certified period."""
        return self.certifications[-1].effective_until

    def on(self, day: date) -> Certification:
        """Return the certification in force on `day`.

        Raises:
            RateNotFoundError: when `day` is before the first period.
            StaleRateError: when `day` is after `valid_until`.
        """
        first = self.certifications[0]
        if day < first.effective_from:
            raise RateNotFoundError(
                f"{self.name!r} has no certification on {day}: it starts on {first.effective_from}"
            )
        if day > self.valid_until:
            raise StaleRateError(
                f"{self.name!r} is verified until {self.valid_until} and has no certification "
                f"for {day}: pass a newer table (see `dunning rates update`)"
            )
        starts: tuple[date, ...] = self.__pydantic_private__["_starts"]  # type: ignore[index]  # always set
        low, high = 0, len(starts)
        while high - low > 1:
            middle = (low + high) // 2
            if starts[middle] <= day:
                low = middle
            else:
                high = middle
        return self.certifications[low]

    def _table(self, name: str, column: Literal["rate", "usury"]) -> RateTable:
        return RateTable.from_rows(
            [(c.effective_from, getattr(c, column)) for c in self.certifications],
            name=name,
            source=self.source,
            updated=self.updated,
            valid_until=self.valid_until,
        )

    def rates(self) -> RateTable:
        """The certified rates as a `RateTable` (E.A. percent) that ends at `valid_until`."""
        rates: RateTable = self.__pydantic_private__["_rates"]  # type: ignore[index]  # always set
        return rates

    def usury(self) -> RateTable:
        """The published usury ceilings as a `RateTable` (E.A. percent)."""
        usury: RateTable = self.__pydantic_private__["_usury"]  # type: ignore[index]  # always set
        return usury


# -- reading ----------------------------------------------------------------------------------


_Rows = list[tuple[int, list[str]]]


def _split(text: str, header: tuple[str, ...]) -> tuple[dict[str, str], _Rows]:
    """Return the ``# key: value`` lines and the numbered rows after the header line."""
    meta: dict[str, str] = {}
    rows: _Rows = []
    seen = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, colon, value = stripped[1:].partition(":")
            if colon:
                meta[key.strip().lower()] = value.strip()
            continue
        fields = [field.strip() for field in next(csv.reader([stripped]))]
        if not seen:
            if tuple(fields) != header:
                raise InputError(
                    f"line {number}: expected the header {','.join(header)!r}, found {stripped!r}"
                )
            seen = True
            continue
        if len(fields) != len(header):
            raise InputError(
                f"line {number}: expected {len(header)} fields ({','.join(header)}), found "
                f"{len(fields)}"
            )
        rows.append((number, fields))
    if not seen:
        raise InputError(f"no header line {','.join(header)!r} found")
    if not rows:
        raise InputError("the table has no rows; it needs at least one")
    if "valid_until" not in meta:
        raise InputError(
            "the header has no '# valid_until: YYYY-MM-DD' line; a table must state the last "
            "day its figures were verified"
        )
    return meta, rows


def _day(number: int, column: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"line {number}: {column} {text!r} is not a date (YYYY-MM-DD)") from None


def _decimal(number: int, column: str, text: str) -> Decimal:
    try:
        return to_decimal(text, what=column)
    except PydanticCustomError as error:
        raise InputError(f"line {number}: {error.message()}") from None


def _read_certified(text: str, name: str) -> CertifiedRates:
    meta, rows = _split(text, _CERTIFIED_HEADER)
    certifications: list[Certification] = []
    for number, fields in rows:
        start = _day(number, "effective_from", fields[0])
        until = _day(number, "effective_until", fields[1])
        rate = _decimal(number, "rate_percent", fields[2])
        usury = _decimal(number, "usury_percent", fields[3])
        if not fields[4]:
            raise InputError(f"line {number}: resolution is empty; every row cites its resolution")
        resolution_date = _day(number, "resolution_date", fields[5])
        if certifications and start != certifications[-1].effective_until + _ONE_DAY:
            raise InputError(
                f"line {number}: the period starts on {start}, but the previous one ends on "
                f"{certifications[-1].effective_until}; periods must follow each other without "
                "gaps or overlaps"
            )
        if until < start:
            raise InputError(f"line {number}: effective_until {until} is before {start}")
        if abs(usury - rate * _USURY_FACTOR) > USURY_TOLERANCE:
            raise InputError(
                f"line {number}: usury_percent {usury} is not 1.5 x rate_percent {rate} = "
                f"{rate * _USURY_FACTOR} to within 0.005 (Código de Comercio art. 884)"
            )
        certifications.append(
            Certification(
                effective_from=start,
                effective_until=until,
                rate=rate,
                usury=usury,
                resolution=fields[4],
                resolution_date=resolution_date,
            )
        )
    valid_until = _meta_date(meta, "valid_until")
    if valid_until != certifications[-1].effective_until:
        raise InputError(
            f"'# valid_until: {valid_until}' is not {certifications[-1].effective_until}, the "
            "last day of the last period"
        )
    return CertifiedRates(
        name=meta.get("name") or name,
        certifications=tuple(certifications),
        source=meta.get("source"),
        updated=_meta_date(meta, "updated"),
    )


def _read_unit(text: str, name: str) -> UnitOfAccount:
    meta, rows = _split(text, _UNIT_HEADER)
    values: list[UnitValue] = []
    for number, fields in rows:
        day = _day(number, "day", fields[0])
        value = _decimal(number, "value_clp", fields[1])
        if values and day != values[-1].day + _ONE_DAY:
            raise InputError(
                f"line {number}: {day} does not follow {values[-1].day}; the file needs one row "
                "a day, without gaps or repeats"
            )
        if value <= 0:
            raise InputError(f"line {number}: value_clp {value} is not above zero")
        values.append(UnitValue(day=day, value=value))
    valid_until = _meta_date(meta, "valid_until")
    if valid_until != values[-1].day:
        raise InputError(
            f"'# valid_until: {valid_until}' is not {values[-1].day}, the day of the last row"
        )
    return UnitOfAccount(
        name=meta.get("name") or name,
        currency="CLP",
        values=tuple(values),
        source=meta.get("source"),
        updated=_meta_date(meta, "updated"),
    )


def _spec(name: str) -> TableSpec:
    spec = TABLES.get(name)
    if spec is None:
        known = ", ".join(TABLES)
        raise InputError(f"no rate table is named {name!r}; the known tables are {known}")
    return spec


_Table = CertifiedRates | UnitOfAccount | RateTable


def _read_rates(text: str, name: str) -> RateTable:
    table = RateTable.from_csv(text, name=name)
    if table.valid_until is None:
        raise InputError(
            "the header has no '# valid_until: YYYY-MM-DD' line; a table must state the last "
            "day its figures were verified"
        )
    return table


def read_table(name: str, text_or_path: str | os.PathLike[str]) -> _Table:
    """Read and validate a file of the table `name` ("co-ibc", "cl-uf", ...).

    A `str` containing a line break is the file's text; any other `str` or path is a file.

    Raises:
        InputError: for an unknown table name, or a file that breaks the format (the message
            gives the line and the rule).
        OSError: when the file cannot be read.
    """
    spec = _spec(name)
    if isinstance(text_or_path, str) and "\n" in text_or_path:
        text = text_or_path
    else:
        text = Path(text_or_path).read_text(encoding="utf-8")
    if spec.kind == "certified":
        return _read_certified(text, spec.title)
    if spec.kind == "rate":
        return _read_rates(text, spec.title)
    return _read_unit(text, spec.title)


# -- where tables live ------------------------------------------------------------------------


def user_data_dir() -> Path:
    r"""Return the directory where installed tables live (``<dir>/rates/<file>``).

    ``$DUNNING_DATA_DIR`` when set; otherwise ``%LOCALAPPDATA%\dunning`` on Windows,
    ``~/Library/Application Support/dunning`` on macOS, and ``$XDG_DATA_HOME/dunning`` (by
    default ``~/.local/share/dunning``) elsewhere. It is never inside the installed package.
    """
    explicit = os.environ.get(DATA_DIR_VARIABLE)
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "dunning"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "dunning"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dunning"


def installed_path(name: str, data_dir: Path | None = None) -> Path:
    """Return where the installed file of table `name` lives (it may not exist).

    Raises:
        InputError: for an unknown table name.
    """
    folder = user_data_dir() if data_dir is None else data_dir
    return folder / "rates" / _spec(name).filename


def last_verified_day(table: _Table) -> date:
    """Return the last day for which `table` holds verified figures.

    >>> last_verified_day(read_shipped("mx-tiie28"))
    datetime.date(2026, 3, 4)

    Raises:
        ValueError: for a `RateTable` that does not state its `valid_until`.
    """
    last = table.valid_until
    if last is None:
        raise ValueError(f"rate table {table.name!r} does not state its valid_until")
    return last


def _first_day(table: _Table) -> date:
    if isinstance(table, CertifiedRates):
        return table.certifications[0].effective_from
    if isinstance(table, RateTable):
        return table.points[0].effective_from
    return table.values[0].day


def _rows(table: _Table) -> dict[date, str]:
    """Each row's figures after its first date, as the file writes them."""
    if isinstance(table, CertifiedRates):
        return {
            c.effective_from: f"{c.effective_until},{c.rate},{c.usury},{c.resolution}"
            for c in table.certifications
        }
    if isinstance(table, RateTable):
        return {p.effective_from: str(p.rate) for p in table.points}
    return {v.day: str(v.value) for v in table.values}


@cache
def _shipped(name: str) -> _Table:
    text = files(_DATA).joinpath(_spec(name).filename).read_text(encoding="utf-8")
    return read_table(name, text)


def read_shipped(name: str) -> _Table:
    """Return table `name` as shipped with the library, whatever is installed.

    Raises:
        InputError: for an unknown table name.
    """
    return _shipped(name)


def install_table(name: str, path: str | os.PathLike[str], *, data_dir: Path | None = None) -> Path:
    """Validate the file at `path` as table `name` and install it for `load_table`.

    The file must reach further than the shipped table (a later `valid_until`), start no later
    than it, and agree with it on every period or day they share; it is copied (atomically)
    to `installed_path`. Returns that path.

    Raises:
        InputError: for an unknown table, a file that breaks the format, or one that does not
            extend the shipped table (the message says how).
        OSError: when the file cannot be read or the directory written.
    """
    new = read_table(name, path)
    shipped = _shipped(name)
    new_last, shipped_last = last_verified_day(new), last_verified_day(shipped)
    if new_last <= shipped_last:
        raise InputError(
            f"{os.fspath(path)} is verified until {new_last}, which does not reach past the "
            f"shipped table of {name!r} (verified until {shipped_last}); nothing was installed"
        )
    if _first_day(new) > _first_day(shipped):
        raise InputError(
            f"{os.fspath(path)} starts on {_first_day(new)}, after the shipped table of {name!r} "
            f"({_first_day(shipped)}); a newer table must keep the older rows. Nothing was "
            "installed"
        )
    old_rows, new_rows = _rows(shipped), _rows(new)
    for day, old in old_rows.items():
        new_row = new_rows.get(day)
        if new_row != old:
            found = "no row" if new_row is None else f"{day},{new_row}"
            raise InputError(
                f"{os.fspath(path)} differs from the shipped table of {name!r} on {day}: "
                f"{found} instead of {day},{old}; nothing was installed"
            )
    target = installed_path(name, data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = Path(path).read_text(encoding="utf-8")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


@cache
def _installed(name: str, path: str, stamp: tuple[int, int]) -> _Table:
    try:
        return read_table(name, path)
    except InputError as error:
        raise InputError(f"the installed table {path} is not valid: {error}") from None


def load_table(name: str, *, data_dir: Path | None = None) -> _Table:
    """Return table `name`: the installed file when it reaches further, else the shipped one.

    Raises:
        InputError: for an unknown table name, or an installed file that is not valid.
    """
    shipped = _shipped(name)
    path = installed_path(name, data_dir)
    try:
        status = path.stat()
    except FileNotFoundError:
        return shipped
    installed = _installed(name, str(path), (status.st_mtime_ns, status.st_size))
    return installed if last_verified_day(installed) > last_verified_day(shipped) else shipped
