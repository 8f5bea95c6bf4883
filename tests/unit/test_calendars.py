import sys
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from dunning.calendars import (
    BusinessCalendar,
    HolidayCalendar,
    RollConvention,
    WeekendCalendar,
    add_business_days,
    business_days_between,
    next_business_day,
    roll,
)
from dunning.errors import CalendarError, MissingDependencyError

WEEKDAYS = WeekendCalendar()
FRIDAY = date(2024, 8, 30)
SATURDAY = date(2024, 8, 31)
SUNDAY = date(2024, 9, 1)
MONDAY = date(2024, 9, 2)


class Never:
    def is_business_day(self, day: date) -> bool:
        return False


class Always:
    def is_business_day(self, day: date) -> bool:
        return True


def test_calendars_satisfy_the_protocol() -> None:
    assert isinstance(WEEKDAYS, BusinessCalendar)
    assert isinstance(HolidayCalendar(country="CO"), BusinessCalendar)
    assert isinstance(Always(), BusinessCalendar)
    assert not isinstance(object(), BusinessCalendar)


# -- roll ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "convention", "expected"),
    [
        # Saturday 31 August 2024: the next business day is in September.
        (SATURDAY, RollConvention.FOLLOWING, MONDAY),
        (SATURDAY, RollConvention.PRECEDING, FRIDAY),
        (SATURDAY, RollConvention.MODIFIED_FOLLOWING, FRIDAY),
        (SATURDAY, RollConvention.MODIFIED_PRECEDING, FRIDAY),
        (SATURDAY, RollConvention.NONE, SATURDAY),
        # Sunday 1 September 2024: the previous business day is in August.
        (SUNDAY, RollConvention.FOLLOWING, MONDAY),
        (SUNDAY, RollConvention.PRECEDING, FRIDAY),
        (SUNDAY, RollConvention.MODIFIED_FOLLOWING, MONDAY),
        (SUNDAY, RollConvention.MODIFIED_PRECEDING, MONDAY),
        # Mid-month weekend: the modified conventions change nothing.
        (date(2024, 9, 14), RollConvention.MODIFIED_FOLLOWING, date(2024, 9, 16)),
        (date(2024, 9, 14), RollConvention.MODIFIED_PRECEDING, date(2024, 9, 13)),
        # A business day never moves.
        (FRIDAY, RollConvention.FOLLOWING, FRIDAY),
        (FRIDAY, RollConvention.MODIFIED_PRECEDING, FRIDAY),
        # Strings are accepted.
        (SATURDAY, "following", MONDAY),
    ],
)
def test_roll(day: date, convention: RollConvention | str, expected: date) -> None:
    assert roll(day, convention, WEEKDAYS) == expected
    assert WEEKDAYS.roll(day, convention) == expected


def test_roll_modified_following_across_a_year_end() -> None:
    # 31 December 2022 is a Saturday: following would be 2 January 2023.
    assert WEEKDAYS.roll(date(2022, 12, 31), "modified_following") == date(2022, 12, 30)
    assert WEEKDAYS.roll(date(2022, 12, 31)) == date(2023, 1, 2)


def test_roll_defaults_to_following() -> None:
    assert WEEKDAYS.roll(SATURDAY) == MONDAY


def test_roll_rejects_an_unknown_convention() -> None:
    with pytest.raises(
        CalendarError,
        match=r"^'forward' is not a roll convention; use one of 'following', 'preceding', "
        r"'modified_following', 'modified_preceding', 'none'$",
    ):
        roll(SATURDAY, "forward", WEEKDAYS)


def test_roll_gives_up_on_a_calendar_without_business_days() -> None:
    with pytest.raises(
        CalendarError,
        match=r"^no business day within 3660 days after 2024-08-31; "
        r"does the calendar have any business days\?$",
    ):
        roll(SATURDAY, "following", Never())
    with pytest.raises(CalendarError, match="days before 2024-08-31"):
        roll(SATURDAY, "preceding", Never())


def test_roll_past_the_last_supported_date() -> None:
    with pytest.raises(
        CalendarError,
        match=r"^no business day found: the search from 9999-12-31 runs past the dates",
    ):
        roll(date.max, "following", Never())


def test_roll_with_a_custom_calendar() -> None:
    assert roll(SATURDAY, "preceding", Always()) == SATURDAY


