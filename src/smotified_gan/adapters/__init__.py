"""Kedro glue: the project's hooks, the config loader, upstream notices."""
