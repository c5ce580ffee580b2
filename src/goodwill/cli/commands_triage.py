"""Triage from the command line: `triage` (label a JSON Lines file), `correct` (a teammate fixes a message's
labels, audited) and `train` (retrain the workspace's model with its corrections)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.markup import escape

from goodwill.actions.audit import CLI
from goodwill.cli.app import (
    DatabaseOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    checked_store,
    err,
    out,
    print_json,
    workspace_slug,
)

AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this teammate (e-mail); default: the CLI, as the owner.")
]


@contextmanager
def _input(path: str) -> Iterator[tuple[IO[bytes], str]]:
    if path == "-":
        yield sys.stdin.buffer, "stdin"
        return
    with open(path, "rb") as handle:
        yield handle, path


@contextmanager
def _output(path: str) -> Iterator[IO[bytes]]:
    """stdout, or a file written whole: a temporary file beside it, renamed over it only on success."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)


@app.command()
def triage(
    in_path: Annotated[str, typer.Option("--in", help='JSON Lines, one {"id", "text"} per line; - for stdin.')],
    out_path: Annotated[str, typer.Option("--out", help="Where to write the labelled lines; - for stdout.")] = "-",
    skip_bad: Annotated[
        Path | None,
        typer.Option("--skip-bad", help="Write bad lines with reasons to this file and label the rest."),
    ] = None,
    model: Annotated[Path | None, typer.Option("--model", help="A model file (default: the shipped model).")] = None,
    batch: Annotated[int, typer.Option(help="Messages classified at a time.", min=1, max=100_000)] = 500,
) -> None:
    """Label every line of a JSON Lines file: complaint, intent, sentiment, severity, needs-reply, priority,
    language and the evidence. A bad line refuses the file (nothing is written) unless --skip-bad is given;
    from stdin, output stops at the bad line."""
    import orjson

    from goodwill import triage as lib
    from goodwill.triage.jsonl import BadLine, Line, label_lines, read_lines
    from goodwill.triage.model import TriageModel

    chosen = TriageModel.load(model) if model is not None else None
    if in_path != "-" and skip_bad is None:  # check the whole file first: refuse before writing anything
        with _input(in_path) as (handle, name):
            bad = [item for item in read_lines(handle, name) if isinstance(item, BadLine)]
        if bad:
            more = f" (and {len(bad) - 1} more bad lines)" if len(bad) > 1 else ""
            raise ValueError(f"{bad[0]}{more}; nothing was written. Fix the file, or pass --skip-bad FILE")
    counts = {"labelled": 0, "bad": 0}
    stopped: list[BadLine] = []  # without --skip-bad, a bad line met while streaming ends the input there
    rejects = open(skip_bad, "wb") if skip_bad is not None else None  # noqa: SIM115 - closed below

    def good(items: Iterator[Line | BadLine]) -> Iterator[Line]:
        for item in items:
            if isinstance(item, BadLine):
                if rejects is None:
                    stopped.append(item)
                    return
                counts["bad"] += 1
                rejects.write(orjson.dumps(item.as_dict()) + b"\n")
                continue
            counts["labelled"] += 1
            yield item

    try:
        with _input(in_path) as (handle, name), _output(out_path) as sink:
            for line in label_lines(
                good(read_lines(handle, name)), lambda t: lib.classify(t, model=chosen), batch_size=batch
            ):
                sink.write(line)
            if stopped:
                sink.flush()
                raise ValueError(f"{stopped[0]}; the output stops before this line")
    finally:
        if rejects is not None:
            rejects.close()
    where = "" if out_path == "-" else f" into {out_path}"
    skipped = f"; {counts['bad']} bad lines written to {skip_bad}" if rejects is not None else ""
    err.print(f"Labelled {counts['labelled']} messages{where}{skipped}.", highlight=False)


