"""The base of every immutable value of the library."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict

__all__ = ["Model"]


class Model(BaseModel):
    """A frozen Pydantic model that forbids unknown fields.

    Changes go through `evolve`, which validates the new values again (unlike
    `model_copy(update=...)`, which would skip validation).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)

    def evolve(self, **changes: Any) -> Self:
        """Return a copy with `changes` applied, validated like a new instance.

        Raises:
            pydantic.ValidationError: when a changed value breaks a rule of the model.
        """
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(changes)
        return type(self).model_validate(values)
