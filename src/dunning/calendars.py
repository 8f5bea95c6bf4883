"""Business days: calendars, roll conventions and business-day arithmetic.

A calendar is anything with an ``is_business_day(day) -> bool`` method (the `BusinessCalendar`
protocol). Two come with the library: `WeekendCalendar` (a weekend plus company closure dates)
and `HolidayCalendar` (the same plus a country's public holidays from the optional `holidays`
package). The module functions `roll`, `add_business_days`, `next_business_day` and
`business_days_between` work with any calendar, including the host application's own.

>>> from datetime import date
>>> calendar = WeekendCalendar()
>>> roll(date(2024, 8, 31), RollConvention.MODIFIED_FOLLOWING, calendar)  # a Saturday
datetime.date(2024, 8, 30)
>>> add_business_days(date(2024, 8, 30), 1, calendar)
datetime.date(2024, 9, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import import_module
from types import ModuleType
from typing import Annotated, Any, Protocol, TypeVar, runtime_checkable

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import CalendarError, missing_dependency

__all__ = [
    "BusinessCalendar",
    "HolidayCalendar",
    "RollConvention",
    "Weekend",
    "WeekendCalendar",
    "add_business_days",
    "business_days_between",
    "next_business_day",
    "roll",
]

_ONE_DAY = timedelta(days=1)

#: How far a search for a business day goes before it gives up: ten years of non-business
#: days can only come from a calendar that has none (a custom one that always says no).
_SEARCH_LIMIT = 3660

_WEEKDAY_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue"),
            ("wednesday", "wed"),
            ("thursday", "thu"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}


@runtime_checkable
class BusinessCalendar(Protocol):
    """Anything that tells business days from the others.

    Implement it to plug the host application's own calendar into `roll`,
    `add_business_days` and the policies:

    >>> from datetime import date
    >>> class EveryDay:
    ...     def is_business_day(self, day: date) -> bool:
    ...         return True
    >>> roll(date(2024, 8, 31), "following", EveryDay())
    datetime.date(2024, 8, 31)
    """

    def is_business_day(self, day: date) -> bool:
        """Whether `day` is a business day."""
        ...


class RollConvention(StrEnum):
    """How a date that is not a business day moves to one (ISDA 2006 section 4.12).

    >>> RollConvention("modified_following")
    <RollConvention.MODIFIED_FOLLOWING: 'modified_following'>
    """

    FOLLOWING = "following"
    """The first business day on or after the date."""
    PRECEDING = "preceding"
    """The last business day on or before the date."""
    MODIFIED_FOLLOWING = "modified_following"
    """Following, unless that falls in the next month; then preceding."""
    MODIFIED_PRECEDING = "modified_preceding"
    """Preceding, unless that falls in the previous month; then following."""
    NONE = "none"
    """The date itself, business day or not."""


# -- module functions -----------------------------------------------------------------------


def _convention(convention: RollConvention | str) -> RollConvention:
    try:
        return RollConvention(convention)
    except ValueError:
        known = ", ".join(repr(member.value) for member in RollConvention)
        raise CalendarError(
            f"{convention!r} is not a roll convention; use one of {known}"
        ) from None


def _shift(day: date, step: timedelta) -> date:
    try:
        return day + step
    except OverflowError:
        raise CalendarError(
            f"no business day found: the search from {day} runs past the dates Python supports"
        ) from None


def _scan(day: date, step: timedelta, is_business_day: Callable[[date], bool]) -> date:
    """Return the first business day from `day` (included), moving by `step`."""
    for _ in range(_SEARCH_LIMIT):
        if is_business_day(day):
            return day
        day = _shift(day, step)
    direction = "after" if step > timedelta(0) else "before"
    raise CalendarError(
        f"no business day within {_SEARCH_LIMIT} days {direction} {day - step * _SEARCH_LIMIT}; "
        "does the calendar have any business days?"
    )


def roll(day: date, convention: RollConvention | str, calendar: BusinessCalendar) -> date:
    """Move `day` to a business day of `calendar` by `convention`.

    A business day is returned unchanged by every convention.

    >>> from datetime import date
    >>> calendar = WeekendCalendar()
    >>> saturday = date(2024, 11, 30)
    >>> roll(saturday, "following", calendar), roll(saturday, "modified_following", calendar)
    (datetime.date(2024, 12, 2), datetime.date(2024, 11, 29))

    Raises:
        CalendarError: when `convention` is not a `RollConvention`, or the calendar has no
            business day within ten years of `day`.
    """
    convention = _convention(convention)
    if convention is RollConvention.NONE:
        return day
    is_business_day = calendar.is_business_day
    if convention is RollConvention.FOLLOWING:
        return _scan(day, _ONE_DAY, is_business_day)
    if convention is RollConvention.PRECEDING:
        return _scan(day, -_ONE_DAY, is_business_day)
    first, second = (
        (_ONE_DAY, -_ONE_DAY)
        if convention is RollConvention.MODIFIED_FOLLOWING
        else (-_ONE_DAY, _ONE_DAY)
    )
    rolled = _scan(day, first, is_business_day)
    if rolled.month == day.month and rolled.year == day.year:
        return rolled
    return _scan(day, second, is_business_day)


def add_business_days(day: date, days: int, calendar: BusinessCalendar) -> date:
    """Return the `days`-th business day after `day` (before it when `days` is negative).

    Business days are counted from the day after `day` (before it, going back), so the result
    is a business day even when `day` is not. ``days=0`` returns `day` rolled *following*
    (`day` itself when it is a business day): "pay within 0 business days" of a Saturday means
    Monday. From a non-business day, 0 and 1 therefore give the same date.

    >>> from datetime import date
    >>> calendar = WeekendCalendar()
    >>> friday = date(2024, 8, 30)
    >>> add_business_days(friday, 3, calendar), add_business_days(friday, -5, calendar)
    (datetime.date(2024, 9, 4), datetime.date(2024, 8, 23))

    Raises:
        TypeError: when `days` is not an int.
        CalendarError: when the calendar has no business day within ten years.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, not {type(days).__name__} {days!r}")
    is_business_day = calendar.is_business_day
    if days == 0:
        return _scan(day, _ONE_DAY, is_business_day)
    step = _ONE_DAY if days > 0 else -_ONE_DAY
    for _ in range(abs(days)):
        day = _scan(_shift(day, step), step, is_business_day)
    return day


