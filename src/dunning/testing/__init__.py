"""Tools for testing code and policies built on `dunning` (optional extra ``testing``).

`dunning.testing.strategies` holds Hypothesis strategies for every domain type;
`dunning.testing.fakes` holds in-memory fakes of the adapter protocols (senders, payment
gateway, task sink, service control), which need no extra.
"""

__all__: list[str] = []
