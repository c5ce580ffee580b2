"""Stored relationship figures the audit can trust: a change counter per person kept by the database itself.

- `person_inputs` (person_id, workspace_id, changes): triggers add one to a person's `changes` in the same
  transaction as any change to what their relationship state is folded from (goodwill.relationships.figures):
  a message of theirs edited, moved or deleted, and on PostgreSQL also stored (inbound: the author's person;
  outbound: the conversation's person); the label of one of their inbound messages stored, corrected or
  deleted; a conversation they wrote in resolved or reopened, or given to another person; one of their
  identities moved to another person. Triggers, not application code, so that every writer counts (ingest,
  actions, jobs, bulk SQL). On SQLite, messages stored since a recompute are found by id instead (see
  POSTGRESQL_ONLY below);
- `workspace_inputs` (workspace_id, deletions): messages deleted in the workspace (on SQLite a deleted
  message's id can be given to a new one, which the id watermark would not see);
- `relationship_detail.figures`: the figures the state was classified from, with what the state as of a
  later moment needs and the watermarks read before the messages (goodwill.relationships.stored);
  `relationship_detail.inputs_seen`: the person's `changes` as read before their messages were. Still equal
  to `changes`: nothing the figures rest on has changed since.

Every existing person gets a counter of 0; existing details have no figures (NULL) until the next recompute.
Cost: on SQLite nothing per stored message or label (new messages, and the labels ingest stores with them,
are found by id; see POSTGRESQL_ONLY), an upsert per conversation update that resolves, reopens or moves one;
on PostgreSQL one upsert per stored message and label (not measured), with a row lock on the person's counter
until the writing transaction commits.

Revision ID: 0012_relationship_inputs
Revises: 0011_post_mix
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_relationship_inputs"
down_revision = "0011_post_mix"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# the names goodwill.relationships.stored checks for before it trusts the counters
TRIGGERS = {
    "message": (
        "relationship_inputs_message_in",
        "relationship_inputs_message_out",
        "relationship_inputs_message_up",
        "relationship_inputs_message_del",
    ),
    "triage": ("relationship_inputs_triage_in", "relationship_inputs_triage_up", "relationship_inputs_triage_del"),
    "conversation": ("relationship_inputs_conversation_up",),
    "identity": ("relationship_inputs_identity_up",),
}

# on SQLite a trigger on INSERT INTO message costs about 17 us per row of an executemany (measured: 7.7 us per
# row without, 24 with a trigger that never fires), a quarter of ingest's whole cost: messages stored since a
# recompute are found by their ids instead (goodwill.relationships.stored: one writer at a time, so ids
# grow in commit order). PostgreSQL's ids do not (concurrent transactions), so there the triggers count them.
# Labels are inserted only by ingest, with the new message they label, in the same transaction: on SQLite the
# id watermark finds that message, so a trigger on label inserts (2.6 us per label of ingest's executemany,
# measured) would count nothing new there. A writer that labels an older message must count it itself.
POSTGRESQL_ONLY = ("relationship_inputs_message_in", "relationship_inputs_message_out", "relationship_inputs_triage_in")

BUMP = (
    "INSERT INTO person_inputs (person_id, workspace_id, changes) {select} "
    "ON CONFLICT (person_id) DO UPDATE SET changes = person_inputs.changes + 1;"
)
OF_IDENTITY = "SELECT person_id, workspace_id, 1 FROM identity WHERE id = {id} AND person_id IS NOT NULL"
OF_CONVERSATION = "SELECT person_id, workspace_id, 1 FROM conversation WHERE id = {id} AND person_id IS NOT NULL"
OF_LABEL = (  # a label counts only on inbound messages (the fold reads it there only)
    "SELECT i.person_id, i.workspace_id, 1 FROM message m JOIN identity i ON i.id = m.identity_id "
    "WHERE m.id = {id} AND m.direction = 'in' AND i.person_id IS NOT NULL"
)
OF_AUTHORS = (  # everyone who wrote in the conversation (their fold reads its status)
    "SELECT DISTINCT i.person_id, i.workspace_id, 1 FROM message m JOIN identity i ON i.id = m.identity_id "
    "WHERE m.conversation_id = {id} AND m.direction = 'in' AND i.person_id IS NOT NULL"
)
OF_VALUES = "SELECT {person}, {workspace}, 1 WHERE {person} IS NOT NULL"
DELETED = (  # a deleted message's id may be given again on SQLite (no AUTOINCREMENT): the id watermark's guard
    "INSERT INTO workspace_inputs (workspace_id, deletions) SELECT {workspace}, 1 WHERE true "
    "ON CONFLICT (workspace_id) DO UPDATE SET deletions = workspace_inputs.deletions + 1;"
)
MESSAGE_COLUMNS = ("conversation_id", "identity_id", "direction", "created_at", "kind", "text", "workspace_id")
TRIAGE_COLUMNS = ("message_id", "intent", "sentiment")


def _changed(columns: tuple[str, ...], op_: str) -> str:
    return " OR ".join(f"OLD.{c} {op_} NEW.{c}" for c in columns)


def _bumps(*selects: str) -> str:
    return " ".join(BUMP.format(select=s) for s in selects)


def _sqlite() -> list[str]:
    changed = _changed(MESSAGE_COLUMNS, "IS NOT")
    label_changed = _changed(TRIAGE_COLUMNS, "IS NOT")
    resolved = "(OLD.status = 'resolved') IS NOT (NEW.status = 'resolved')"
    moved = "OLD.person_id IS NOT NEW.person_id OR OLD.workspace_id IS NOT NEW.workspace_id"
    body = {
        "relationship_inputs_message_up": (
            f"AFTER UPDATE OF {', '.join(MESSAGE_COLUMNS)} ON message WHEN {changed}",
            _bumps(
                *(
                    f.format(id=f"{w}.{c}")
                    for w in ("OLD", "NEW")
                    for f, c in ((OF_IDENTITY, "identity_id"), (OF_CONVERSATION, "conversation_id"))
                )
            ),
        ),
        "relationship_inputs_message_del": (
            "AFTER DELETE ON message",
            _bumps(OF_IDENTITY.format(id="OLD.identity_id"), OF_CONVERSATION.format(id="OLD.conversation_id"))
            + " "
            + DELETED.format(workspace="OLD.workspace_id"),
        ),
        "relationship_inputs_triage_up": (
            f"AFTER UPDATE OF {', '.join(TRIAGE_COLUMNS)} ON triage WHEN {label_changed}",
            _bumps(OF_LABEL.format(id="OLD.message_id"), OF_LABEL.format(id="NEW.message_id")),
        ),
        "relationship_inputs_triage_del": ("AFTER DELETE ON triage", _bumps(OF_LABEL.format(id="OLD.message_id"))),
        "relationship_inputs_conversation_up": (
            f"AFTER UPDATE OF status, person_id, workspace_id ON conversation WHEN {resolved} OR {moved}",
            _bumps(
                OF_VALUES.format(person="OLD.person_id", workspace="OLD.workspace_id"),
                OF_VALUES.format(person="NEW.person_id", workspace="NEW.workspace_id"),
                OF_AUTHORS.format(id="NEW.id"),
            ),
        ),
        "relationship_inputs_identity_up": (
            f"AFTER UPDATE OF person_id, workspace_id ON identity WHEN {moved}",
            _bumps(
                OF_VALUES.format(person="OLD.person_id", workspace="OLD.workspace_id"),
                OF_VALUES.format(person="NEW.person_id", workspace="NEW.workspace_id"),
            ),
        ),
    }
    statements = []
    for name, (when, sql) in body.items():
        event, _, condition = when.partition(" WHEN ")
        condition = f" WHEN {condition}" if condition else ""
        statements.append(f"CREATE TRIGGER {name} {event} FOR EACH ROW{condition} BEGIN {sql} END")
    return statements


def _postgresql() -> list[str]:
    """The same triggers in PL/pgSQL: one function per table, one trigger per event."""
    changed = _changed(MESSAGE_COLUMNS, "IS DISTINCT FROM")
    label_changed = _changed(TRIAGE_COLUMNS, "IS DISTINCT FROM")
    resolved = "(OLD.status = 'resolved') IS DISTINCT FROM (NEW.status = 'resolved')"
    moved = "OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id"
    functions = {
        "relationship_inputs_message": f"""
            IF TG_OP = 'INSERT' THEN
              IF NEW.direction = 'in' THEN {_bumps(OF_IDENTITY.format(id="NEW.identity_id"))}
              ELSE {_bumps(OF_CONVERSATION.format(id="NEW.conversation_id"))}
              END IF;
              RETURN NULL;
            END IF;
            {_bumps(OF_IDENTITY.format(id="OLD.identity_id"), OF_CONVERSATION.format(id="OLD.conversation_id"))}
            IF TG_OP = 'DELETE' THEN {DELETED.format(workspace="OLD.workspace_id")} END IF;
            IF TG_OP = 'UPDATE' THEN
              {_bumps(OF_IDENTITY.format(id="NEW.identity_id"), OF_CONVERSATION.format(id="NEW.conversation_id"))}
            END IF;
            RETURN NULL;""",
        "relationship_inputs_triage": f"""
            IF TG_OP <> 'INSERT' THEN {_bumps(OF_LABEL.format(id="OLD.message_id"))} END IF;
            IF TG_OP <> 'DELETE' THEN {_bumps(OF_LABEL.format(id="NEW.message_id"))} END IF;
            RETURN NULL;""",
        "relationship_inputs_conversation": f"""
            {
            _bumps(
                OF_VALUES.format(person="OLD.person_id", workspace="OLD.workspace_id"),
                OF_VALUES.format(person="NEW.person_id", workspace="NEW.workspace_id"),
                OF_AUTHORS.format(id="NEW.id"),
            )
        }
            RETURN NULL;""",
        "relationship_inputs_identity": f"""
            {
            _bumps(
                OF_VALUES.format(person="OLD.person_id", workspace="OLD.workspace_id"),
                OF_VALUES.format(person="NEW.person_id", workspace="NEW.workspace_id"),
            )
        }
            RETURN NULL;""",
    }
    statements = [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"
        for name, body in functions.items()
    ]
    triggers = [
        ("relationship_inputs_message_in", "AFTER INSERT ON message", "NEW.direction = 'in'", "message"),
        ("relationship_inputs_message_out", "AFTER INSERT ON message", "NEW.direction <> 'in'", "message"),
        (
            "relationship_inputs_message_up",
            f"AFTER UPDATE OF {', '.join(MESSAGE_COLUMNS)} ON message",
            changed,
            "message",
        ),
        ("relationship_inputs_message_del", "AFTER DELETE ON message", None, "message"),
        ("relationship_inputs_triage_in", "AFTER INSERT ON triage", None, "triage"),
        (
            "relationship_inputs_triage_up",
            f"AFTER UPDATE OF {', '.join(TRIAGE_COLUMNS)} ON triage",
            label_changed,
            "triage",
        ),
        ("relationship_inputs_triage_del", "AFTER DELETE ON triage", None, "triage"),
        (
            "relationship_inputs_conversation_up",
            "AFTER UPDATE OF status, person_id, workspace_id ON conversation",
            f"{resolved} OR {moved}",
            "conversation",
        ),
        ("relationship_inputs_identity_up", "AFTER UPDATE OF person_id, workspace_id ON identity", moved, "identity"),
    ]
    for name, event, when, table in triggers:
        condition = f" WHEN ({when})" if when else ""
        statements.append(
            f"CREATE TRIGGER {name} {event} FOR EACH ROW{condition} EXECUTE FUNCTION relationship_inputs_{table}()"
        )
    return statements


def upgrade() -> None:
    op.create_table(
        "person_inputs",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_person_inputs_person_id_person", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name="fk_person_inputs_workspace_id_workspace", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_person_inputs"),
    )
    op.create_index("ix_person_inputs_workspace_id", "person_inputs", ["workspace_id"])
    op.create_table(
        "workspace_inputs",
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("deletions", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name="fk_workspace_inputs_workspace_id_workspace", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_workspace_inputs"),
    )
    with op.batch_alter_table("relationship_detail") as batch:
        batch.add_column(sa.Column("figures", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("inputs_seen", sa.Integer(), nullable=True))
    op.execute("INSERT INTO person_inputs (person_id, workspace_id, changes) SELECT id, workspace_id, 0 FROM person")
    dialect = op.get_bind().dialect.name
    for statement in _postgresql() if dialect == "postgresql" else _sqlite():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, names in TRIGGERS.items():
        for name in names:
            if dialect != "postgresql" and name in POSTGRESQL_ONLY:
                continue
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        for table in TRIGGERS:
            op.execute(f"DROP FUNCTION IF EXISTS relationship_inputs_{table}()")
    with op.batch_alter_table("relationship_detail") as batch:
        batch.drop_column("inputs_seen")
        batch.drop_column("figures")
    op.drop_table("workspace_inputs")
    op.drop_index("ix_person_inputs_workspace_id", table_name="person_inputs")
    op.drop_table("person_inputs")
