"""Every parameter block has a schema, checked before any work."""

from __future__ import annotations

import copy

import mlflow
import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from smotified_gan.core.parameters import ParameterError, check_parameters
from tests.conftest import PROJECT_ROOT

ENVIRONMENTS = sorted(p.name for p in (PROJECT_ROOT / "conf").iterdir() if p.is_dir() and p.name not in ("base", "local"))


def parameters(env: str = "base") -> dict:
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), base_env="base", default_run_env=env,
                               merge_strategy={"parameters": "soft"})
    return copy.deepcopy(dict(loader["parameters"]))


@pytest.mark.parametrize("env", ["base", *ENVIRONMENTS])
def test_every_environment_passes(env):
    assert check_parameters(parameters(env)).split.repeats >= 1


def problems(changed: dict) -> str:
    with pytest.raises(ParameterError) as error:
        check_parameters(changed)
    return str(error.value)


def test_an_unknown_key_names_the_closest_known_one():
    params = parameters()
    params["split"]["repeat"] = 1
    params["datasets"]["ecoli"]["labl_column"] = "Class"
    params["grid"]["methods"]["smotified_gan"]["gan"] = {"residul": True}
    found = problems(params)
    assert "split.repeat: unknown key; did you mean 'split.repeats'?" in found
    assert "datasets.ecoli.labl_column: unknown key; did you mean 'datasets.ecoli.label_column'?" in found
    assert "grid.methods.smotified_gan.gan.residul: unknown key; did you mean 'grid.methods.smotified_gan.gan.residual'?" in found


@pytest.mark.parametrize(("key", "value", "message"), [
    ("repeats", 0, "split.repeats: input should be greater than or equal to 1 (got 0)"),
    ("repeats", 1.5, "split.repeats: input should be a valid integer, got a number with a fractional part (got 1.5)"),
    ("test_size", 1.2, "split.test_size: input should be less than 1 (got 1.2)"),
])
def test_out_of_range_values_say_the_allowed_range(key, value, message):
    params = parameters()
    params["split"][key] = value
    assert message in problems(params)


def test_settings_of_other_blocks_and_methods_are_checked_too():
    params = parameters("prod")
    params["retrain"]["decision"] = {"metric": "recall", "confidnce": 0.9}
    params["retrain"]["champion_metric"] = "f1"
    params["scoring"]["checks"]["drift"] = "ignore"
    params["oversampling"]["gan"]["generator_input"] = "some"
    params["grid"]["methods"]["x"] = {"sampler": "smote", "first_phase": "tomek"}
    params["production"]["dataset"]["minority"] = {"labels": ["positive"], "max": 3}
    found = problems(params)
    for expected in ("retrain.decision.metric: input should be 'f1', 'balanced_accuracy', 'g_mean', 'pr_auc' or 'roc_auc'",
                     "retrain.decision.confidnce: unknown key; did you mean 'retrain.decision.confidence'?",
                     "retrain.champion_metric: this key moved to retrain.decision.metric",
                     "scoring.checks.drift: input should be 'warn' or 'fail'",
                     "oversampling.gan.generator_input: input should be 'batch' or 'all'",
                     "grid.methods.x.first_phase: input should be 'smote'",
                     "production.dataset.minority: value error, give either 'labels'"):
        assert expected in found, found


def test_a_grid_only_setting_in_retrains_method_is_refused_naming_it():
    params = parameters("prod")
    params["retrain"]["method"] = {"sampler": "smote", "datasets": ["ecoli"]}
    assert "retrain.method.datasets is a grid setting" in problems(params)
    params = parameters("prod")
    params["retrain"]["method"] = "auto"
    params["retrain"]["auto"]["methods"]["SMOTE"]["datasets"] = ["ecoli"]
    assert "retrain.auto.methods.SMOTE.datasets is a grid setting" in problems(params)


@pytest.mark.integration
def test_a_run_with_a_typo_stops_before_any_node(project_copy):
    while mlflow.active_run():
        mlflow.end_run()
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="quick", runtime_params={"split": {"repeat": 1}}) as session:
        with pytest.raises(ParameterError, match=r"split\.repeat: unknown key; did you mean 'split\.repeats'\?"):
            session.run(pipeline_names=["ingestion"], namespaces=["ecoli"])
    assert not (project_copy / "data" / "quick" / "02_intermediate").exists() or not any(
        (project_copy / "data" / "quick" / "02_intermediate").rglob("*.parquet"))
