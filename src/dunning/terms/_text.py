"""The short notation of payment terms and the registry of named terms."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import (
    Decimal,
)
from types import MappingProxyType

from pydantic import ValidationError

from dunning.errors import TermsParseError
from dunning.terms._lines import Deposit, DiscountTier, TermLine
from dunning.terms._rules import (
    DayOfFollowingMonth,
    DaysAfter,
    DaysAfterMonthEnd,
    DueRule,
    MonthsAfterMonthEnd,
)
from dunning.terms._schedule import PaymentTerms

__all__ = ["TERMS", "get_terms", "parse_terms"]


_NUMBER = r"\d+(?:\.\d+)?"
_END = r"(?=\s|$)"
_DAYS_WORD = r"(?:days?|dias)"
_MONTH_END = (
    r"(?:eom|e\.o\.m\.?|end\s+of\s+(?:the\s+)?month|fora\s+(?:o\s+|do\s+)?mes|fim\s+do\s+mes"
    r"|fin\s+de\s+mes|fecha\s+factura\s+fin\s+de\s+mes)"
)
_DEPOSIT = re.compile(
    rf"(?P<percent>{_NUMBER})\s*%\s*(?:deposit|advance|upfront|down(?:\s+payment)?|anticipo"
    rf"|adelanto|entrada|sinal){_END}(?:\s+(?:balance|then|and|saldo|y|e){_END})?"
)
_INSTALLMENTS = re.compile(
    rf"(?P<credit>credito\s+(?:a\s+)?)?(?P<days>\d+(?:\s*/\s*\d+)+)"
    rf"(?:\s*(?P<word>{_DAYS_WORD}))?{_END}"
)
_TIER = re.compile(rf"(?P<percent>{_NUMBER})\s*%?\s*/\s*(?P<days>\d+){_END}")
_ANCHOR = re.compile(rf"(?:{_MONTH_END}|prox(?:imo|\.)?){_END}")
_NET = re.compile(
    rf"(?:(?:net|n|neto)\s*/?\s*(?P<days>\d+)(?:\s*{_DAYS_WORD})?"
    rf"|(?:credito\s+(?:a\s+)?|a\s+)?(?P<plain>\d+)\s*{_DAYS_WORD})"
    rf"(?:\s+(?P<eom>{_MONTH_END}))?{_END}"
)
_PROX = re.compile(rf"(?P<day>\d+)(?:st|nd|rd|th)?\s+prox(?:imo|\.)?{_END}")
_RECEIPT = re.compile(
    rf"(?:(?:due\s+)?(?:on|upon)\s+receipt|receipt|immediate(?:ly)?"
    rf"|(?:pago\s+)?(?:de\s+|al\s+)?contado|(?:pagamento\s+)?a\s+vista){_END}"
)
_ANYTHING = re.compile(r".*")
_CASH_ON_DELIVERY = re.compile(rf"(?:cod|c\.o\.d\.?|cash\s+on\s+delivery){_END}")

#: Days from the end of a discount window to the net date when "2/10 EOM" gives no net days:
#: the textbook reading of the notation (net 30 days after the end of the month).
_NET_AFTER_WINDOW = 20

_EXPECTED = (
    "the net days ('net 30', 'n/30', 'N30', 'net 30 EOM', '30 días', 'neto 30', '30 dias fora "
    "o mês'), 'due on receipt' ('contado'), a day of the next month ('10th prox') or equal "
    "installments ('30/60/90', 'crédito 30/60/90 días')"
)

#: Notations offered as suggestions for a text the parser cannot read.
_KNOWN_TEXTS = (
    "net 30",
    "n/30",
    "2/10 net 30",
    "net 30 eom",
    "2/10 eom",
    "2/10 prox",
    "10th prox",
    "due on receipt",
    "50% deposit net 30",
    "30/60/90",
    "neto 30",
    "30 dias",
    "contado",
    "credito 30/60/90 dias",
    "30 dias fora o mes",
    "a vista",
)


def _parse_error(text: str, reason: str) -> TermsParseError:
    return TermsParseError(f"cannot read payment terms {text!r}: {reason}")


def _plain(text: str) -> str:
    """Lower case, accents dropped, commas and semicolons as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.replace(",", " ").replace(";", " ").split())


