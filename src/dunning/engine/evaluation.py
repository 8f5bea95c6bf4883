"""The result of an evaluation, and its plain-text explanation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import cached_property

from pydantic import Field

from dunning._model import Model
from dunning.engine.actions import (
    Action,
    ChargeFee,
    EnterStage,
    HistoryRecord,
    PausedInvoice,
    PostInterest,
    Rejection,
    SendMessage,
    SkippedOccurrence,
    records_of,
)

__all__ = ["CustomerStage", "Evaluation", "InvoiceOutcome"]


class InvoiceOutcome(StrEnum):
    """Where an input invoice ended up in an evaluation; exactly one per invoice."""

    ACTED = "acted"
    """At least one action concerns it."""
    SKIPPED = "skipped"
    """Something fell due but was skipped or deferred (see `Evaluation.skipped`)."""
    PAUSED = "paused"
    """Open, but dunning is paused (see `Evaluation.paused`)."""
    QUIET = "quiet"
    """Nothing is due: not yet due, already handled, paid or void."""
    REJECTED = "rejected"
    """Invalid input (see `Evaluation.rejected`)."""


class CustomerStage(Model):
    """The stage of a customer: the most severe stage among its open invoices."""

    customer_id: str
    policy_id: str
    stage_id: str
    level: int
    invoice_ids: tuple[str, ...] = Field(description="Open invoices at that stage.")


class Evaluation(Model):
    """Everything an evaluation decided, accounting for every input invoice exactly once.

    `acted`, `skipped_invoices`, `quiet`, the invoices of `paused` and those of `rejected`
    partition the input: `outcome(invoice_id)` says which part an invoice is in.
    """

    as_of: date
    actions: tuple[Action, ...] = ()
    skipped: tuple[SkippedOccurrence, ...] = ()
    paused: tuple[PausedInvoice, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    acted: tuple[str, ...] = Field(default=(), description="Ids of invoices acted on.")
    skipped_invoices: tuple[str, ...] = Field(
        default=(), description="Ids of invoices with skipped occurrences and no action."
    )
    quiet: tuple[str, ...] = Field(default=(), description="Ids of invoices with nothing due.")
    stages: tuple[CustomerStage, ...] = ()

    @cached_property
    def _outcomes(self) -> dict[str, InvoiceOutcome]:
        outcomes: dict[str, InvoiceOutcome] = {}
        for ids, outcome in (
            (self.acted, InvoiceOutcome.ACTED),
            (self.skipped_invoices, InvoiceOutcome.SKIPPED),
            (self.quiet, InvoiceOutcome.QUIET),
            ((p.invoice_id for p in self.paused), InvoiceOutcome.PAUSED),
            ((r.invoice_id for r in self.rejected if r.invoice_id), InvoiceOutcome.REJECTED),
        ):
            for invoice_id in ids:
                outcomes[invoice_id] = outcome
        return outcomes

    def outcome(self, invoice_id: str) -> InvoiceOutcome:
        """Where the invoice `invoice_id` ended up.

        Raises:
            KeyError: when the invoice was not part of the evaluation.
        """
        return self._outcomes[invoice_id]

    @property
    def invoice_count(self) -> int:
        """How many input invoices the evaluation accounts for."""
        return (
            len(self.acted)
            + len(self.skipped_invoices)
            + len(self.quiet)
            + len(self.paused)
            + len(self.rejected)
        )

    def actions_for(self, customer_id: str) -> tuple[Action, ...]:
        """The actions for one customer."""
        return tuple(a for a in self.actions if a.customer_id == customer_id)

    def history(self, on: date | None = None) -> tuple[HistoryRecord, ...]:
        """Records of every action as executed on `on`, by default the evaluation date.

        A record is dated the day the host carried the action out, not the day it fell due:
        a message due on a quiet Saturday and sent on Monday counts against the frequency
        cap on Monday. Feeding the records back as `history` makes a new evaluation on the
        same date return no action.
        """
        return records_of(self.actions, self.as_of if on is None else on)

    def customers(self) -> tuple[str, ...]:
        """Every customer the evaluation mentions, sorted."""
        ids = {a.customer_id for a in self.actions}
        ids.update(s.customer_id for s in self.skipped)
        ids.update(p.customer_id for p in self.paused)
        ids.update(s.customer_id for s in self.stages)
        return tuple(sorted(ids))

    def explain(
        self, customer_id: str | None = None, *, formatter: Callable[[str], str] | None = None
    ) -> str:
        """Explain, per customer in plain text, why each action fired and why invoices wait.

        Quiet invoices are listed by count only; pass `customer_id` for one customer, and a
        `formatter` (such as `dunning.messages.LocaleFormatter("es_CO")`) to write amounts and
        dates for a locale.
        """
        lines: list[str] = [f"Evaluation as of {self.as_of.isoformat()}"]
        by_customer: dict[str, list[str]] = defaultdict(list)
        for action in self.actions:
            by_customer[action.customer_id].append(_describe(action))
        for skip in self.skipped:
            by_customer[skip.customer_id].append(
                f"  skipped {skip.cause.value} [{skip.invoice_id}] {skip.reason.text}"
                + (f" (may go on {skip.retry_on.isoformat()})" if skip.retry_on else "")
            )
        for pause in self.paused:
            by_customer[pause.customer_id].append(f"  paused [{pause.invoice_id}] {pause.text}")
        for stage in self.stages:
            by_customer[stage.customer_id].insert(
                0,
                f"  stage {stage.stage_id} (level {stage.level}) under policy "
                f"{stage.policy_id}: {', '.join(stage.invoice_ids)}",
            )
        for rejection in self.rejected:
            owner = rejection.customer_id or "(unknown customer)"
            by_customer[owner].append(
                f"  rejected [{rejection.invoice_id or '?'}] {rejection.error}"
            )
        for customer in sorted(by_customer):
            if customer_id is not None and customer != customer_id:
                continue
            lines.append(f"Customer {customer}:")
            lines.extend(by_customer[customer])
        lines.append(
            f"{len(self.actions)} actions; invoices: {len(self.acted)} acted on, "
            f"{len(self.skipped_invoices)} skipped, {len(self.paused)} paused, "
            f"{len(self.quiet)} quiet, {len(self.rejected)} rejected"
        )
        return "\n".join(lines if formatter is None else map(formatter, lines))


def _describe(action: Action) -> str:
    invoices = ", ".join(action.invoice_ids)
    detail = ""
    if isinstance(action, SendMessage):
        detail = f" via {action.channel.value} to {action.address}, template {action.template}"
    elif isinstance(action, ChargeFee | PostInterest):
        detail = f" {action.amount}"
    elif isinstance(action, EnterStage):
        detail = f" {action.stage_id}"
    return f"  {action.kind.value}{detail} [{invoices}]: {action.reason.text}"
