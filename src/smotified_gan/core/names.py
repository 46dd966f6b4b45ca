"""The column names the project's tables share, said once.

A labelled table has ``label`` (as read), ``target`` (1 = minority), and may have
``split`` (train/test as published), ``repeat`` (which repeat of the
experiment's split a row belongs to) and ``row_key`` (production's holdout key,
never a feature). A scored table has ``minority_score`` (the calibrated
probability of the minority class) and ``predicted_class`` (1 above the
model's threshold).

The production pipelines' catalog names live here too: the hooks around ``retrain`` read them without importing
the pipelines.
"""

LABEL, TARGET, SPLIT, REPEAT, ROW_KEY = "label", "target", "split", "repeat", "row_key"
# the columns of a labelled table that are never features
RESERVED = (LABEL, TARGET, SPLIT, REPEAT, ROW_KEY)
MINORITY_SCORE, PREDICTED_CLASS = "minority_score", "predicted_class"

# production: retrain's and scoring's namespace in the catalog, the decision it writes and the decision's settings
PRODUCTION = "production"
CHAMPION_DECISION = f"{PRODUCTION}.champion_decision"
DECISION_SETTINGS = "params:retrain.decision"
# what a run's registered version is tagged with, handed over in memory (adapters.hooks.ModelRegistryHook), never
# re-read from a file another retrain could have written meanwhile
EVIDENCE = tuple(f"{PRODUCTION}.{name}" for name in ("champion_decision", "classifier", "input_contract", "test_table",
                                                       "unlabelled_rows", "holdout_predictions", "candidates"))
