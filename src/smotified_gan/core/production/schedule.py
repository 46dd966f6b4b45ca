"""A year of nightly retrains, simulated with retrain's own decision code: what the schedule guarantees.

``bench/nightly_decisions.py`` prints the table; the tests check its guarantees on a few simulated years.

The world. A holdout that grows as rows arrive (the project's hash holdout of
a growing table): on night 0 it holds ``n`` minority rows and 14 majority rows
for each, and every night adds ``n / 30`` minority rows (a month of rows is
what it held on night 0) and 14 times as many majority rows. Rows come in keys
of ``rows_per_key`` rows that share their label and both models' calls (one
customer's rows, the worst case for a test that treats them as independent).
A model is a recall and a false-alarm rate (0.05); its calls on a row are
independent draws (so two equally good models disagree as often as they can:
the hard case for the test). The night-0 champion has recall 0.6 (F1 about
0.52); every night's challenger is a fresh model whose true F1 is the night-0
champion's plus ``delta``. After a better model is crowned, the next
challengers are as good as it is: their crowns count as equal-model crowns.

The designs. ``all rows + looks`` is retrain's decision
(``production.decision.decide`` on every holdout row neither model trained on,
its looks counted as the registry counts them, its reported figure measured on
the rows that arrived after its crown). ``fresh rows + looks`` judges on the
rows that arrived after the champion's crown only. ``every night`` is the rule
these replaced: the exact paired permutation test at ``1 - confidence`` on the
whole holdout every night, the version reporting the figure it was crowned on.
"""

from __future__ import annotations

import numpy as np

from smotified_gan.core.confusion import confusion_counts, counting_metric
from smotified_gan.core.parameters import DecisionSettings
from smotified_gan.core.production.decision import decide, look_level, paired_permutation_test

FALSE_ALARM, BASE_RECALL, MAJORITY_PER_MINORITY, NIGHTS, MONTH = 0.05, 0.6, 14, 365, 30
FRESH, ALL, EVERY = "fresh rows + looks", "all rows + looks", "every night"
DESIGNS = (FRESH, ALL, EVERY)
CHOSEN = ALL


def true_f1(recall: float) -> float:
    """A model's F1 on the population (minority share 1/15)."""
    return float(counting_metric(recall, FALSE_ALARM * MAJORITY_PER_MINORITY, 1 - recall, 0.0, "f1"))


def recall_for(f1: float) -> float:
    """The recall whose true F1 is ``f1`` at the fixed false-alarm rate (F1 = 2r / (2r + 14 * 0.05 + 1 - r))."""
    return f1 * (FALSE_ALARM * MAJORITY_PER_MINORITY + 1) / (2 - f1)


def arrivals(n: int, rows_per_key: int) -> tuple[np.ndarray, np.ndarray]:
    """Every key of the year in order of arrival: is it a minority key, and the night it arrives (0: the night-0
    holdout of ``n`` minority rows; then ``n / 30`` minority rows a night, 14 majority rows for each)."""
    minority, night, due = [], [], 0.0
    for t in range(NIGHTS + 1):
        due += (n if t == 0 else n / MONTH) / rows_per_key
        keys = int(due)
        due -= keys
        minority += [True] * keys + [False] * (keys * MAJORITY_PER_MINORITY)
        night += [t] * (keys * (1 + MAJORITY_PER_MINORITY))
    return np.asarray(minority), np.asarray(night)


def calls(rng: np.random.Generator, minority: np.ndarray, recall: float) -> np.ndarray:
    return np.where(minority, rng.random(len(minority)) < recall, rng.random(len(minority)) < FALSE_ALARM)