# -- add_business_days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (FRIDAY, 1, MONDAY),
        (FRIDAY, 3, date(2024, 9, 4)),
        (FRIDAY, 5, date(2024, 9, 6)),
        (FRIDAY, 6, date(2024, 9, 9)),
        (FRIDAY, -1, date(2024, 8, 29)),
        (FRIDAY, -5, date(2024, 8, 23)),
        (MONDAY, -1, FRIDAY),
        # From a weekend day, counting starts with the next (or previous) business day.
        (SATURDAY, 1, MONDAY),
        (SATURDAY, 3, date(2024, 9, 4)),
        (SATURDAY, -1, FRIDAY),
        (SUNDAY, -2, date(2024, 8, 29)),
        # Zero rolls following; a business day stays.
        (SATURDAY, 0, MONDAY),
        (FRIDAY, 0, FRIDAY),
    ],
)
def test_add_business_days(day: date, days: int, expected: date) -> None:
    assert add_business_days(day, days, WEEKDAYS) == expected
    assert WEEKDAYS.add_business_days(day, days) == expected


@pytest.mark.parametrize("days", [1.0, True, "1"])
def test_add_business_days_needs_an_int(days: object) -> None:
    with pytest.raises(TypeError, match=r"^days must be an int, not \w+ "):
        add_business_days(FRIDAY, days, WEEKDAYS)  # type: ignore[arg-type]


def test_next_business_day_is_strictly_after() -> None:
    assert next_business_day(FRIDAY, WEEKDAYS) == MONDAY
    assert next_business_day(MONDAY, WEEKDAYS) == date(2024, 9, 3)
    assert next_business_day(SATURDAY, WEEKDAYS) == MONDAY
    assert WEEKDAYS.next_business_day(FRIDAY) == MONDAY


# -- business_days_between ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (FRIDAY, FRIDAY, 0),
        (FRIDAY, SATURDAY, 0),
        (FRIDAY, MONDAY, 1),
        (SATURDAY, MONDAY, 1),
        (FRIDAY, date(2024, 9, 6), 5),
        (date(2024, 1, 1), date(2024, 12, 31), 261),
        (MONDAY, FRIDAY, -1),
        (date(2024, 9, 6), FRIDAY, -5),
    ],
)
def test_business_days_between(start: date, end: date, expected: int) -> None:
    assert business_days_between(start, end, WEEKDAYS) == expected
    assert WEEKDAYS.business_days_between(start, end) == expected


# -- WeekendCalendar --------------------------------------------------------------------------


def test_weekend_calendar_defaults() -> None:
    calendar = WeekendCalendar()
    assert calendar.weekend == (5, 6)
    assert calendar.closures == ()
    assert [calendar.is_business_day(FRIDAY + timedelta(n)) for n in range(7)] == [
        True,
        False,
        False,
        True,
        True,
        True,
        True,
    ]


def test_weekend_is_normalised() -> None:
    calendar = WeekendCalendar(weekend=frozenset({6, "Friday", 4, "sat"}))  # type: ignore[arg-type]
    assert calendar.weekend == (4, 5, 6)
    assert WeekendCalendar(weekend=()).weekend == ()


def test_friday_saturday_weekend() -> None:
    calendar = WeekendCalendar(weekend=("fri", "sat"))  # type: ignore[arg-type]
    assert not calendar.is_business_day(FRIDAY)
    assert calendar.is_business_day(SUNDAY)
    assert calendar.roll(FRIDAY) == SUNDAY


def test_no_weekend() -> None:
    calendar = WeekendCalendar(weekend=())
    assert all(calendar.is_business_day(FRIDAY + timedelta(n)) for n in range(400))


def test_closures_are_not_business_days() -> None:
    christmas_eve, new_years_eve = date(2024, 12, 24), date(2024, 12, 31)
    calendar = WeekendCalendar(closures=(new_years_eve, christmas_eve, christmas_eve))
    assert calendar.closures == (christmas_eve, new_years_eve)
    assert not calendar.is_business_day(christmas_eve)
    assert calendar.is_business_day(date(2025, 12, 24))
    assert calendar.add_business_days(date(2024, 12, 23), 1) == date(2024, 12, 25)
    assert calendar.roll(new_years_eve) == date(2025, 1, 1)
    assert calendar.roll(new_years_eve, "modified_following") == date(2024, 12, 30)


