"""Production guards, framework-free (no Kedro, no MLflow): what a deployed model promises and checks.

- ``contract``: the raw input schema a model was trained on (pandera), batch
  validation, out-of-range / unseen-category counts and drift (PSI);
- ``holdout``: holdout membership as a function of the row (a hash), so a
  held-out row stays held out as the table grows;
- ``sampling``: a large table's training rows, every minority row and a sample
  of the majority rows (the calibration corrected for the share kept);
- ``calibration``: scores turned into probabilities and a decision threshold
  chosen on validation rows;
- ``decision``: the paired bootstrap that decides whether a new model replaces
  the champion.
"""
