"""The result of an evaluation, and its plain-text explanation.

The engine returns an `Evaluation` in its compact form (`dunning.engine.compact`): the
frozen models of its fields are built the first time they are read, serialised or compared,
with exactly the values an evaluation built at once would hold. `count`, `actions_for`,
`customers`, `history` and `outcome` read the compact form without building every action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from enum import StrEnum
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

from dunning._model import Model
from dunning.engine.actions import (
    Action,
    ActionKind,
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
from dunning.engine.compact import Compact, Deferred, Entry, StageRow, record_of
from dunning.errors import ArgumentTypeError

__all__ = ["CustomerStage", "Evaluation", "InvoiceOutcome"]

#: The fields of an `Evaluation` that its compact form holds (all but `as_of`).
_LAZY = frozenset(
    ("actions", "skipped", "paused", "rejected", "acted", "skipped_invoices", "quiet", "stages")
)
#: pydantic's own fallback (private attributes), hidden from type checkers like ours.
_base_getattr: Callable[[BaseModel, str], Any] = vars(BaseModel)["__getattr__"]


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

    `evaluate` returns it in a compact form: each field is built when it is first read, and
    every field when the evaluation is serialised, compared, copied or pickled, with the
    same values and JSON as if it had been built at once. `count` and `actions_for` read
    the compact form and do not build every action.

    >>> from dunning import Customer, Invoice, Policy, ReminderStep, evaluate
    >>> policy = Policy(id="p", steps=[ReminderStep(
    ...     id="due", offset_days=0, channels=["email"], template="due")])
    >>> customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    >>> result = evaluate([invoice], policy, date(2026, 1, 31), customers=[customer])
    >>> result.count(), result.count(kind="send_message", customer_id="C")
    (1, 1)
    >>> Evaluation.model_validate_json(result.model_dump_json()) == result
    True
    """

    __slots__ = ("_compact", "_spans")
    if TYPE_CHECKING:
        _compact: Compact | None
        _spans: dict[str, tuple[int, int]] | None

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

    @classmethod
    def _of(cls, compact: Compact) -> Evaluation:
        """The evaluation whose fields are built from `compact` when they are read."""
        instance = cls._from_values({"as_of": compact.as_of})
        object.__setattr__(instance, "_compact", compact)
        object.__setattr__(instance, "_spans", compact.spans)
        return instance

    if not TYPE_CHECKING:
        # Only the fields the compact form holds come here (the others are in `__dict__`);
        # hidden from type checkers, which would otherwise accept any attribute name.

        def __getattr__(self, name: str) -> Any:
            if name in ("_compact", "_spans"):
                return None  # an evaluation built from its fields has no compact form
            compact = self._compact
            if compact is not None and name in _LAZY:
                value = self.__dict__[name] = _field(compact, name)
                return value
            return _base_getattr(self, name)

    def _materialise(self) -> None:
        """Build every field still in the compact form; fields in their declared order."""
        compact = self._compact
        if compact is None:
            return
        known = self.__dict__
        values = {
            name: known[name] if name in known else _field(compact, name)
            for name in type(self).__pydantic_fields__
        }
        # Serialisation follows the order of the instance's dict: it is built anew in the
        # order of the fields, then the compact form is let go.
        object.__setattr__(self, "__dict__", values)
        object.__setattr__(self, "_compact", None)

    # Unannotated on purpose: a return annotation would replace the serialisation schema.
    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        self._materialise()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Evaluation):
            self._materialise()
            other._materialise()
        return super().__eq__(other)

    def __hash__(self) -> int:
        self._materialise()
        return hash(tuple(self.__dict__[name] for name in type(self).__pydantic_fields__))

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]  # a TupleGenerator
        self._materialise()
        return super().__iter__()

    def __repr_args__(self) -> Any:
        self._materialise()
        return super().__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        self._materialise()
        return super().__getstate__()

    def __copy__(self) -> Evaluation:
        self._materialise()
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Evaluation:
        self._materialise()
        return super().__deepcopy__(memo)

    def iter_json(self, *, indent: int | None = None) -> Iterator[str]:
        """The text of `model_dump_json(indent=indent)`, piece by piece, for a stream.

        Works from the compact form: the actions and customer stages are written one at a
        time and none is kept, so writing a large evaluation holds one action model at a
        time, never the whole list.

        >>> from datetime import date
        >>> result = Evaluation(as_of=date(2026, 1, 31), quiet=("I1",))
        >>> "".join(result.iter_json()) == result.model_dump_json()
        True
        """
        compact = self._compact
        pad = "" if indent is None else " " * indent
        inner = pad + pad
        comma, colon = (",", ":") if indent is None else (",\n", ": ")
        opening, closing = ("{", "}") if indent is None else ("{\n", "\n}")
        yield opening
        for position, name in enumerate(type(self).__pydantic_fields__):
            yield f'{comma if position else ""}{pad}"{name}"{colon}'
            if compact is not None and name in ("actions", "stages"):
                items: Iterator[Any] = (
                    (e.build() if isinstance(e, Deferred) else e for e in compact.actions)
                    if name == "actions"
                    else (_stage(row) for row in compact.stages)
                )
                adapter = _item_adapter(name)
                first = True
                for item in items:
                    text = adapter.dump_json(item, indent=indent).decode()
                    if indent is None:
                        yield ("[" if first else ",") + text
                    else:
                        text = text.replace("\n", "\n" + inner)
                        yield f"[\n{inner}{text}" if first else f",\n{inner}{text}"
                    first = False
                yield "[]" if first else "]" if indent is None else f"\n{pad}]"
            else:
                text = _adapter(name).dump_json(getattr(self, name), indent=indent).decode()
                yield text if indent is None else text.replace("\n", "\n" + pad)
        yield closing

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

    def count(self, kind: ActionKind | str | None = None, customer_id: str | None = None) -> int:
        """How many actions there are, of one `kind` and for one customer if given.

        Counts without building the action models.

        Raises:
            ArgumentTypeError: when `kind` is not an `ActionKind` (or the text of one).
        """
        wanted = _kind(kind)
        entries = self._entries(customer_id)
        if wanted is None:
            return len(entries)
        return sum(1 for entry in entries if entry.kind is wanted)

    def actions_for(self, customer_id: str) -> tuple[Action, ...]:
        """The actions for one customer, in the order of `actions`.

        Only that customer's actions are built.
        """
        compact = self._compact
        if compact is not None:
            span = compact.spans.get(customer_id)
            if span is None:
                return ()
            return tuple([compact.action(i) for i in range(*span)])
        spans = self._spans
        if spans is not None:
            span = spans.get(customer_id)
            return () if span is None else self.actions[span[0] : span[1]]
        return tuple(a for a in self.actions if a.customer_id == customer_id)

    def entries(self) -> Sequence[Entry]:
        """The actions as the evaluation holds them, in the order of `actions`, none built.

        Each entry is a built `Action` or a `dunning.engine.compact.Deferred`: both give
        ``kind``, ``key``, ``customer_id``, ``invoice_ids``, ``due_on`` and ``covers``, and
        a message's ``channel`` (its tone through `dunning.engine.compact.message_tone`).
        `action(position)` builds the one at `position` when more is needed. A caller that
        reads thousands of evaluations (the simulator) reads only these fields this way.

        >>> from dunning import Customer, Invoice, Policy, ReminderStep, evaluate
        >>> from dunning.engine.compact import message_tone
        >>> policy = Policy(id="p", steps=[ReminderStep(
        ...     id="due", offset_days=0, channels=["email"], template="due")])
        >>> customer = Customer(id="C", name="Ana",
        ...                     contacts=[{"channel": "email", "address": "a@x"}])
        >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
        ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
        >>> result = evaluate([invoice], policy, date(2026, 1, 31), customers=[customer])
        >>> [(e.kind.value, e.channel.value, message_tone(e).value) for e in result.entries()]
        [('send_message', 'email', 'friendly')]
        >>> result.action(0) == result.actions[0]
        True
        """
        compact = self._compact
        return self.actions if compact is None else compact.actions

    def action(self, position: int) -> Action:
        """The action at `position` of `actions`, built once (the others stay as they are).

        Raises:
            IndexError: when there is no action at `position`.
        """
        compact = self._compact
        return self.actions[position] if compact is None else compact.action(position)

    def _entries(self, customer_id: str | None) -> list[Entry] | tuple[Action, ...]:
        """The actions, or those of `customer_id`, as they are held (built or not)."""
        compact = self._compact
        if compact is None:
            return self.actions if customer_id is None else self.actions_for(customer_id)
        if customer_id is None:
            return compact.actions
        span = compact.spans.get(customer_id)
        return [] if span is None else compact.actions[span[0] : span[1]]

    def history(self, on: date | None = None) -> tuple[HistoryRecord, ...]:
        """Records of every action as executed on `on`, by default the evaluation date.

        A record is dated the day the host carried the action out, not the day it fell due:
        a message due on a quiet Saturday and sent on Monday counts against the frequency
        cap on Monday. Feeding the records back as `history` makes a new evaluation on the
        same date return no action.
        """
        day = self.as_of if on is None else on
        compact = self._compact
        if compact is not None:
            return tuple([record_of(entry, day) for entry in compact.actions])
        return records_of(self.actions, day)

    def customers(self) -> tuple[str, ...]:
        """Every customer the evaluation mentions, sorted."""
        compact = self._compact
        if compact is not None:
            ids = set(compact.spans)
            ids.update(row[0] for row in compact.stages)
        else:
            ids = {a.customer_id for a in self.actions}
            ids.update(s.customer_id for s in self.stages)
        ids.update(s.customer_id for s in self.skipped)
        ids.update(p.customer_id for p in self.paused)
        return tuple(sorted(ids))

    def explain(
        self, customer_id: str | None = None, *, formatter: Callable[[str], str] | None = None
    ) -> str:
        """Explain, per customer in plain text, why each action fired and why invoices wait.

        Quiet invoices are listed by count only; pass `customer_id` for one customer (only
        its actions are then built), and a `formatter` (such as
        `dunning.messages.LocaleFormatter("es_CO")`) to write amounts and dates for a locale.
        """
        lines: list[str] = [f"Evaluation as of {self.as_of.isoformat()}"]
        by_customer: dict[str, list[str]] = defaultdict(list)
        actions = self.actions if customer_id is None else self.actions_for(customer_id)
        for action in actions:
            by_customer[action.customer_id].append(_describe(action))
        for skip in self.skipped:
            by_customer[skip.customer_id].append(
                f"  skipped {skip.cause.value} [{skip.invoice_id}] {skip.reason.text}"
                + (f" (may go on {skip.retry_on.isoformat()})" if skip.retry_on else "")
            )
        for pause in self.paused:
            by_customer[pause.customer_id].append(f"  paused [{pause.invoice_id}] {pause.text}")
        for stage in self._stages_of(customer_id):
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
            f"{self.count()} actions; invoices: {len(self.acted)} acted on, "
            f"{len(self.skipped_invoices)} skipped, {len(self.paused)} paused, "
            f"{len(self.quiet)} quiet, {len(self.rejected)} rejected"
        )
        return "\n".join(lines if formatter is None else map(formatter, lines))

    def _stages_of(self, customer_id: str | None) -> tuple[CustomerStage, ...]:
        """The customer stages, or that of `customer_id` (only it is built)."""
        compact = self._compact
        if customer_id is None or compact is None:
            return self.stages
        return tuple([_stage(row) for row in compact.stages if row[0] == customer_id])