@app.command()
def correct(
    message: Annotated[int, typer.Argument(help="Message id (`goodwill show --json` lists them).")],
    intent: Annotated[
        str | None, typer.Option(help="complaint, question, praise, feedback, lead, spam or chatter.")
    ] = None,
    complaint: Annotated[
        bool | None, typer.Option("--complaint/--not-complaint", help="Is it a complaint?", show_default=False)
    ] = None,
    sentiment: Annotated[str | None, typer.Option(help="negative, neutral or positive.")] = None,
    severity: Annotated[
        int | None, typer.Option(help="A complaint's severity: 1 no reproach, 2 disapproval, 3 accusation, 4 blame.")
    ] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Correct a message's labels (audited). Corrections teach the model the brand: see `goodwill train`."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate
    from goodwill.actions.triage import access_message_by_id, do_correct_triage
    from goodwill.store.tables import Triage

    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        acting = acting_teammate(session, ws, who) if who else CLI
        msg = access_message_by_id(session, ws, message)
        changed = do_correct_triage(
            session, ws, msg, intent=intent, complaint=complaint, sentiment=sentiment, severity=severity, acting=acting
        )
        row = session.get_one(Triage, msg.id)
        labels = {
            "message_id": msg.id,
            "changed": changed,
            "complaint": row.complaint,
            "intent": row.intent,
            "sentiment": row.sentiment,
            "severity": row.severity,
            "needs_reply": row.needs_reply,
            "priority": row.priority,
        }
    if json:
        print_json(labels)
        return
    what = (
        f"Message {msg.id}: {labels['intent']}, {labels['sentiment']}"
        + (f", complaint of severity {labels['severity']}" if labels["complaint"] else "")
        + f", priority {labels['priority']}"
    )
    out.print(what if changed else f"{what} (it already was: nothing changed)", highlight=False)


def _default_data() -> Path:
    shared = os.environ.get("GOODWILL_SHARED_DIR")
    if shared:
        return Path(shared) / "data"
    return Path(__file__).resolve().parents[4] / "shared" / "data"  # beside the repository checkout


@app.command()
def train(
    data: Annotated[
        Path | None,
        typer.Option(help="The base training data (the shared/data folder; default: $GOODWILL_SHARED_DIR/data)."),
    ] = None,
    holdout: Annotated[float, typer.Option(help="Share of the corrections held back to score before/after.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the held-back choice and of the base data's sampling.")] = 0,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the shipped model; no training.")] = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Retrain the workspace's triage model from the base data plus its corrections (needs goodwill[train]),
    report before/after figures on held-back corrections, and use the new model for new messages."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate
    from goodwill.actions.triage import TrainingUnavailable, do_set_triage_model, retrain_workspace

    store = checked_store(database)
    slug = workspace_slug(workspace)
    with store.session() as session:
        ws = access_workspace(session, slug)
        acting = acting_teammate(session, ws, who) if who else CLI
        if reset:
            do_set_triage_model(session, ws, model=None, acting=acting)
    if reset:
        out.print(f"Workspace {slug} uses the shipped triage model again.")
        return
    folder = data or _default_data()
    if not (folder / "complaints" / "xci.csv").exists():
        raise ValueError(f"no base training data in {folder}: pass --data with the shared/data folder")
    try:
        with err.status("Training (about a minute per run on one core)..."):
            report = retrain_workspace(store, slug, data_dir=folder, holdout=holdout, seed=seed, acting=acting)
    except TrainingUnavailable as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise SystemExit(1) from None
    if json:
        print_json(report.as_dict())
        return
    out.print(
        f"Trained {report.version} on the base data plus {report.trained_on} of {report.corrections} corrections "
        f"in {report.seconds:.0f} s; saved to {report.path} and in use for workspace {slug}."
    )
    if not report.held_back:
        out.print("No corrections held back (fewer than two): no before/after figures.")
        return
    out.print(f"On the {report.held_back} corrections held back (never trained on):")
    for label, before in report.before.items():
        after = report.after.get(label, {})
        for metric in ("accuracy", "macro_f1"):
            if metric in before:
                out.print(
                    f"  {label:<9} {metric:<8} before {before[metric]:.3f} ({report.before_version})  "
                    f"after {after.get(metric, 0.0):.3f}   n={int(before['n'])}"
                )
