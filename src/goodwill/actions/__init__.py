"""State-changing operations. Each `do_*` is one transaction with an audit row; events go out after commit.

`acting` names who acts: a Teammate id, or a label such as "cli" or "system:ingest" for the machine itself.
"""

from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import (
    NotFound,
    access_channel,
    access_workspace,
    do_create_workspace,
    do_ensure_channel,
)

__all__ = [
    "Acting",
    "NotFound",
    "access_channel",
    "access_workspace",
    "audit",
    "do_create_workspace",
    "do_ensure_channel",
]