def next_business_day(day: date, calendar: BusinessCalendar) -> date:
    """Return the first business day strictly after `day`.

    For "`day` if it is a business day, else the next one", use `roll` with
    `RollConvention.FOLLOWING`.

    >>> from datetime import date
    >>> next_business_day(date(2024, 8, 30), WeekendCalendar())
    datetime.date(2024, 9, 2)
    """
    return add_business_days(day, 1, calendar)


def business_days_between(start: date, end: date, calendar: BusinessCalendar) -> int:
    """Count the business days after `start` up to and including `end`.

    This counts the way `days_late` counts calendar days, and undoes `add_business_days`:
    ``business_days_between(day, add_business_days(day, n, calendar), calendar) == n`` for
    every ``n >= 1``. When `end` is before `start` the count is negative:
    ``business_days_between(a, b) == -business_days_between(b, a)``.

    >>> from datetime import date
    >>> calendar = WeekendCalendar()
    >>> business_days_between(date(2024, 8, 30), date(2024, 9, 4), calendar)
    3
    >>> business_days_between(date(2024, 9, 4), date(2024, 8, 30), calendar)
    -3
    """
    if end < start:
        return -business_days_between(end, start, calendar)
    is_business_day = calendar.is_business_day
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if is_business_day(day):
            count += 1
    return count


# -- field types ------------------------------------------------------------------------------


def _weekdays(value: object) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise PydanticCustomError(
            "dunning.weekend",
            "weekend must be a collection of weekdays (0=Monday .. 6=Sunday), not {value}",
            {"value": repr(value)},
        )
    numbers: set[int] = set()
    for item in value:
        number = _WEEKDAY_NAMES.get(item.lower()) if isinstance(item, str) else item
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 6:
            raise PydanticCustomError(
                "dunning.weekday",
                "weekend day {value} is not a weekday: use 0 (Monday) to 6 (Sunday) "
                "or an English weekday name such as 'saturday'",
                {"value": repr(item)},
            )
        numbers.add(number)
    if len(numbers) == 7:
        raise PydanticCustomError(
            "dunning.weekend",
            "weekend {value} holds all seven days of the week; a calendar needs at least one "
            "business day",
            {"value": repr(tuple(sorted(numbers)))},
        )
    return tuple(sorted(numbers))


#: The weekdays that are not business days, as sorted numbers (0=Monday .. 6=Sunday). Numbers,
#: English names ("sat", "saturday") and any order are accepted; all seven days are refused.
Weekend = Annotated[tuple[int, ...], BeforeValidator(_weekdays)]


def _sorted_dates(value: tuple[date, ...]) -> tuple[date, ...]:
    return tuple(sorted(set(value)))


_Closures = Annotated[tuple[date, ...], AfterValidator(_sorted_dates)]


