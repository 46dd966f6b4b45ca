"""The synthetic rows' detectability by the project's random forest and by gradient boosting, and their distance to
closest record (DCR), for the cells a `kedro run` has written (issue 35, item 1).

    .venv/bin/python bench/detectors.py                  # the default run's data (data/)
    .venv/bin/python bench/detectors.py --data data/keel # another environment's data_root

Reads each cell's synthetic rows, test and training rows from the run's parquet files, scores them with
``core.evaluation.synthetic_row_quality`` (the protocol of the run's own quality node) and prints one row per
(table, method), then the median per method.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from smotified_gan.core.evaluation import synthetic_row_quality

COLUMNS = ["detection_auc", "boosting_detection_auc", "real_detection_auc", "dcr_ratio", "dcr_copies"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="the run's data_root")
    parser.add_argument("--max-rows", type=int, default=500)
    args = parser.parse_args()
    features = Path(args.data) / "04_feature"
    rows, started = [], time.perf_counter()
    for table in sorted(p for p in features.iterdir() if (p / "test_set.parquet").is_file()):
        test, train = pd.read_parquet(table / "test_set.parquet"), pd.read_parquet(table / "train_set.parquet")
        for cell in sorted(p for p in table.iterdir() if (p / "synthetic_rows.parquet").is_file()):
            synthetic = pd.read_parquet(cell / "synthetic_rows.parquet")
            quality = synthetic_row_quality(synthetic, test, {"seed": 0, "max_rows": args.max_rows, "min_real_rows": 20},
                                            {"dataset": table.name, "method": cell.name}, train)
            rows.append(quality)
    frame = pd.DataFrame(rows)
    judged = frame.dropna(subset=["detection_auc"])
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(judged[["dataset", "method", *COLUMNS, "giveaway_columns"]].round(3).to_string(index=False))
        print("\nmedian per method over", judged["dataset"].nunique(), "table(s) with enough real rows:")
        print(judged.groupby("method")[COLUMNS].median().round(3).to_string())
    print(f"\n{len(frame)} cells, {len(judged)} with enough distinct real minority test rows, "
          f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
