"""Walks: what a walking session was, whatever measured it (see :class:`Walk`)."""

from backstride.walks.from_analysis import walks_from_analysis
from backstride.walks.walk import SESSION_GAP_S, Walk, manual_walk_hash

__all__ = ["SESSION_GAP_S", "Walk", "manual_walk_hash", "walks_from_analysis"]
