"""A user's own table, as the production issue describes it: integers, floats, a category, a rare class."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["age", "visits", "income", "balance", "region"]
LABEL = "fraud"


def own_table(rows: int = 4000, minority_share: float = 0.075, seed: int = 0, start_id: int = 0) -> pd.DataFrame:
    """``rows`` rows: two integer, two float and one categorical column, and a ``fraud`` label (yes/no) that
    follows a plain logistic model of them, at about ``minority_share``; ``customer_id`` is a unique key."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    visits = rng.poisson(4, rows)
    income = rng.lognormal(10.5, 0.4, rows).round(2)
    balance = rng.normal(2500, 1200, rows).round(2)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.4, 0.3, 0.2, 0.1])
    signal = (0.04 * (age - 50) + 0.35 * (visits - 4) - 0.9 * (np.log(income) - 10.5) / 0.4
              + 0.0006 * (balance - 2500) + np.where(region == "west", 1.2, 0.0))
    # the intercept that gives about `minority_share` positives
    intercept = np.quantile(signal + rng.logistic(size=rows), 1 - minority_share)
    fraud = (signal + rng.logistic(size=rows)) > intercept
    return pd.DataFrame({"customer_id": np.arange(start_id, start_id + rows), "age": age, "visits": visits,
                         "income": income, "balance": balance, "region": region,
                         LABEL: np.where(fraud, "yes", "no")})


PRODUCTION_PARAMETERS = {"production": {"dataset": {
    "id": "production", "title": "Own table", "source": "a user's CSV", "label_column": LABEL,
    "minority": {"labels": ["yes"]}, "categorical": ["region"], "drop_columns": ["customer_id"]}}}
