"""The engine's rules, one module per rule family (DESIGN.md, "engine/rules/").

Each module is a set of plain functions over a `CustomerContext` (`context.py`): what one
customer's evaluation has produced so far, and the invoice being evaluated. The pipeline in
`dunning.engine.core` calls them in a fixed order:

- `pauses`: why an invoice is paused on the evaluation date;
- `stages`: the stages an invoice entered, their entry actions, hand-offs and write-offs;
- `fees`: the late fees of the stages entered;
- `reminders`: the latest reminder occurrence due, and the ones it supersedes;
- `interest`: interest postings on the varying principal;
- `retries`: retries of a failed automatic charge;
- `offers`: installment-plan offers and tasks for a person;
- `messages`: quiet days, frequency caps, consolidation, channels and send windows;
- `service`: suspending and resuming the customer's service, once its notice is out;
- `notices`: a suspension, hand-off or write-off waits for the message announcing it.
"""

__all__: list[str] = []
