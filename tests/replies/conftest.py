"""The inbox's world (a workspace, a team, an X channel sending through the local connector) for replies."""

from tests.inbox.conftest import world  # noqa: F401 - the fixture, shared