def test_every_weekend_day_of_a_year_is_off() -> None:
    calendar = WeekendCalendar(weekend=(0, 6))
    for year in (2023, 2024):
        day = date(year, 1, 1)
        while day.year == year:
            assert calendar.is_business_day(day) == (day.weekday() not in (0, 6))
            day += timedelta(days=1)


@pytest.mark.parametrize(
    ("weekend", "message"),
    [
        (
            range(7),
            r"weekend \(0, 1, 2, 3, 4, 5, 6\) holds all seven days of the week; "
            r"a calendar needs at least one business day \[type=dunning.weekend",
        ),
        (
            [5, 7],
            r"weekend day 7 is not a weekday: use 0 \(Monday\) to 6 \(Sunday\) or an English "
            r"weekday name such as 'saturday' \[type=dunning.weekday",
        ),
        ([-1], r"weekend day -1 is not a weekday"),
        (["caturday"], r"weekend day 'caturday' is not a weekday"),
        ([True], r"weekend day True is not a weekday"),
        ([5.0], r"weekend day 5.0 is not a weekday"),
        (
            "sat",
            r"weekend must be a collection of weekdays \(0=Monday .. 6=Sunday\), not 'sat' "
            r"\[type=dunning.weekend",
        ),
        (5, r"weekend must be a collection of weekdays \(0=Monday .. 6=Sunday\), not 5"),
    ],
)
def test_bad_weekends(weekend: object, message: str) -> None:
    with pytest.raises(ValidationError, match=r"weekend\n  " + message):
        WeekendCalendar(weekend=weekend)  # type: ignore[arg-type]


def test_weekend_calendar_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError, match=r"holidays\n  Extra inputs are not permitted"):
        WeekendCalendar(holidays=())  # type: ignore[call-arg]


def test_weekend_calendar_is_frozen_and_round_trips() -> None:
    calendar = WeekendCalendar(weekend=(4, 5), closures=(date(2024, 12, 24),))
    assert calendar.is_business_day(MONDAY)  # fills the cache
    with pytest.raises(ValidationError, match="Instance is frozen"):
        calendar.weekend = (6,)  # type: ignore[misc]
    text = calendar.model_dump_json()
    assert text == '{"weekend":[4,5],"closures":["2024-12-24"]}'
    again = WeekendCalendar.model_validate_json(text)
    assert again == calendar
    assert hash(again) == hash(calendar)
    assert calendar != WeekendCalendar()
    assert calendar.evolve(weekend=(5, 6)).weekend == (5, 6)


# -- HolidayCalendar --------------------------------------------------------------------------


def test_colombian_holidays_including_ley_emiliani() -> None:
    colombia = HolidayCalendar(country="CO")
    holidays = colombia.holidays_in(2024)
    # 20 July (Independence) is fixed; Saint Joseph (19 March) moves to Monday 25 March
    # under Ley 51 de 1983 ("Ley Emiliani").
    assert holidays[date(2024, 7, 20)] == "Día de la Independencia"
    assert date(2024, 3, 25) in holidays
    assert date(2024, 3, 19) not in holidays
    assert not colombia.is_business_day(date(2024, 3, 25))
    assert colombia.is_business_day(date(2024, 3, 19))
    # Holy week 2024: Thursday 28 and Friday 29 March.
    assert colombia.add_business_days(date(2024, 3, 26), 2) == date(2024, 4, 1)
    assert colombia.next_business_day(date(2024, 3, 22)) == date(2024, 3, 26)
    assert colombia.business_days_between(date(2024, 3, 22), date(2024, 4, 1)) == 3
    assert colombia.roll(date(2024, 3, 29), "preceding") == date(2024, 3, 27)
    assert len(holidays) == 18


def test_holidays_in_returns_a_copy() -> None:
    chile = HolidayCalendar(country="CL")
    chile.holidays_in(2024).clear()
    assert date(2024, 9, 18) in chile.holidays_in(2024)


