"""Plain manifest folders: YAML workloads deployed with `kubectl apply -f`."""

from .manager import ManifestManager

__all__ = ["ManifestManager"]