def _suggestion(normal: str) -> str:
    close = difflib.get_close_matches(normal, _KNOWN_TEXTS, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_terms(text: str) -> PaymentTerms:
    """Read payment terms from their usual short notation, in English, Spanish or Portuguese.

    The text is, case-insensitively, accents optional, and with commas or extra spaces
    anywhere between words:

    - an optional deposit: ``50% deposit`` (or ``advance``, ``upfront``, ``down payment``,
      ``anticipo``, ``entrada``), optionally followed by ``balance``;
    - any number of discount tiers ``percent/days`` (``2/10``; ``2%/10``), in any order; they
      are sorted by days and must earn smaller discounts as the days grow (``2/5 1/10``);
      followed by ``EOM`` or ``prox`` they count from the end of the invoice month
      ("2/10 EOM": 2% off until the 10th of the next month), and when no net days follow,
      the net date is 20 days after the window (``net 30 EOM``);
    - the due date: ``net 30`` (``n/30``, ``N30``, ``net 30 days``, ``neto 30``, ``30 días``,
      ``crédito 30 días``), ``net 30 EOM`` (30 days after the end of the invoice month;
      ``30 dias fora o mês``, ``30 días fin de mes``), ``10th prox`` (the 10th of the next
      month) or ``due on receipt`` (``upon receipt``, ``immediate``, ``net 0``,
      ``contado``, ``à vista``); discount tiers count from the same anchor as the net days;
    - or, instead, equal installments: ``30/60/90`` (``crédito 30/60/90 días``): one equal
      remainder line due 30, 60 and 90 days after the invoice date.

    "COD" is refused on purpose: cash on delivery depends on the delivery date, which the
    terms do not know; use "due on receipt" with the delivery date as the invoice date.
    The name of the result is its canonical text (`PaymentTerms.to_text`), so
    ``parse_terms(str(terms))`` gives back the same terms for every text it reads.

    >>> parse_terms("2/10, n/30").name
    '2/10 net 30'
    >>> parse_terms("Net 30 EOM").lines[0].due
    DaysAfterMonthEnd(roll=<RollConvention.NONE: 'none'>, kind='days_after_month_end', days=30)
    >>> parse_terms("30 dias fora o mês").name, parse_terms("contado").name
    ('net 30 EOM', 'due on receipt')

    Raises:
        TermsParseError: when the text cannot be read; the message quotes it, says what
            was expected and suggests the closest notation it knows.
    """
    if not isinstance(text, str):
        raise TermsParseError(f"payment terms must be a str, not {type(text).__name__} {text!r}")
    normal = _plain(text)
    if not normal:
        raise _parse_error(text, f"the text is empty; expected {_EXPECTED}")
    if _CASH_ON_DELIVERY.fullmatch(normal):
        raise _parse_error(
            text,
            "cash on delivery depends on the delivery date, which payment terms do not know; "
            "use 'due on receipt' with the delivery date as the invoice date",
        )
    position = 0

    def take(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal position
        found = pattern.match(normal, position)
        if found is not None:
            position = found.end()
            while position < len(normal) and normal[position] == " ":
                position += 1
        return found

    deposit = None
    found = take(_DEPOSIT)
    if found is not None:
        deposit = {"percent": found["percent"]}
    lines: list[dict[str, object]]
    start = position
    found = take(_INSTALLMENTS)
    days = [] if found is None else [int(part) for part in found["days"].split("/")]
    if found is not None and (found["credit"] or found["word"] or len(days) > 2):
        if days != sorted(set(days)):
            raise _parse_error(text, f"installment days {found['days']!r} must increase")
        lines = [{"remainder": True, "due": {"kind": "days_after", "days": day}} for day in days]
    else:
        position = start
        lines = [_single_line(text, normal, take)]
    if position < len(normal):
        raise _parse_error(
            text,
            f"unexpected {normal[position:]!r} after {normal[:position].strip()!r}"
            + _suggestion(normal),
        )
    try:
        terms = PaymentTerms.model_validate(
            {"name": text.strip(), "lines": lines, "deposit": deposit}
        )
    except ValidationError as error:
        raise _parse_error(text, error.errors()[0]["msg"]) from None
    return terms.evolve(name=terms.to_text())


def _single_line(
    text: str, normal: str, take: Callable[[re.Pattern[str]], re.Match[str] | None]
) -> dict[str, object]:
    """Read the discount tiers and the due date of a one-line text (see `parse_terms`)."""
    tiers: list[tuple[int, str]] = []
    while (found := take(_TIER)) is not None:
        tiers.append((int(found["days"]), found["percent"]))
    tiers.sort(key=lambda tier: tier[0])
    month_end = bool(tiers) and take(_ANCHOR) is not None
    due: dict[str, object]
    if (found := take(_NET)) is not None:
        days = int(found["days"] or found["plain"])
        month_end = month_end or found["eom"] is not None
        due = {"kind": "days_after_month_end" if month_end else "days_after", "days": days}
    elif (found := take(_PROX)) is not None:
        month_end = True
        due = {"kind": "day_of_following_month", "day": int(found["day"])}
    elif not month_end and take(_RECEIPT) is not None:
        due = {"kind": "days_after", "days": 0}
    elif month_end:
        due = {"kind": "days_after_month_end", "days": tiers[-1][0] + _NET_AFTER_WINDOW}
    else:
        raise _parse_error(text, f"expected {_EXPECTED} at {_rest(take)!r}{_suggestion(normal)}")
    # The discount windows count from the same anchor as the net days.
    anchor = "month_end" if month_end else "invoice_date"
    discounts = [{"days": days, "percent": percent, "based_on": anchor} for days, percent in tiers]
    return {"remainder": True, "due": due, "discounts": discounts}


def _rest(take: Callable[[re.Pattern[str]], re.Match[str] | None]) -> str:
    found = take(_ANYTHING)
    return found.group() if found is not None and found.group() else "the end of the text"


# -- the registry ---------------------------------------------------------------------------


def _terms(
    name: str,
    due: DueRule,
    description: str,
    *,
    discounts: tuple[DiscountTier, ...] = (),
    deposit: Deposit | None = None,
) -> PaymentTerms:
    return PaymentTerms(
        name=name,
        lines=(TermLine(remainder=True, due=due, discounts=discounts),),
        deposit=deposit,
        description=description,
    )


def _net(days: int) -> PaymentTerms:
    return _terms(
        f"net {days}",
        DaysAfter(days=days),
        f"The whole amount is due {days} days after the invoice date.",
    )


def _two_part_discount(percent: int, days: int, net: int) -> PaymentTerms:
    return _terms(
        f"{percent}/{days} net {net}",
        DaysAfter(days=net),
        f"{percent}% off when paid within {days} days of the invoice date; otherwise the whole "
        f"amount is due {net} days after it.",
        discounts=(DiscountTier(days=days, percent=Decimal(percent)),),
    )


_REGISTRY = (
    _terms("due on receipt", DaysAfter(days=0), "The whole amount is due on the invoice date."),
    *(_net(days) for days in (7, 10, 15, 30, 45, 60, 90)),
    _two_part_discount(1, 10, 30),
    _two_part_discount(2, 10, 30),
    _two_part_discount(2, 10, 60),
    _terms(
        "net 30 EOM",
        DaysAfterMonthEnd(days=30),
        "The whole amount is due 30 days after the end of the invoice month.",
    ),
    _terms(
        "net 60 EOM",
        DaysAfterMonthEnd(days=60),
        "The whole amount is due 60 days after the end of the invoice month.",
    ),
    _terms(
        "10th prox",
        DayOfFollowingMonth(day=10),
        "The whole amount is due on the 10th of the month after the invoice month.",
    ),
    _terms(
        "15th prox",
        DayOfFollowingMonth(day=15),
        "The whole amount is due on the 15th of the month after the invoice month.",
    ),
    _terms(
        "50% deposit net 30",
        DaysAfter(days=30),
        "Half is due on the invoice date; the rest 30 days after it.",
        deposit=Deposit(percent=Decimal(50)),
    ),
    _terms(
        "30% deposit net 30",
        DaysAfter(days=30),
        "30% is due on the invoice date; the rest 30 days after it.",
        deposit=Deposit(percent=Decimal(30)),
    ),
    PaymentTerms(
        name="30/60/90",
        lines=tuple(TermLine(remainder=True, due=DaysAfter(days=days)) for days in (30, 60, 90)),
        description="Three equal installments, due 30, 60 and 90 days after the invoice date.",
    ),
    PaymentTerms(
        name="end of next month",
        lines=(TermLine(remainder=True, due=MonthsAfterMonthEnd(months=1)),),
        description="The whole amount is due on the last day of the month after the invoice month.",
    ),
)

#: Common named payment terms, read-only, by name. Names are lower case except "EOM"; look
#: them up with `get_terms`, which ignores case and extra spaces.
TERMS: Mapping[str, PaymentTerms] = MappingProxyType({terms.name: terms for terms in _REGISTRY})

_KEYS = MappingProxyType({" ".join(name.lower().split()): name for name in TERMS})


def get_terms(name: str) -> PaymentTerms:
    """Return the registered terms called `name` (case and extra spaces do not matter).

    >>> get_terms("Net 30").lines[0].due.days
    30

    Raises:
        KeyError: when no terms have that name; the message lists the closest names.
    """
    key = " ".join(str(name).lower().split())
    if key in _KEYS:
        return TERMS[_KEYS[key]]
    close = difflib.get_close_matches(key, list(_KEYS), n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(repr(_KEYS[match]) for match in close)}?"
        if close
        else f"known terms: {', '.join(repr(known) for known in TERMS)}"
    )
    raise KeyError(f"no payment terms named {name!r}; {hint} (parse_terms reads other texts)")
