"""What every jurisdiction preset offers, and the claim it computes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import Field

from dunning._model import Model
from dunning.daycount import days_late
from dunning.errors import StatutoryOptionError, UnknownJurisdictionError
from dunning.money import Money
from dunning.penalties import FixedFee, InterestComputation, InterestRule, PercentFee, TieredFee

__all__ = [
    "Jurisdiction",
    "Options",
    "StatutoryClaim",
    "StatutoryOptionError",
    "UnknownJurisdictionError",
]


class Options(Model):
    """The options of a preset; each preset declares its own (unknown options are refused)."""


class StatutoryClaim(Model):
    """What the law grants a creditor for one late invoice on an evaluation date.

    `total` is the rounded interest plus the compensation (when there is one).
    """

    jurisdiction: str = Field(description="The registry code, e.g. 'DE'.")
    legal_basis: str = Field(description="The statutes the figures come from.")
    principal: Money = Field(description="The late invoice's principal.")
    due_date: date = Field(description="The day the invoice was due.")
    until: date = Field(description="The payment or evaluation day (included).")
    days_late: int = Field(description="Days from the day after due date to `until`.")
    interest: InterestComputation = Field(description="Statutory interest, segment by segment.")
    compensation: Money | None = Field(description="Fixed compensation, if the law grants one.")
    total: Money = Field(description="Interest plus compensation.")


OptionsT = TypeVar("OptionsT", bound=Options)

#: The late fees a preset can express.
_Fee = FixedFee | PercentFee | TieredFee


class Jurisdiction(ABC, Generic[OptionsT]):
    """A statutory preset: interest rule, fixed compensation and claim for one jurisdiction.

    The keyword options of every method are those of the preset's `options` model; the same
    options may be passed to each method (each takes what it needs), and unknown ones raise
    `pydantic.ValidationError`.
    """

    code: ClassVar[str]
    """The registry code (ISO 3166 alpha-2, or "EU")."""
    name: ClassVar[str]
    """The statute's name."""
    legal_basis: ClassVar[str]
    """The provisions the preset applies, for claims and explanations."""
    options: ClassVar[type[Options]]
    """The options model of the preset."""

    def _options(self, options: dict[str, Any]) -> OptionsT:
        validated: OptionsT = self.options.model_validate(options)  # type: ignore[assignment]  # options is type[OptionsT]
        return validated

    def interest_rule(self, **options: Any) -> InterestRule:
        """Return the statutory interest as an `InterestRule` (for a policy or `compute`).

        Raises:
            pydantic.ValidationError: for an unknown or invalid option.
            StatutoryOptionError: for a missing or contradictory option, or options whose
                rates cannot be computed (e.g. an agreed rate of 1E+400 %).
        """
        chosen = self._options(options)
        try:
            return self._interest_rule(chosen)
        except ArithmeticError:
            given = ", ".join(
                f"{name}={value}"
                for name, value in chosen.model_dump(exclude_defaults=True).items()
                if not isinstance(value, dict)
            )
            raise StatutoryOptionError(
                f"the rates of these options cannot be computed ({given or 'no rate given'}); "
                "rates are annual percentages, e.g. 25 for 25 %"
            ) from None

    def late_fee(self, **options: Any) -> _Fee | None:
        """Return the fixed compensation as a late fee for a policy, or None if there is none.

        Raises:
            pydantic.ValidationError: for an unknown or invalid option.
            StatutoryOptionError: for a missing or contradictory option.
        """
        return self._late_fee(self._options(options))

    def compensation(
        self, principal: Money, *, days_late: int | None = None, **options: Any
    ) -> Money | None:
        """Return the fixed compensation for a late invoice of `principal`, if any.

        `days_late` matters where the law grants the sum only after some days (Chile); None
        means the caller has checked that the invoice is late enough.

        Raises:
            pydantic.ValidationError: for an unknown or invalid option.
            StatutoryOptionError: for a missing or contradictory option.
        """
        return self._compensation(principal, self._options(options), days_late)

    def claim(
        self, principal: Money, due_date: date, until: date, **options: Any
    ) -> StatutoryClaim:
        """Return the statutory interest and compensation for `principal` late until `until`.

        Nothing is owed when `until` is on or before the due date.

        Raises:
            pydantic.ValidationError: for an unknown or invalid option.
            StatutoryOptionError: for a missing or contradictory option.
            RateNotFoundError: when a rate table has no rate for a day of the late period.
        """
        chosen = self._options(options)
        late = days_late(due_date, until)
        interest = self._interest_rule(chosen).compute(principal, due_date, until)
        compensation = self._compensation(principal, chosen, late) if late else None
        total = interest.amount if compensation is None else interest.amount + compensation
        return StatutoryClaim(
            jurisdiction=self.code,
            legal_basis=self.legal_basis,
            principal=principal,
            due_date=due_date,
            until=until,
            days_late=late,
            interest=interest,
            compensation=compensation,
            total=total,
        )

    @abstractmethod
    def _interest_rule(self, options: OptionsT) -> InterestRule: ...

    def _late_fee(self, options: OptionsT) -> _Fee | None:
        return None

    def _compensation(
        self, principal: Money, options: OptionsT, days_late: int | None
    ) -> Money | None:
        fee = self._late_fee(options)
        return None if fee is None else fee.compute(principal)

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code}: {self.name}>"
