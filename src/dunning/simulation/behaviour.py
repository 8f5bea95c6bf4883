"""How simulated customers pay: composable payer-behaviour models with parameters to set or fit.

Each model is a frozen, validated value (probabilities in [0, 1], every error with its path):

- `PaymentHazard`: the baseline probability that an unpaid invoice is paid on a day, relative
  to its due date (a discrete-time hazard): small before the due date, a spike on it, then a
  decaying tail; a share of customers never pays.
- `ReminderResponse`: the uplift a message gives that hazard, by channel and tone, decaying
  over the following days, with fatigue (each further message within a window adds less) and
  an opt-out/complaint probability once a customer has had too many.
- `PartialPayments`, `Disputes`, `Promises`, `Plans`, `AutomaticCharges`: partial payments,
  disputes raised and resolved, promises to pay kept or broken, installment plans accepted and
  kept or defaulted, automatic charges failing (soft or hard declines) and their retries.

`Behaviour` composes them, with one hazard per segment (``"default"`` for the rest).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from dunning._model import Model
from dunning.invoices import Channel
from dunning.policy.model import Tone

__all__ = [
    "AutomaticCharges",
    "Behaviour",
    "Disputes",
    "PartialPayments",
    "PaymentHazard",
    "Plans",
    "Promises",
    "ReminderResponse",
]

_P = Field(ge=0.0, le=1.0)


class PaymentHazard(Model):
    """The daily probability of paying in full, by day relative to the due date.

    Before the due date ``before_due`` a day; ``on_due`` on it; ``after_due`` the day after,
    multiplied by ``decay`` for each further day. ``never_pay`` is the share of customers who
    never pay, whatever they are sent.

    >>> hazard = PaymentHazard(after_due=0.1, decay=0.5)
    >>> hazard.on(-5), hazard.on(1), hazard.on(3)
    (0.01, 0.1, 0.025)
    """

    before_due: float = Field(default=0.01, ge=0.0, le=1.0)
    on_due: float = Field(default=0.30, ge=0.0, le=1.0)
    after_due: float = Field(default=0.06, ge=0.0, le=1.0)
    decay: float = Field(default=0.97, ge=0.0, le=1.0)
    never_pay: float = Field(default=0.03, ge=0.0, le=1.0)

    def on(self, days_from_due: int) -> float:
        """The baseline probability of paying on a day `days_from_due` after the due date."""
        if days_from_due < 0:
            return self.before_due
        if days_from_due == 0:
            return self.on_due
        return self.after_due * self.decay ** (days_from_due - 1)


def _default_uplift() -> dict[Channel, float]:
    return {
        Channel.EMAIL: 0.3,
        Channel.SMS: 0.5,
        Channel.WHATSAPP: 0.8,
        Channel.PHONE: 1.5,
        Channel.POSTAL: 0.2,
    }


class ReminderResponse(Model):
    """How much a message lifts the payment hazard, and when customers have had enough.

    A message received ``age`` days ago multiplies the hazard by ``1 + uplift[channel] *
    tone[tone] * 0.5 ** (age / half_life_days)``; the k-th message within ``window_days``
    counts ``fatigue ** (k - 1)`` of that (fatigue 1: no fatigue). Each message beyond
    ``opt_out_after`` within the window makes the customer opt out of that channel with
    ``opt_out_probability`` (a complaint).

    >>> r = ReminderResponse(uplift={"sms": 1.0}, half_life_days=1)
    >>> r.lift("sms", "friendly", age=1, rank=1)
    0.5
    """

    uplift: dict[Channel, float] = Field(default_factory=_default_uplift)
    tone: dict[Tone, float] = Field(default_factory=dict, description="Multipliers; 1 if absent.")
    half_life_days: float = Field(default=2.0, gt=0.0, le=365.0)
    fatigue: float = Field(default=0.6, ge=0.0, le=1.0)
    window_days: int = Field(default=7, ge=1, le=365)
    opt_out_after: int = Field(default=3, ge=0, le=1000)
    opt_out_probability: float = Field(default=0.05, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _non_negative(self) -> ReminderResponse:
        for name, values in (("uplift", self.uplift), ("tone", self.tone)):
            for key, value in values.items():
                if not 0.0 <= value <= 100.0:
                    raise ValueError(f"{name}[{key}] must be between 0 and 100, got {value}")
        return self

    def lift(self, channel: str, tone: str, *, age: int, rank: int) -> float:
        """The relative lift of one message received `age` days ago, `rank`-th in its window."""
        base = self.uplift.get(Channel(channel), 0.0) * self.tone.get(Tone(tone), 1.0)
        decay: float = 0.5 ** (age / self.half_life_days)
        return base * decay * self.fatigue ** (rank - 1)


class PartialPayments(Model):
    """When a customer pays, the chance it is only part of the balance, and which part.

    >>> PartialPayments(probability=0.2, min_share=0.3, max_share=0.6).max_share
    0.6
    """

    probability: float = Field(default=0.1, ge=0.0, le=1.0)
    min_share: float = Field(default=0.3, gt=0.0, lt=1.0)
    max_share: float = Field(default=0.7, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _order(self) -> PartialPayments:
        if self.min_share > self.max_share:
            raise ValueError(
                f"min_share ({self.min_share}) must not exceed max_share ({self.max_share})"
            )
        return self


class Disputes(Model):
    """Disputes raised on the due date and resolved some days later.

    ``upheld`` is the chance the customer is right: the invoice is credited in full. Otherwise
    the dispute is lifted and collection goes on.
    """

    probability: float = Field(default=0.01, ge=0.0, le=1.0)
    resolve_after_days: int = Field(default=15, ge=1, le=365)
    upheld: float = Field(default=0.3, ge=0.0, le=1.0)


class Promises(Model):
    """Promises to pay made after a message, kept or broken.

    The day after a message, with ``probability`` the customer promises to pay within
    ``within_days``; the promise is kept with ``kept`` (the invoice is paid that day) or broken.
    """

    probability: float = Field(default=0.05, ge=0.0, le=1.0)
    within_days: int = Field(default=7, ge=1, le=90)
    kept: float = Field(default=0.6, ge=0.0, le=1.0)


class Plans(Model):
    """Installment plans offered by a stage: accepted or not, kept or defaulted.

    A customer offered a plan accepts it with ``accept``; it then pays each installment on its
    due date, or misses it with ``miss`` (a missed one stays unpaid, so enough of them default
    the plan and collection resumes).
    """

    accept: float = Field(default=0.3, ge=0.0, le=1.0)
    miss: float = Field(default=0.1, ge=0.0, le=1.0)


class AutomaticCharges(Model):
    """Invoices paid by an automatic charge on the due date (a card or a direct debit on file).

    ``share`` of the customers pay this way. The charge on the due date succeeds with
    ``success``; a failed one is a hard decline (stolen card, closed account: no retry ever
    succeeds) with ``hard_share``, else a soft one, and each retry the policy schedules then
    succeeds with ``retry_success``.
    """

    share: float = Field(default=0.0, ge=0.0, le=1.0)
    success: float = Field(default=0.9, ge=0.0, le=1.0)
    hard_share: float = Field(default=0.2, ge=0.0, le=1.0)
    retry_success: float = Field(default=0.4, ge=0.0, le=1.0)


class Behaviour(Model):
    """A complete payer model: hazards per segment and the responses to collection.

    >>> b = Behaviour(hazards={"default": PaymentHazard(), "smb": PaymentHazard(on_due=0.5)})
    >>> b.hazard_for("smb").on_due, b.hazard_for("consumer").on_due
    (0.5, 0.3)
    """

    hazards: dict[str, PaymentHazard] = Field(
        default_factory=lambda: {"default": PaymentHazard()},
        description="Per segment; 'default' for customers of any other segment.",
    )
    response: ReminderResponse = Field(default_factory=ReminderResponse)
    partial: PartialPayments = Field(default_factory=PartialPayments)
    disputes: Disputes = Field(default_factory=Disputes)
    promises: Promises = Field(default_factory=Promises)
    plans: Plans = Field(default_factory=Plans)
    charges: AutomaticCharges = Field(default_factory=AutomaticCharges)

    def hazard_for(self, segment: str | None) -> PaymentHazard:
        """The hazard of a segment, or the default one.

        Raises:
            KeyError: when neither the segment nor 'default' has a hazard.
        """
        if segment is not None and segment in self.hazards:
            return self.hazards[segment]
        return self.hazards["default"]

    def check_segments(self, segments: tuple[str, ...]) -> None:
        """Refuse a model that names a segment the portfolio lacks, or leaves one uncovered.

        Raises:
            ValueError: naming the segments concerned and those the portfolio has.
        """
        known = set(segments)
        unknown = sorted(set(self.hazards) - known - {"default"})
        if unknown:
            raise ValueError(
                f"behaviour.hazards names segments the portfolio does not have: {unknown};"
                f" the portfolio has {sorted(known)}"
            )
        if "default" not in self.hazards:
            uncovered = sorted(known - set(self.hazards))
            if uncovered:
                raise ValueError(
                    f"behaviour.hazards has no entry for segments {uncovered} and no 'default'"
                )

    @classmethod
    def always(cls, probability: float) -> Behaviour:
        """A deterministic model: pay in full on the due date with `probability`.

        Never before or after it, no response to messages, no disputes, promises or partial
        payments: 0 and 1 give the limits a property test can state exactly.
        """
        return cls(
            hazards={
                "default": PaymentHazard(
                    before_due=0.0, on_due=probability, after_due=0.0, never_pay=0.0
                )
            },
            response=ReminderResponse(uplift={}, opt_out_probability=0.0),
            partial=PartialPayments(probability=0.0),
            disputes=Disputes(probability=0.0),
            promises=Promises(probability=0.0),
            plans=Plans(accept=0.0),
        )