def one_year(rng: np.random.Generator, design: str, n: int, rows_per_key: int, delta: float,
             settings: DecisionSettings) -> dict:
    all_minority, all_nights = arrivals(n, rows_per_key)
    base = true_f1(BASE_RECALL)
    champion = {"recall": BASE_RECALL, "since": 0, "calls": np.zeros(0, np.int8), "looks": 0, "won_on": np.nan}
    better, false_crowns = None, 0
    for night in range(1, NIGHTS + 1):
        present = int(np.searchsorted(all_nights, night, side="right"))
        minority, arrived = all_minority[:present], all_nights[:present]
        keys = np.flatnonzero(arrived > champion["since"]) if design == FRESH else np.arange(len(minority))
        if design != EVERY and look_level(int(minority[keys].sum()) * rows_per_key,
                                                    settings.min_holdout_minority) <= champion["looks"]:
            continue  # between looks the champion stays whatever the challenger: no test is run
        theirs = champion_calls(rng, champion, minority, keys)
        challenger_quality = true_f1(champion["recall"]) if better is not None else base + delta
        recall = recall_for(challenger_quality)
        mine = calls(rng, minority[keys], recall)
        expand = np.repeat(np.arange(len(keys)), rows_per_key)
        y, a, b = minority[keys][expand].astype(int), mine[expand].astype(int), theirs[expand].astype(int)
        if design != EVERY:
            decision = decide(y, (a.astype(float), a), (b.astype(float), b), settings, champion_version=1,
                              groups=expand if rows_per_key > 1 else None, looks_spent=champion["looks"],
                              fresh=(arrived[keys] > champion["since"])[expand])
            crowned, figure = decision.promote, decision.challenger
            if not crowned and decision.p_value is not None:
                champion["looks"] = decision.look
        else:
            test = paired_permutation_test(y, (a.astype(float), a), (b.astype(float), b), settings.metric)
            crowned = test.p_value < 1 - settings.confidence and test.difference > 0
            figure = float(counting_metric(*confusion_counts(y, a), "f1"))
        if crowned:
            if challenger_quality <= true_f1(champion["recall"]) + 1e-12:
                false_crowns += 1
            elif better is None and challenger_quality > base:
                better = night
            drawn = np.full(len(minority), -1, np.int8)
            drawn[keys] = mine
            champion = {"recall": recall, "since": night, "calls": drawn, "looks": 0, "won_on": figure}
    if design != EVERY:
        minority, arrived = all_minority, all_nights
        keys = np.flatnonzero(arrived > champion["since"])
        reported = champion["won_on"]
        if minority[keys].sum() > 0:
            theirs = champion_calls(rng, champion, minority, keys)
            reported = float(counting_metric(*confusion_counts(minority[keys], theirs), "f1"))
        elif np.isnan(reported):  # the night-0 champion, with no row since: its figure on the night-0 rows
            reported = float(counting_metric(*confusion_counts(minority, calls(rng, minority, champion["recall"])), "f1"))
    else:
        reported = champion["won_on"] if not np.isnan(champion["won_on"]) else true_f1(champion["recall"])
    return {"false": false_crowns, "better": better, "bias": reported - true_f1(champion["recall"])}


def champion_calls(rng: np.random.Generator, champion: dict, minority: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The champion's calls on ``keys``: fixed once drawn (a model), each key's drawn when first needed."""
    known = champion["calls"]
    if len(known) < len(minority):
        known = champion["calls"] = np.r_[known, np.full(len(minority) - len(known), -1, np.int8)]
    missing = keys[known[keys] < 0]
    known[missing] = calls(rng, minority[missing], champion["recall"])
    return known[keys].astype(bool)


def cell(design: str, n: int, rows_per_key: int, delta: float, years: int, seed: int) -> dict:
    """``years`` simulated years of one design on one world: the share of years with a false crown, false crowns
    per year, the median night a better model first holds the crown, the reported minus true F1 after a year."""
    rng = np.random.default_rng([seed, n, rows_per_key, int(round(delta * 100)) + 100, DESIGNS.index(design)])
    settings = DecisionSettings(permutations=500)
    runs = [one_year(rng, design, n, rows_per_key, delta, settings) for _ in range(years)]
    nights = [r["better"] if r["better"] is not None else np.inf for r in runs]
    return {"p_false": float(np.mean([r["false"] > 0 for r in runs])),
            "false_per_year": float(np.mean([r["false"] for r in runs])),
            "nights": float(np.median(nights)) if delta > 0 else None,
            "bias": float(np.mean([r["bias"] for r in runs])), "years": years}
