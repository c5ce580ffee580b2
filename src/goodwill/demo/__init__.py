"""The demo world: Larkspur Coffee Roasters, a small roaster and café, with 90 days of social life.

`build_world(store)` creates the workspace, its channels on six networks, a team, and a few thousand
messages through the same `ingest` every connector uses, ending at `now`. Deterministic for a seed,
idempotent per workspace. `plan_world()` gives the same world in memory, with the ground truth (`Cast`, and
each planned message's intended label) that later features are checked against.
"""

from goodwill.demo.world import Cast, ChannelCount, CrossNetwork, World, WorldSummary, build_world, plan_world

__all__ = ["Cast", "ChannelCount", "CrossNetwork", "World", "WorldSummary", "build_world", "plan_world"]
