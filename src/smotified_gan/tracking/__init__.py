"""MLflow: the model registry with its locks and decisions (``registry``), the grid's tracking server (``server``)."""