def _field(compact: Compact, name: str) -> tuple[Any, ...]:
    """The value of the field `name` built from `compact`."""
    if name == "stages":
        return tuple([_stage(row) for row in compact.stages])
    return compact.field(name)


def _stage(row: StageRow) -> CustomerStage:
    """The customer stage of `row`: the highest level among its open invoices."""
    customer_id, policy_id, stage_ids, levels = row
    level = max(levels.values())
    return CustomerStage._construct(
        customer_id=customer_id,
        policy_id=policy_id,
        stage_id=stage_ids[level - 1],
        level=level,
        invoice_ids=tuple(sorted([i for i, v in levels.items() if v == level])),
    )


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    """The serialiser of the `Evaluation` field `name`."""
    annotation: Any = Evaluation.__pydantic_fields__[name].annotation
    return TypeAdapter(annotation)


@cache
def _item_adapter(name: str) -> TypeAdapter[Any]:
    """The serialiser of one item of the `Evaluation` field `name` (a tuple)."""
    return TypeAdapter(Action if name == "actions" else CustomerStage)


def _kind(kind: ActionKind | str | None) -> ActionKind | None:
    """`kind` as an `ActionKind` (None stays None)."""
    if kind is None or isinstance(kind, ActionKind):
        return kind
    try:
        return ActionKind(kind)
    except ValueError:
        raise ArgumentTypeError(
            f"kind must be an ActionKind or the text of one "
            f"({', '.join(k.value for k in ActionKind)}), not {kind!r}"
        ) from None


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
