"""The schema of every parameter block in ``conf/``, checked before any work (pydantic).

``check_parameters(params)`` raises ``ParameterError`` listing every problem
at once: an unknown key with the closest known key (``split.repeat``: did you
mean ``split.repeats``?), a value of the wrong type or outside its range with
the allowed range (``split.repeats=0``: an integer >= 1). ``ProjectHooks``
runs it when a Kedro context is created, with the environment's files and
``--params`` merged, so a typo stops ``kedro run`` in its first second.
Framework-free: pydantic only.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from smotified_gan.core.confusion import DECISION_METRICS, THRESHOLD_METRICS
from smotified_gan.core.metrics import ALPHA
from smotified_gan.core.production.calibration import CALIBRATIONS, THRESHOLD_RULES
from smotified_gan.core.production.decision import PERMUTATIONS, SEED
from smotified_gan.core.protocol import PRESETS, SAMPLERS
from smotified_gan.core.samplers.settings import FIRST_PHASES, GANSettings

PositiveInt = Annotated[int, Field(ge=1)]
Fraction = Annotated[float, Field(gt=0, lt=1)]
# what a scoring check does when it finds something (scoring.checks): log it, or stop the batch
Policy = Literal["warn", "fail"]
# what a champion is decided on (``confusion.DECISION_METRICS``, with why)
DECISION_METRIC = Literal[DECISION_METRICS]  # type: ignore[valid-type]
THRESHOLD_METRIC = Literal[THRESHOLD_METRICS]  # type: ignore[valid-type]


class ParameterError(ValueError):
    """Parameters that do not match their schema; the message lists every problem."""


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def settings(self, mode: str = "python") -> dict[str, Any]:
        """The plain settings the core reads: every field, defaults filled in (``settings_of``); ``mode="json"``:
        as MLflow logs them."""
        return self.model_dump(mode=mode, by_alias=True)


# -- datasets --------------------------------------------------------------------------------------

class MinorityRule(Block):
    labels: list[str | int | float] | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.labels is None) == (self.max is None):
            raise ValueError("give either 'labels' (minority labels) or 'max' (numeric labels up to it), not both")
        return self


class MajorityRule(Block):
    labels: list[str | int | float]


class Expected(Block):
    rows: PositiveInt | None = None
    features: PositiveInt | None = None
    minority_rows: PositiveInt | None = None


class DatasetSpec(Block):
    id: str
    title: str = ""
    source: str = ""
    label_column: str
    minority: MinorityRule
    # labels beside the minority's: listed here, or every other label with `other: majority`; without either, a
    # table may hold one label beside the minority labels (data.tables.check_other_labels)
    majority: MajorityRule | None = None
    other: Literal["majority"] | None = None
    categorical: list[str] = []
    drop_columns: list[str] = []
    split_column: str | None = None
    scaling: Literal["minmax", "quantile"] = "minmax"
    authors_scaling: str | None = None
    expected: Expected | None = None
    min_minority_rows: PositiveInt | None = None
    notes: str = ""


# -- the experiment --------------------------------------------------------------------------------

class Split(Block):
    repeats: PositiveInt = 1
    test_size: Fraction
    stratify: bool = True
    seed: int


class EpochsRule(Block):
    """About ``steps`` optimiser steps whatever the table's size, within [min, max] epochs; ``min: 0`` lets a large
    table train for fewer steps than one epoch (the classifier stops after ``steps``)."""

    steps: PositiveInt
    min: Annotated[int, Field(ge=0)] = 1
    max: PositiveInt = 10_000


Epochs = dict[str, PositiveInt | EpochsRule]


SamplingStrategy = Literal["auto", "minority", "not minority", "not majority", "all"] | Fraction | dict


class Oversampling(Block):
    sampling_strategy: SamplingStrategy = "auto"
    random_state: int = 42
    first_phase: Literal[FIRST_PHASES] = "smote"  # type: ignore[valid-type]
    k_neighbors: PositiveInt = 5
    # lower k_neighbors to a repeat's minority count - 1 where it holds k or fewer rows (tiny benchmark tables);
    # off: such a table stops with an error naming it
    adapt_k_neighbors: bool = False
    first_phase_kwargs: dict[str, Any] = {}
    gan: GANSettings = GANSettings()
    gan_epochs: Epochs = {}

    def settings(self, mode: str = "python") -> dict[str, Any]:
        """Every over-sampling setting with its default, and of ``gan`` only those configured: the sampler a method
        builds takes the GAN settings it declares (a plain GAN has no first-phase or refinement ones) and defaults
        the rest itself."""
        return {**self.model_dump(mode=mode, by_alias=True, exclude={"gan"}),
                "gan": self.gan.model_dump(mode=mode, exclude_unset=True)}


class Method(Block):
    """A grid method: the sampler it runs, the report's label, and the ``oversampling`` keys it changes."""

    sampler: Literal[SAMPLERS]  # type: ignore[valid-type]
    label: str | None = None
    preset: Literal[PRESETS] | None = None  # type: ignore[valid-type]
    epochs: PositiveInt | None = None  # the method's own GAN epochs, whatever the dataset's
    sampling_strategy: SamplingStrategy | None = None
    first_phase: Literal[FIRST_PHASES] | None = None  # type: ignore[valid-type]
    k_neighbors: PositiveInt | None = None
    first_phase_kwargs: dict[str, Any] | None = None
    gan: dict[str, Any] = {}
    # class weights instead of (or beside) new rows: every classifier weighs the minority class up
    # (training.nodes.with_class_weight)
    class_weight: Literal["balanced"] | None = None
    # the grid runs this method on these datasets only (a costly method on fewer tables); all of them by default
    datasets: list[str] | None = None

    def settings(self, mode: str = "python") -> dict[str, Any]:
        """What the method sets and nothing else: its keys override ``oversampling``'s (``protocol.method_settings``)."""
        return self.model_dump(mode=mode, exclude_unset=True)