_V = TypeVar("_V")


class _YearCache(dict[int, _V]):
    """Facts about each year (non-business days, holiday names), filled on first use.

    It compares equal to any other cache, so that a calendar that has answered questions
    still equals (and round-trips to) one that has not.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _YearCache)

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, _YearCache)

    __hash__ = None


def _off_days(year: int, weekend: tuple[int, ...], extra: Iterable[date]) -> frozenset[date]:
    """Return the non-business days of `year`: its weekend days plus `extra` in that year."""
    off = {day for day in extra if day.year == year}
    if weekend:
        day = date(year, 1, 1)
        last = date(year, 12, 31)
        # Step to the first day of each weekday of the weekend, then by whole weeks (never
        # past December 31st, which in the year 9999 is the last day a date can hold).
        for weekday in weekend:
            current = day + timedelta(days=(weekday - day.weekday()) % 7)
            while True:
                off.add(current)
                if (last - current).days < 7:
                    break
                current += timedelta(days=7)
    return frozenset(off)


# -- calendars --------------------------------------------------------------------------------


class WeekendCalendar(Model):
    """Business days are the days outside the weekend, minus company closure dates.

    >>> from datetime import date
    >>> calendar = WeekendCalendar(weekend=("fri", "sat"), closures=(date(2024, 12, 24),))
    >>> calendar.weekend
    (4, 5)
    >>> calendar.is_business_day(date(2024, 12, 22)), calendar.is_business_day(date(2024, 12, 24))
    (True, False)
    >>> calendar.roll(date(2024, 12, 27))
    datetime.date(2024, 12, 29)
    """

    weekend: Weekend = Field(
        default=(5, 6), description="Weekdays off, 0=Monday .. 6=Sunday; Saturday and Sunday."
    )
    closures: _Closures = Field(default=(), description="Company closure dates (sorted).")

    _off: _YearCache[frozenset[date]] = PrivateAttr(default_factory=_YearCache)

    def _fill(self, year: int) -> frozenset[date]:
        off = _off_days(year, self.weekend, self.closures)
        self.__pydantic_private__["_off"][year] = off  # type: ignore[index]  # always set
        return off

    def is_business_day(self, day: date) -> bool:
        """Whether `day` is neither a weekend day nor a closure date."""
        off = self.__pydantic_private__["_off"].get(day.year)  # type: ignore[index]  # always set
        if off is None:
            off = self._fill(day.year)
        return day not in off

    def roll(self, day: date, convention: RollConvention | str = RollConvention.FOLLOWING) -> date:
        """Move `day` to a business day by `convention` (see the module function `roll`)."""
        return roll(day, convention, self)

    def add_business_days(self, day: date, days: int) -> date:
        """Return the `days`-th business day after `day` (see `add_business_days`)."""
        return add_business_days(day, days, self)

    def next_business_day(self, day: date) -> date:
        """Return the first business day strictly after `day`."""
        return add_business_days(day, 1, self)

    def business_days_between(self, start: date, end: date) -> int:
        """Count the business days after `start` up to `end` (see `business_days_between`)."""
        return business_days_between(start, end, self)


def _holidays_package() -> ModuleType:
    try:
        import holidays  # optional extra, imported when first needed
    except ImportError:
        raise missing_dependency("holidays", "holidays") from None
    return holidays


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    # The registry lists the codes without importing the 200-odd country modules.
    registry = import_module("holidays.registry")
    return frozenset(registry.EntityLoader.get_country_codes(include_aliases=False))


def _country_entity(country: str) -> Any:
    """Return the holidays entity (a lazy loader of its class) of an alpha-2 `country`."""
    package = _holidays_package()
    if country not in _country_codes():
        raise PydanticCustomError(
            "dunning.country",
            "country {value} is not supported: use an ISO 3166-1 alpha-2 code that the "
            "holidays package covers, such as 'CO', 'CL', 'MX', 'DE' or 'US' "
            "(see holidays.list_supported_countries())",
            {"value": repr(country)},
        )
    return getattr(package, country)


class HolidayCalendar(Model):
    """Business days of a country: outside the weekend, its public holidays and closure dates.

    Holidays come from the optional `holidays` package (``pip install "dunning[holidays]"``),
    computed once per year and per calendar object. Holiday names are in `language`, which
    defaults to the country's own language (not the environment's locale, so that names are
    the same on every machine).

    >>> from datetime import date
    >>> colombia = HolidayCalendar(country="CO")
    >>> colombia.is_business_day(date(2024, 7, 19)), colombia.is_business_day(date(2024, 7, 20))
    (True, False)
    >>> colombia.holidays_in(2024)[date(2024, 7, 20)]
    'Día de la Independencia'
    >>> colombia.add_business_days(date(2024, 7, 19), 1)
    datetime.date(2024, 7, 22)

    Raises:
        dunning.errors.MissingDependencyError: when the `holidays` package is not installed.
        pydantic.ValidationError: for an unknown country, subdivision or language.
    """

    country: str = Field(description="ISO 3166-1 alpha-2 country code, e.g. 'CO'.")
    subdivision: str | None = Field(
        default=None, description="ISO 3166-2 subdivision code (state, department), e.g. 'CA'."
    )
    language: str | None = Field(
        default=None, description="Language of holiday names; None for the country's own."
    )
    weekend: Weekend = Field(
        default=(5, 6), description="Weekdays off, 0=Monday .. 6=Sunday; Saturday and Sunday."
    )
    closures: _Closures = Field(default=(), description="Company closure dates (sorted).")

    _off: _YearCache[frozenset[date]] = PrivateAttr(default_factory=_YearCache)
    _names: _YearCache[dict[date, str]] = PrivateAttr(default_factory=_YearCache)

    @field_validator("country")
    @classmethod
    def _check_country(cls, country: str) -> str:
        _country_entity(country)
        return country

    @field_validator("subdivision")
    @classmethod
    def _check_subdivision(cls, subdivision: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if subdivision is None or country is None:
            return subdivision
        entity = _country_entity(country)
        if subdivision not in (*entity.subdivisions, *entity.subdivisions_aliases):
            supported = ", ".join(sorted(entity.subdivisions)) or "none"
            raise PydanticCustomError(
                "dunning.subdivision",
                "subdivision {value} of {country} is not supported by the holidays package; "
                "supported subdivisions: {supported}",
                {"value": repr(subdivision), "country": country, "supported": supported},
            )
        return subdivision

    @field_validator("language")
    @classmethod
    def _check_language(cls, language: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if language is None or country is None:
            return language
        entity = _country_entity(country)
        if language not in entity.supported_languages:
            supported = ", ".join(sorted(entity.supported_languages)) or "none"
            raise PydanticCustomError(
                "dunning.language",
                "language {value} is not supported for the holiday names of {country}; "
                "supported languages: {supported}",
                {"value": repr(language), "country": country, "supported": supported},
            )
        return language

    def _load(self, year: int) -> dict[date, str]:
        names: dict[int, dict[date, str]] = self.__pydantic_private__["_names"]  # type: ignore[index]  # always set
        found = names.get(year)
        if found is None:
            package = _holidays_package()
            entity = _country_entity(self.country)
            table = package.country_holidays(
                self.country,
                subdiv=self.subdivision,
                years=year,
                language=self.language or entity.default_language,
            )
            # The package files each day under its own year (1 January's observed day of
            # 31 December is in the earlier year); the filter guards that assumption, so a
            # day can never be cached under two years.
            found = {day: name for day, name in sorted(table.items()) if day.year == year}
            names[year] = found
        return found

    def _fill(self, year: int) -> frozenset[date]:
        off = _off_days(year, self.weekend, (*self.closures, *self._load(year)))
        self.__pydantic_private__["_off"][year] = off  # type: ignore[index]  # always set
        return off

    def is_business_day(self, day: date) -> bool:
        """Whether `day` is neither a weekend day, a public holiday nor a closure date."""
        off = self.__pydantic_private__["_off"].get(day.year)  # type: ignore[index]  # always set
        if off is None:
            off = self._fill(day.year)
        return day not in off

    def holidays_in(self, year: int) -> dict[date, str]:
        """Return the public holidays of `year` (closures excluded) by date, with their names.

        >>> from datetime import date
        >>> HolidayCalendar(country="US", language="en_US").holidays_in(2024)[date(2024, 7, 4)]
        'Independence Day'
        """
        return dict(self._load(year))

    def roll(self, day: date, convention: RollConvention | str = RollConvention.FOLLOWING) -> date:
        """Move `day` to a business day by `convention` (see the module function `roll`)."""
        return roll(day, convention, self)

    def add_business_days(self, day: date, days: int) -> date:
        """Return the `days`-th business day after `day` (see `add_business_days`)."""
        return add_business_days(day, days, self)

    def next_business_day(self, day: date) -> date:
        """Return the first business day strictly after `day`."""
        return add_business_days(day, 1, self)

    def business_days_between(self, start: date, end: date) -> int:
        """Count the business days after `start` up to `end` (see `business_days_between`)."""
        return business_days_between(start, end, self)
