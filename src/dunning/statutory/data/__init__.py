"""Effective-dated reference rates (CSV files) read by `dunning.statutory.reference_rates`."""