class ClassifierSettings(Block):
    """The paper's network and how it trains (``training.network``): the one place its defaults live
    (``classifier.ClassifierConfig`` reads them from here)."""

    hidden: list[PositiveInt] = [256, 128]
    learning_rate: Annotated[float, Field(gt=0)] = 1e-3
    batch_size: PositiveInt = 32
    loss: Literal["mae", "bce"] = "mae"  # mean absolute error on a linear output (the authors'); bce: sigmoid + BCE
    threshold: float = 0.5  # minority predicted when the output > threshold
    device: Annotated[str, Field(pattern=r"^(auto|cpu|cuda(:\d+)?)$")] = "auto"
    # auto: bfloat16 mixed precision for training's matrix products where the hardware computes it (AVX512-BF16 or
    # AMX, a recent GPU), float32 where bfloat16 would be emulated (AVX2 only: 8x slower per step);
    # docs/experiment.md "Arithmetic". float32 = the authors' arithmetic
    precision: Literal["float32", "bfloat16", "auto"] = "auto"
    class_weight: Literal["balanced"] | None = None


class SklearnClassifier(BaseModel):
    """Any scikit-learn classifier: its import path and its constructor's arguments (checked when it is built)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    class_: Annotated[str, Field(alias="class", pattern=r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")]
    runs: PositiveInt | None = None


def _classifier(value):
    """A classifier spec: ``network`` (the paper's, its settings in ``network``), or a scikit-learn class."""
    if isinstance(value, dict):
        return SklearnClassifier.model_validate(value)
    return value


Classifier = Annotated[Literal["network"] | SklearnClassifier, BeforeValidator(_classifier)]
# retrain may leave the classifier to `retrain.auto` (production.selection)
RetrainClassifier = Annotated[Literal["network", "auto"] | SklearnClassifier, BeforeValidator(_classifier)]


class ThresholdSettings(Block):
    """How the deployed model's calibration and threshold are fitted: on out-of-fold scores of the training rows
    (``production.calibration.cross_fitted_calibration``), ``folds`` stratified folds shuffled with ``seed``."""

    metric: THRESHOLD_METRIC = "f1"
    calibration: Literal[CALIBRATIONS] = "platt"  # type: ignore[valid-type]
    folds: Annotated[int, Field(ge=2)] = 5
    seed: int = 7
    # which threshold is deployed (production.calibration.decide_threshold): "shown", the classifier's own 0.5
    # unless the tuned threshold beats it out of fold by more than `margin` bootstrap standard errors; "tuned",
    # the metric-best threshold on the out-of-fold scores, always
    rule: Literal[THRESHOLD_RULES] = "shown"  # type: ignore[valid-type]
    margin: Annotated[float, Field(ge=0)] = 1.0


class TunedThreshold(ThresholdSettings):
    """The experiment's tuned decision thresholds (``tune_thresholds``), fitted as ``retrain``'s are: per lens and
    repeat, a calibration and the ``metric``-best threshold fitted on out-of-fold scores of the repeat's training
    rows, ``folds`` stratified folds seeded ``seed + repeat``, the over-sampler refitted on each, ``runs`` classifier
    runs per fold. ``split: holdout``: one inner validation split instead, the first of those folds held out (the
    over-sampler and the classifier fitted once, on the other folds; ``folds: 2``: half the training rows).
    ``gan_folds: reuse``: a GAN method's fold rows come from the repeat's own trained generators fed from the
    other folds' rows (no GAN trained per fold); ``refit``: a GAN trained per fold as well.
    ``folds: 0``: the fixed threshold only."""

    folds: Annotated[int, Field(ge=0)] = 3
    split: Literal["cross_fit", "holdout"] = "cross_fit"
    runs: PositiveInt = 1
    gan_folds: Literal["reuse", "refit"] = "reuse"

    @model_validator(mode="after")
    def _folds(self):
        if self.folds == 1:
            raise ValueError("folds must be 0 (no tuned threshold) or at least 2 (split: holdout holds one of them out)")
        return self


def as_block(model: type[BaseModel], value: Any) -> Any:
    """``value`` as the typed block ``model`` (a dict from a caller outside Kedro is checked and given its
    defaults; a block Kedro built is returned as it is)."""
    return value if isinstance(value, model) else model.model_validate(value)


def settings_of(block: Any) -> Any:
    """A typed block as the plain settings the core reads (every default filled in); anything else as it is (a dict
    from a caller outside Kedro, a number of epochs). Kedro hands a typed block's sub-parameters typed too
    (``params:training.classifier_epochs.rule``: an ``EpochsRule``)."""
    if isinstance(block, Block):
        return block.settings()
    return block.model_dump(mode="python", by_alias=True) if isinstance(block, BaseModel) else block


def block_settings(model: type[Block], value: Any) -> Any:
    """``value`` (a typed block, or a plain dict from a caller outside Kedro, checked and given its defaults) as
    the plain settings the core reads; a string or a number as it is."""
    return settings_of(as_block(model, value)) if isinstance(value, (Mapping, BaseModel)) else value


class Training(Block):
    runs: PositiveInt
    seed: int
    classifier: Classifier = "network"
    network: ClassifierSettings = ClassifierSettings()
    lenses: dict[str, Classifier] = {}
    classifier_epochs: Epochs = {}
    threshold: TunedThreshold = TunedThreshold()


class Quality(Block):
    seed: int = 0
    max_rows: PositiveInt = 500
    trees: PositiveInt = 100
    min_real_rows: PositiveInt = 20


class Evaluation(Block):
    quality: Quality = Quality()


class PaperClaim(Block):
    dataset: str
    method: str
    metric: str
    value: float


class AcrossTables(Block):
    """Every method against the reference over the tables: a margin of practical equivalence per metric."""

    margins: dict[str, Annotated[float, Field(gt=0)]] = {"f1": 0.01}
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95
    seed: int = 0
    samples: PositiveInt = 20000  # baycomp's posterior draws

    @model_validator(mode="after")
    def _known_metrics(self):
        from smotified_gan.core.metrics import ALL_METRICS

        unknown = sorted(set(self.margins) - set(ALL_METRICS))
        if unknown:
            raise ValueError(f"margins for unknown metric(s) {unknown}; metrics: {list(ALL_METRICS)}")
        return self


class Reporting(Block):
    layout: Literal["paper", "compact"] = "paper"
    reference_method: str
    test_metric: str = "f1"
    alpha: Fraction = ALPHA
    across_tables: AcrossTables = AcrossTables()
    paper_claims: list[PaperClaim] = []


class Grid(Block):
    datasets: Annotated[list[str], Field(min_length=1)]
    methods: Annotated[dict[str, Method], Field(min_length=1)]
    # cells the report leaves out, with why (set by `kedro grid run` for its report after cells failed)
    failed: dict[str, str] = {}


# -- production ------------------------------------------------------------------------------------

class Holdout(Block):
    test_size: Fraction
    seed: int
    key_column: str | None = None


class RetrainTraining(Block):
    runs: PositiveInt
    seed: int
    classifier: RetrainClassifier = "network"
    network: ClassifierSettings = ClassifierSettings()


class AutoSettings(Block):
    """``retrain.method: auto``: the candidates, every method crossed with every classifier (one classifier listed:
    the method alone is chosen); ``retrain.training.classifier: auto`` with a fixed method: that method with every
    classifier. Scored by cross-fitting on the training rows (``production.selection``); ``max_seconds``: the time
    budget of that scoring (null: none)."""

    methods: Annotated[dict[str, Method], Field(min_length=1)]
    classifiers: Annotated[dict[str, Classifier], Field(min_length=1)]
    max_seconds: Annotated[float, Field(gt=0)] | None = 600.0


class DecisionSettings(Block):
    """How ``retrain`` decides whether its model becomes ``champion`` (``production.decision``); the defaults live
    here and nowhere else.

    ``metric`` on the holdout; ``confidence``: the no-skill test runs at
    ``1 - confidence``, and ``1 - confidence`` is the budget of all the looks
    at one champion (look ``j`` at ``(1 - confidence) / (j (j + 1))``);
    ``min_improvement``: the gain over the champion must also exceed it;
    ``min_metric``: a floor on the new model's holdout metric;
    ``min_holdout_minority``: the holdout minority rows of the first look
    (look ``j`` at ``2**(j-1)`` times as many); fewer and the champion stays (a
    first model: the no-skill test alone); ``permutations``: Monte Carlo draws
    (and bootstrap resamples) where a test is not exact;
    ``on_lineage_change``: a table whose columns or holdout settings differ from
    the champion's stops retrain before training (``stop``), or starts a new
    lineage whose first model is judged on its own (``new_lineage``).
    """

    metric: DECISION_METRIC = "f1"
    confidence: Fraction = 0.9
    min_improvement: Annotated[float, Field(ge=0)] = 0.0
    min_metric: Annotated[float, Field(ge=0, le=1)] = 0.0
    min_holdout_minority: Annotated[int, Field(ge=0)] = 30
    permutations: Annotated[int, Field(ge=100)] = PERMUTATIONS
    seed: int = SEED
    on_lineage_change: Literal["stop", "new_lineage"] = "stop"


class Contract(Block):
    drift_bins: Annotated[int, Field(ge=2)] = 10


class Sampling(Block):
    """Training rows beyond ``max_rows`` (null: never): every minority row kept, majority rows sampled (``seed``)
    so that ``max_rows`` remain, and the calibrated score corrected for that rate (``production.sampling``).
    1,000,000 by default: the network's 20,000 optimiser steps (``classifier_epochs``) see fewer rows than that, so
    more rows cost time and memory without changing what it learns (docs/production.md, "Scale")."""

    max_rows: PositiveInt | None = 1_000_000
    seed: int = 11


class Retrain(Block):
    model_name: Annotated[str, Field(min_length=1)]
    method: Method | Literal["auto"]
    gan_epochs: PositiveInt
    classifier_epochs: PositiveInt | EpochsRule
    holdout: Holdout
    training: RetrainTraining
    threshold: ThresholdSettings = ThresholdSettings()
    contract: Contract = Contract()
    decision: DecisionSettings = DecisionSettings()
    sampling: Sampling = Sampling()
    auto: AutoSettings | None = None

    @model_validator(mode="after")
    def _auto_has_candidates(self):
        if (self.method == "auto" or self.training.classifier == "auto") and self.auto is None:
            raise ValueError("retrain.method or retrain.training.classifier is 'auto', but retrain.auto lists no "
                             "candidates (methods, classifiers)")
        methods = {"retrain.method": self.method} | {f"retrain.auto.methods.{name}": method
                                                      for name, method in (self.auto.methods if self.auto else {}).items()}
        for where, method in methods.items():
            if isinstance(method, Method) and method.datasets is not None:
                raise ValueError(f"{where}.datasets is a grid setting (the tables a grid method runs on); retrain "
                                 "trains on production.dataset: remove it")
        return self


# keys of earlier versions of the retrain block, and where each went (said in the error)
MOVED = {"retrain.champion_metric": "retrain.decision.metric", "retrain.confidence": "retrain.decision.confidence",
         "retrain.min_improvement": "retrain.decision.min_improvement",
         "retrain.min_metric": "retrain.decision.min_metric",
         "retrain.min_holdout_minority": "retrain.decision.min_holdout_minority",
         "retrain.bootstrap": "retrain.decision.permutations (a paired permutation test replaced the bootstrap)",
         "retrain.on_schema_change": "retrain.decision.on_lineage_change",
         "retrain.selection": "retrain.threshold (metric, calibration)",
         "retrain.validation": "retrain.threshold.folds (cross-fitting replaced the validation split)"}


class Checks(Block):
    out_of_range: Policy = "warn"
    unseen_category: Policy = "warn"
    drift: Policy = "warn"
    # rows of one batch that carry the same id (scoring.id_column)
    duplicate_id: Policy = "fail"


class Drift(Block):
    psi_threshold: Annotated[float, Field(gt=0)] = 0.25
    min_rows: Annotated[int, Field(ge=0)] = 100


class MaxShare(Block):
    """Above these shares of a batch's rows in one column, the batch fails whatever ``checks`` says (null: none)."""

    unseen_category: Annotated[float, Field(ge=0, le=1)] | None = 0.2
    out_of_range: Annotated[float, Field(ge=0, le=1)] | None = 0.5


class DaskCluster(Block):
    """Where ``scoring_dask`` computes: a running cluster's scheduler (``tcp://host:8786``), or null for a
    LocalCluster of ``workers`` processes on this machine."""

    scheduler: str | None = None
    workers: PositiveInt = 2


class Scoring(Block):
    id_column: str | None = None
    checks: Checks = Checks()
    max_share: MaxShare = MaxShare()
    drift: Drift = Drift()
    max_rows_shown: PositiveInt = 5
    dask: DaskCluster = DaskCluster()


class Production(Block):
    dataset: DatasetSpec | None = None


class Runtime(Block):
    # torch's intra-op threads; null: the cores this process may use (os.sched_getaffinity)
    threads: PositiveInt | None = None


class Parameters(Block):
    """Every parameter block of the project (``conf/base/parameters_*.yml``)."""

    datasets: dict[str, DatasetSpec] = {}
    split: Split | None = None
    oversampling: Oversampling | None = None
    training: Training | None = None
    evaluation: Evaluation | None = None
    reporting: Reporting | None = None
    grid: Grid | None = None
    retrain: Retrain | None = None
    scoring: Scoring | None = None
    production: Production | None = None
    runtime: Runtime = Runtime()

    @model_validator(mode="after")
    def _dataset_ids_match_their_keys(self):
        wrong = [f"'{key}' has id '{spec.id}'" for key, spec in self.datasets.items() if spec.id != key]
        if wrong:
            raise ValueError("each dataset's id must be its key under 'datasets': " + ", ".join(wrong))
        return self


def check_parameters(params: dict[str, Any]) -> Parameters:
    """The validated parameters, or a ``ParameterError`` naming every bad key and value (see the module docstring).

    Each grid and retrain method's ``gan`` overrides are checked as the
    merged settings the sampler will get.
    """
    problems = []
    try:
        checked = Parameters.model_validate(params)
    except ValidationError as error:
        problems += [_describe(e, params) for e in error.errors()]
        checked = None
    problems += _method_problems(params)
    if problems:
        raise ParameterError("parameters do not match their schema (conf/<env>/parameters*.yml and --params):\n- "
                             + "\n- ".join(dict.fromkeys(problems)))
    return checked


def _method_problems(params: dict[str, Any]) -> list[str]:
    """Each method's ``gan`` overrides, checked as the merged settings the sampler will get."""
    oversampling = params.get("oversampling") or {}
    methods = {f"grid.methods.{name}": method for name, method in ((params.get("grid") or {}).get("methods") or {}).items()}
    retrain = params.get("retrain") or {}
    if isinstance(retrain.get("method"), dict):
        methods["retrain.method"] = retrain["method"]
    methods.update({f"retrain.auto.methods.{name}": method
                    for name, method in ((retrain.get("auto") or {}).get("methods") or {}).items()})
    problems = []
    for where, method in methods.items():
        overrides = method.get("gan") if isinstance(method, dict) else None
        if not isinstance(overrides, dict):
            continue
        try:
            GANSettings.model_validate({**(oversampling.get("gan") or {}), **overrides})
        except ValidationError as error:
            # only what the method itself sets: the block it overrides is checked on its own
            problems += [_describe(e, overrides, f"{where}.gan") for e in error.errors()
                         if e["loc"] and e["loc"][0] in overrides]
    return problems


def _describe(error: dict, params: dict[str, Any], prefix: str = "") -> str:
    location = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))
    where = f"{prefix}.{location}" if prefix and location else (prefix or location)
    if error["type"] == "extra_forbidden" and where in MOVED:
        return f"{where}: this key moved to {MOVED[where]}"
    if error["type"] == "extra_forbidden":
        known = _known_keys(error["loc"][:-1], prefix)
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean '{where.rsplit('.', 1)[0] + '.' if '.' in where else ''}{close[0]}'?" if close else ""
        return f"{where}: unknown key{hint} (known: {', '.join(sorted(known))})"
    return f"{where}: {error['msg'][:1].lower()}{error['msg'][1:]} (got {error.get('input')!r})"


def _known_keys(loc: tuple, prefix: str) -> list[str]:
    """The field names of the model at ``loc`` (a path into ``Parameters``, or into a method's block)."""
    model: Any = GANSettings if prefix else Parameters
    for part in loc:
        field = getattr(model, "model_fields", {}).get(str(part))
        if field is None:  # a dict's key (a dataset id): ``model`` is already the value's model
            continue
        model = _model_of(field.annotation)
    return list(getattr(model, "model_fields", {}))


def _model_of(annotation):
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


__all__ = ["ParameterError", "Parameters", "check_parameters"]
