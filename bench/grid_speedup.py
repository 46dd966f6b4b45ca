"""Wall time of the 9-dataset grid: `kedro run` against `kedro grid run` on 1 and 2 Dask workers.

    .venv/bin/python bench/grid_speedup.py --raw-from ../shared/datasets     # 9 datasets, 1 repeat
    .venv/bin/python bench/grid_speedup.py --repeats 5 --modes run grid-2

The 9 datasets are the 7 packaged ones plus Spambase and Shuttle, whose files a
user places in data/01_raw/ by hand after downloading them (`--raw-from DIR`
copies spambase.data, shuttle.trn and shuttle.tst from DIR, as that user
would). Each mode runs in its own environment of a scratch configuration
(`--conf-source`: conf/base plus one env per mode, each with its own data root
in a temporary folder), so no mode skips work another one did, and nothing
under data/ is overwritten. MLflow runs go to the project's store as usual.

Prints each mode's wall time, the ratio to `kedro run`, and the largest
difference in F1 mean between the modes' results.csv (same seeds, so the work
is the same; only thread counts differ: a Dask worker runs torch on 1 thread).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from kedro_modes import MODES, PROJECT, timed_mode

PLACED = ("spambase", "shuttle")  # downloaded datasets added to the packaged grid of conf/base


def base_config(name: str) -> dict:
    return yaml.safe_load((PROJECT / "conf" / "base" / name).read_text())


def place_raw_files(source: Path | None) -> None:
    """Copy the placed datasets' files (their names as in conf/base/catalog_raw.yml) into data/01_raw."""
    raw = PROJECT / "data" / "01_raw"
    catalog = base_config("catalog_raw.yml")
    for dataset in PLACED:
        names = [Path(part["filepath"]).name for part in catalog[f"{dataset}.raw"]["parts"].values()]
        for name in names:
            if not (raw / name).exists():
                if source is None or not (source / name).exists():
                    sys.exit(f"{dataset}: data/01_raw/{name} is missing; download it (README, 'Datasets') or pass "
                             f"--raw-from with a folder holding {', '.join(names)}")
                raw.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, raw / name)


def scratch_configuration(root: Path, modes: list[str], repeats: int) -> Path:
    datasets = base_config("parameters_grid.yml")["grid"]["datasets"] + list(PLACED)
    conf = root / "conf"
    shutil.copytree(PROJECT / "conf" / "base", conf / "base")
    for mode in modes:
        env = conf / f"bench_{mode.replace('-', '_')}"
        env.mkdir()
        (env / "globals.yml").write_text(yaml.safe_dump({"data_root": str(root / f"data_{mode}")}))
        (env / "parameters.yml").write_text(yaml.safe_dump(
            {"grid": {"datasets": datasets}, "split": {"repeats": repeats}}))
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-from", type=Path, default=None, help="folder to copy Spambase and Shuttle files from")
    parser.add_argument("--repeats", type=int, default=1, help="split.repeats (default 1: the run takes minutes)")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    args = parser.parse_args()
    place_raw_files(args.raw_from.resolve() if args.raw_from else None)
    with tempfile.TemporaryDirectory(prefix="grid_speedup_") as scratch:
        root = Path(scratch)
        conf = scratch_configuration(root, args.modes, args.repeats)
        seconds, results = {}, {}
        for mode in args.modes:
            seconds[mode] = timed_mode(mode, conf)
            results[mode] = pd.read_csv(root / f"data_{mode}" / "08_reporting" / "results.csv")
    print(f"\nthe packaged grid + {', '.join(PLACED)}, {args.repeats} repeat(s) x "
          f"{base_config('parameters_training.yml')['training']['runs']} runs per cell")
    reference = args.modes[0]
    for mode in args.modes:
        print(f"  {mode:8s} {seconds[mode]:8.1f} s   {seconds[reference] / seconds[mode]:.2f}x the speed of {reference}")
    for mode in args.modes[1:]:
        f1 = [results[name].query("metric == 'f1'") for name in (reference, mode)]
        merged = f1[0].merge(f1[1], on=["dataset", "method"], suffixes=("_a", "_b"))
        difference = (merged["repeat_mean_a"] - merged["repeat_mean_b"]).abs()
        print(f"  F1 mean, {mode} vs {reference}: largest difference {difference.max():.3f} over {len(merged)} cells "
              f"(mean {difference.mean():.4f})")


if __name__ == "__main__":
    main()
