"""Project settings (https://docs.kedro.org/en/stable/kedro_project_setup/settings.html)."""

import os

from smotified_gan.adapters.config_loader import CachingConfigLoader
from smotified_gan.adapters.hooks import (
    DaskClusterHook,
    GridHook,
    ModelRegistryHook,
    ParameterHook,
    ProjectTrackingUriHook,
    RunTagsHook,
)
from smotified_gan.adapters.upstream_notices import silence_upstream_notices

# Telemetry stays off for Kedro's plugin and MLflow, whoever runs the project.
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

silence_upstream_notices()

HOOKS = (ParameterHook(), ProjectTrackingUriHook(), GridHook(), RunTagsHook(), ModelRegistryHook(), DaskClusterHook())

# Kedro's OmegaConfigLoader; a process's sessions share the parameters merged from unchanged files
CONFIG_LOADER_CLASS = CachingConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # an environment (conf/quick) overrides single parameters, not whole blocks
    "merge_strategy": {"parameters": "soft"},
}
