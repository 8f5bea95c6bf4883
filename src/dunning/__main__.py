"""``python -m dunning``: the same as the ``dunning`` command."""

from dunning.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
