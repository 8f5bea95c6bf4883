"""The public surface: `__all__` lists exactly the public names, and each is documented."""

import importlib
import inspect
import pkgutil
import types

import pytest

import dunning
import dunning.testing.strategies as strategies

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(dunning.__path__, "dunning.")
    if not info.name.endswith("__main__")
)


def _isort_style(name: str) -> tuple[int, str]:
    # The order ruff (RUF022) keeps: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_unique() -> None:
    assert dunning.__all__ == sorted(set(dunning.__all__), key=_isort_style)


def test_all_matches_the_public_names() -> None:
    public = {
        name
        for name, value in vars(dunning).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(dunning.__all__)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_module_declares_all_and_documents_it(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{module_name}.{name} has no docstring"


def test_strategies_export_every_strategy_module() -> None:
    for info in pkgutil.iter_modules(dunning.testing.__path__):
        if info.name.startswith("_"):
            module = importlib.import_module(f"dunning.testing.{info.name}")
            for name in module.__all__:
                assert name in strategies.__all__, f"{info.name}.{name} is not re-exported"
                assert getattr(strategies, name) is getattr(module, name)
