"""Shared test configuration: Hypothesis profiles."""

import os

from hypothesis import HealthCheck, settings

# `ci` is what `make test` uses: at least 200 examples per property, no deadline because the
# machines are shared and noisy (timings are measured in benchmarks/, never asserted here).
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
