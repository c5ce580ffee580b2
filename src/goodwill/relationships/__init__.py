"""Relationships: one person across networks, where each relationship stands, and who needs us next.

Library calls (read only; the writers are in goodwill.actions.people, .person_notes and .nudges):
- `find_matches`: pairs of People that may be one human, with the evidence (merge.py);
- `compute` / `recompute`: stage, health, advocate, at risk, going cold, explained (state.py);
- `people_list`: advocates, at risk, cold, targets, VIPs (lists.py);
- `person_view`: one person's identities, state and timeline across networks (timeline.py);
- `find_nudges`: who needs us next, why, with a draft (nudges.py);
- `linkedin_connections`: connections never messaged, most promising first (connections.py).
"""

from __future__ import annotations

from goodwill.relationships.lists import LISTS, PersonRow, people_list
from goodwill.relationships.merge import Match, find_matches
from goodwill.relationships.nudges import Candidate, find_nudges
from goodwill.relationships.state import State, classify, compute, recompute
from goodwill.relationships.timeline import PersonView, person_view

__all__ = [
    "LISTS",
    "Candidate",
    "Match",
    "PersonRow",
    "PersonView",
    "State",
    "classify",
    "compute",
    "find_matches",
    "find_nudges",
    "people_list",
    "person_view",
    "recompute",
]
