"""Tools for testing code and policies built on `dunning` (optional extra ``testing``).

`dunning.testing.strategies` holds Hypothesis strategies for every domain type.
"""

__all__: list[str] = []
