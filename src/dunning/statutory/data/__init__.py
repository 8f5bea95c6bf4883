"""Effective-dated reference rates (CSV files) read by `dunning.statutory.reference_rates`."""

__all__: list[str] = []
