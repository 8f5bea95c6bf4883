"""The base of every immutable value of the library."""

from __future__ import annotations

from functools import cache
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["Model"]

_set = object.__setattr__
_new = object.__new__
_M = TypeVar("_M", bound=BaseModel)


@cache
def _shape(
    model: type[BaseModel],
) -> tuple[tuple[str, ...], set[str], dict[str, Any] | None]:
    # The field names in order; one set of them shared by every instance built with
    # `_construct` (they all set every field, and the models are frozen, so nothing ever
    # changes it); and every field with its default, in order, to fill in what a caller
    # leaves out (None when a default needs a factory call). The library's defaults are
    # immutable (None, enums, tuples): the template's values can be shared.
    fields = model.__pydantic_fields__
    names = tuple(fields)
    template: dict[str, Any] | None = {name: info.default for name, info in fields.items()}
    if any(info.default_factory is not None for info in fields.values()):
        template = None
    return names, set(names), template


def _instance(model: type[_M], values: dict[str, Any], every_field: set[str]) -> _M:
    instance = _new(model)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", every_field)
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


class Model(BaseModel):
    """A frozen Pydantic model that forbids unknown fields.

    Changes go through `evolve`, which validates the new values again (unlike
    `model_copy(update=...)`, which would skip validation).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)

    @classmethod
    def _construct(cls, **values: Any) -> Self:
        """Build an instance from values that are valid by construction, skipping validation.

        Only for the library's own hot paths (the engine's actions, the results of arithmetic
        on validated money): it does what `model_construct` does for the fields given, about
        three times faster. Fields left out take their defaults.
        """
        names, every_field, template = _shape(cls)
        if tuple(values) != names:
            # Field order matters: serialisation follows the instance's dict.
            if template is not None:
                filled = template.copy()
                filled.update(values)
                values = filled
            else:
                values = {
                    name: values[name]
                    if name in values
                    else info.default
                    if info.default_factory is None
                    else info.get_default(call_default_factory=True)
                    for name, info in cls.__pydantic_fields__.items()
                }
        return _instance(cls, values, every_field)

    @classmethod
    def _from_values(cls, values: dict[str, Any]) -> Self:
        """`_construct` for a dict that holds every field, in order (not checked).

        For the hottest paths only, where the caller writes the dict literally.
        """
        return _instance(cls, values, _shape(cls)[1])

    def evolve(self, **changes: Any) -> Self:
        """Return a copy with `changes` applied, validated like a new instance.

        Raises:
            pydantic.ValidationError: when a changed value breaks a rule of the model.
        """
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(changes)
        return type(self).model_validate(values)
