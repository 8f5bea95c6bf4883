"""What a run did: `RunReport`, counts per action kind and outcome, failures, phase times."""

from __future__ import annotations

from collections import Counter
from datetime import date
from enum import StrEnum

from pydantic import Field

from dunning._model import Model
from dunning.engine.actions import ActionKind

__all__ = ["Failure", "Outcome", "RunReport"]


class Outcome(StrEnum):
    """What became of one outbox entry in a run."""

    DELIVERED = "delivered"
    """A message the provider delivered."""
    QUEUED = "queued"
    """A message the provider accepted for later delivery."""
    EXECUTED = "executed"
    """A task, service change or charge the host's adapter carried out."""
    RECORDED = "recorded"
    """An action with no adapter to call (stage entry, fee, interest): recorded in the
    history, where the host's ledger reads it."""
    RETRYING = "retrying"
    """A temporary failure: the entry waits for its next attempt."""
    FAILED = "failed"
    """A permanent failure (or too many temporary ones): recorded as failed; a message falls
    back to the customer's next channel."""
    PLANNED = "planned"
    """Dry run: the entry would be dispatched."""


class Failure(Model):
    """An entry that failed in a run (for good, or for now), and why."""

    key: str
    kind: ActionKind
    customer_id: str
    outcome: Outcome
    reason: str


class RunReport(Model):
    """The result of `Runner.run`: what was due, written, dispatched and recorded.

    >>> report = RunReport(as_of=date(2026, 11, 20), invoices=3, due=1, written=1,
    ...                    counts=((ActionKind.SEND_MESSAGE, Outcome.DELIVERED, 1),))
    >>> report.count(outcome=Outcome.DELIVERED), report.dispatched
    (1, 1)
    """

    as_of: date
    dry_run: bool = False
    invoices: int = Field(description="Invoices evaluated.")
    due: int = Field(description="Actions the evaluation found due.")
    written: int = Field(description="New outbox entries (keys not seen before).")
    counts: tuple[tuple[ActionKind, Outcome, int], ...] = Field(
        default=(), description="Entries per action kind and outcome, sorted."
    )
    failures: tuple[Failure, ...] = ()
    fallback_rounds: int = Field(
        default=0, description="Evaluations repeated for customers whose channel failed."
    )
    phases: tuple[tuple[str, float], ...] = Field(
        default=(), description="Seconds spent in each phase, in order."
    )
    duration: float = Field(default=0.0, description="Seconds, start to end.")

    def count(
        self, kind: ActionKind | str | None = None, outcome: Outcome | str | None = None
    ) -> int:
        """Entries of `kind` (all kinds when None) with `outcome` (all when None)."""
        kind = None if kind is None else ActionKind(kind)
        outcome = None if outcome is None else Outcome(outcome)
        return sum(
            number
            for entry_kind, entry_outcome, number in self.counts
            if (kind is None or entry_kind is kind)
            and (outcome is None or entry_outcome is outcome)
        )

    @property
    def dispatched(self) -> int:
        """Entries handed to an adapter that took them (delivered, queued or executed)."""
        return sum(
            self.count(outcome=outcome)
            for outcome in (Outcome.DELIVERED, Outcome.QUEUED, Outcome.EXECUTED)
        )

    def to_text(self) -> str:
        """The report as a text table, for a terminal or a log."""
        lines = [
            f"Run of {self.as_of.isoformat()}{' (dry run)' if self.dry_run else ''}: "
            f"{self.invoices} invoices, {self.due} actions due, {self.written} new in the outbox"
        ]
        if self.counts:
            width = max(len(kind.value) for kind, _, _ in self.counts)
            lines.extend(
                f"  {kind.value:<{width}}  {outcome.value:<9}  {number:>7}"
                for kind, outcome, number in self.counts
            )
        else:
            lines.append("  nothing dispatched")
        lines.extend(
            f"  {failure.outcome.value}: {failure.kind.value} {failure.key} "
            f"({failure.customer_id}): {failure.reason}"
            for failure in self.failures
        )
        shares = ", ".join(
            f"{name} {seconds / self.duration:.0%}" if self.duration else name
            for name, seconds in self.phases
        )
        lines.append(f"  {self.duration:.2f} s ({shares})")
        return "\n".join(lines)


def _counts(
    tally: Counter[tuple[ActionKind, Outcome]],
) -> tuple[tuple[ActionKind, Outcome, int], ...]:
    return tuple(sorted((kind, outcome, number) for (kind, outcome), number in tally.items()))
