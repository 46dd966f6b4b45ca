"""The project's config loader: a process merges the parameters once per state of their files, and hands out copies."""

import os
import time

import pytest
import yaml
from kedro.config import OmegaConfigLoader

from smotified_gan.adapters.config_loader import CachingConfigLoader


@pytest.fixture
def conf(tmp_path, monkeypatch):
    for env, parameters in {"base": {"a": 1, "b": {"c": 2, "d": "${globals:x}"}}, "dev": {"b": {"c": 3}}}.items():
        (tmp_path / env).mkdir()
        (tmp_path / env / "parameters.yml").write_text(yaml.safe_dump(parameters))
    (tmp_path / "base" / "globals.yml").write_text("x: 10\n")
    (tmp_path / "base" / "catalog.yml").write_text("{}\n")
    merges = []
    real = OmegaConfigLoader._resolve_from_raw_config

    def counting(self, key, *args):
        merges.append(key)
        return real(self, key, *args)

    monkeypatch.setattr(OmegaConfigLoader, "_resolve_from_raw_config", counting)
    monkeypatch.setattr(CachingConfigLoader, "_merged", {})
    return tmp_path, merges


def loader(root, **kwargs):
    return CachingConfigLoader(conf_source=str(root), base_env="base", default_run_env="dev",
                               merge_strategy={"parameters": "soft"}, **kwargs)


def test_sessions_of_one_process_merge_the_parameters_once_and_each_gets_its_own_copy(conf):
    root, merges = conf
    first = loader(root)["parameters"]
    assert first == {"a": 1, "b": {"c": 3, "d": 10}}
    parameter_merges = merges.count("parameters")
    first["b"]["c"] = 99  # a session that changes what it got changes nobody else's
    for _ in range(3):
        assert loader(root)["parameters"] == {"a": 1, "b": {"c": 3, "d": 10}}
    assert merges.count("parameters") == parameter_merges
    assert loader(root)["catalog"] == {} and "catalog" in merges  # other keys are read as Kedro reads them


def test_a_changed_file_other_runtime_parameters_or_another_env_read_the_parameters_again(conf):
    root, merges = conf
    assert loader(root)["parameters"]["b"]["c"] == 3
    assert loader(root, runtime_params={"a": 5})["parameters"]["a"] == 5
    assert loader(root, env="base")["parameters"]["b"]["c"] == 2
    time.sleep(0.01)
    (root / "dev" / "parameters.yml").write_text(yaml.safe_dump({"b": {"c": 4}}))
    assert loader(root)["parameters"]["b"]["c"] == 4
    (root / "base" / "globals.yml").write_text("x: 11\n")
    os.utime(root / "base" / "globals.yml", ns=(1, 1))  # whatever the modification time: its size changed too
    assert loader(root)["parameters"]["b"]["d"] == 11
    (root / "dev" / "parameters_more.yml").write_text("e: 1\n")
    assert loader(root)["parameters"]["e"] == 1


def test_a_value_set_on_the_loader_wins_as_in_kedro(conf):
    root, _ = conf
    assert loader(root)["parameters"]["a"] == 1
    explicit = loader(root)
    explicit["parameters"] = {"a": 7}
    assert explicit["parameters"] == {"a": 7}