def test_subdivision_holidays() -> None:
    bavaria = HolidayCalendar(country="DE", subdivision="BY")
    berlin = HolidayCalendar(country="DE", subdivision="BE")
    corpus_christi = date(2024, 5, 30)
    assert not bavaria.is_business_day(corpus_christi)
    assert berlin.is_business_day(corpus_christi)
    # Women's Day is a holiday in Berlin only.
    assert not berlin.is_business_day(date(2024, 3, 8))


def test_holiday_names_follow_the_language() -> None:
    english = HolidayCalendar(country="CO", language="en_US")
    assert english.holidays_in(2024)[date(2024, 7, 20)] == "Independence Day"


def test_mexico_and_united_states() -> None:
    mexico = HolidayCalendar(country="MX")
    assert not mexico.is_business_day(date(2024, 9, 16))
    united_states = HolidayCalendar(country="US")
    # 4 July 2026 is a Saturday, observed on Friday 3 July.
    assert not united_states.is_business_day(date(2026, 7, 3))
    assert united_states.roll(date(2026, 7, 4), "modified_preceding") == date(2026, 7, 2)


def test_holiday_calendar_weekend_and_closures() -> None:
    calendar = HolidayCalendar(
        country="CO", weekend=(6,), closures=(date(2024, 12, 24), date(2024, 12, 31))
    )
    assert calendar.is_business_day(date(2024, 8, 31))  # a Saturday
    assert not calendar.is_business_day(date(2024, 12, 24))
    assert date(2024, 12, 24) not in calendar.holidays_in(2024)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"country": "ZZ"},
            r"country\n  country 'ZZ' is not supported: use an ISO 3166-1 alpha-2 code that the "
            r"holidays package covers, such as 'CO', 'CL', 'MX', 'DE' or 'US' "
            r"\(see holidays.list_supported_countries\(\)\) \[type=dunning.country",
        ),
        ({"country": "co"}, r"country 'co' is not supported"),
        ({"country": "COL"}, r"country 'COL' is not supported"),
        (
            {"country": "US", "subdivision": "XX"},
            r"subdivision\n  subdivision 'XX' of US is not supported by the holidays package; "
            r"supported subdivisions: AK, AL, AR, .*, WY \[type=dunning.subdivision",
        ),
        (
            {"country": "CO", "subdivision": "ANT"},
            r"subdivision 'ANT' of CO is not supported by the holidays package; "
            r"supported subdivisions: none",
        ),
        (
            {"country": "US", "language": "xx"},
            r"language\n  language 'xx' is not supported for the holiday names of US; "
            r"supported languages: .*en_US.* \[type=dunning.language",
        ),
    ],
)
def test_bad_holiday_calendars(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HolidayCalendar(**fields)  # type: ignore[arg-type]


def test_a_bad_country_reports_only_the_country() -> None:
    with pytest.raises(ValidationError) as caught:
        HolidayCalendar(country="ZZ", subdivision="XX", language="xx")
    assert [error["loc"] for error in caught.value.errors()] == [("country",)]


def test_subdivision_aliases_are_accepted() -> None:
    assert HolidayCalendar(country="DE", subdivision="Augsburg").subdivision == "Augsburg"


def test_missing_holidays_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(
        MissingDependencyError,
        match=r"^this feature needs the optional package 'holidays'; "
        r'install it with: pip install "dunning\[holidays\]"$',
    ):
        HolidayCalendar(country="CO")


def test_holiday_calendar_is_frozen_and_round_trips() -> None:
    calendar = HolidayCalendar(country="US", subdivision="CA", closures=(date(2024, 12, 24),))
    assert not calendar.is_business_day(date(2024, 7, 4))
    assert calendar.holidays_in(2025)
    with pytest.raises(ValidationError, match="Instance is frozen"):
        calendar.country = "CO"  # type: ignore[misc]
    text = calendar.model_dump_json()
    again = HolidayCalendar.model_validate_json(text)
    assert again == calendar
    assert hash(again) == hash(calendar)
    assert again != HolidayCalendar(country="US")
    assert again != WeekendCalendar()  # type: ignore[comparison-overlap]


def test_year_caches_never_make_calendars_differ() -> None:
    from dunning.calendars import _YearCache

    filled: _YearCache[int] = _YearCache({2024: 1})
    assert filled == _YearCache()
    assert not filled != _YearCache()  # noqa: SIM202  # the operator itself is under test
    assert filled != {2024: 1}
