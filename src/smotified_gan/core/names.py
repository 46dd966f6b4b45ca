"""The column names the project's tables share, said once.

A labelled table has ``label`` (as read), ``target`` (1 = minority), and may have
``split`` (train/test as published), ``repeat`` (which repeat of the
experiment's split a row belongs to) and ``row_key`` (production's holdout key,
never a feature). A scored table has ``minority_score`` (the calibrated
probability of the minority class) and ``predicted_class`` (1 above the
model's threshold).
"""

LABEL, TARGET, SPLIT, REPEAT, ROW_KEY = "label", "target", "split", "repeat", "row_key"
# the columns of a labelled table that are never features
RESERVED = (LABEL, TARGET, SPLIT, REPEAT, ROW_KEY)
MINORITY_SCORE, PREDICTED_CLASS = "minority_score", "predicted_class"
