"""The project's Kedro hooks, one module per concern (``settings.HOOKS`` lists them in order)."""

from smotified_gan.adapters.hooks.cluster import DaskClusterHook
from smotified_gan.adapters.hooks.grid import GridHook
from smotified_gan.adapters.hooks.parameters import ParameterHook, set_threads
from smotified_gan.adapters.hooks.registry import ModelRegistryHook
from smotified_gan.adapters.hooks.tracking import ProjectTrackingUriHook, RunTagsHook

__all__ = ["DaskClusterHook", "GridHook", "ModelRegistryHook", "ParameterHook", "ProjectTrackingUriHook", "RunTagsHook",
           "set_threads"]
