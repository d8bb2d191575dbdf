"""A local replica of Meta's privacy pages, the ground of every test and of the offline demo."""

from .scenarios import Scenario
from .server import ReplicaServer

__all__ = ["ReplicaServer", "Scenario"]
