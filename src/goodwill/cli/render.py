"""Rich rendering for the CLI. All social text goes through `safe` so it is shown, never interpreted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from goodwill.inbox import ConversationSummary

if TYPE_CHECKING:
    from goodwill.connectors.files.importer import ImportReport

_CONTROL = dict.fromkeys(list(range(0, 9)) + list(range(11, 32)) + [127], " ")


def safe(text: str | None, limit: int | None = None) -> str:
    """Escape Rich markup and drop terminal control characters (no escape sequences from social text)."""
    text = (text or "").translate(_CONTROL)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "-"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


class _Progress:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: Any = None

    def checked(self, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task("Importing", total=total)

    def advance(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)


@contextmanager
def import_progress(console: Console, *, enabled: bool = True) -> Iterator[_Progress]:
    if not enabled or not console.is_terminal:
        yield _Progress(None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield _Progress(progress)


def report_dict(report: ImportReport) -> dict[str, Any]:
    return {
        "records": report.records,
        "rejected": report.rejected,
        "channels": report.channels,
        **asdict(report.result),
    }


def import_report(console: Console, report: ImportReport, skip_bad: Path | None) -> None:
    r = report.result
    console.print(
        f"Read {report.records} records into {len(report.channels)} channel(s): "
        f"[bold]{r.stored}[/] new messages, {r.duplicates} already stored, "
        f"{r.conversations_opened} new conversations, {r.people_created} new people."
    )
    if report.rejected:
        console.print(f"[yellow]{report.rejected} bad records skipped[/]; reasons in {safe(str(skip_bad))}")


SLA_MARK = {"breached": "[red]BREACHED[/]", "at_risk": "[yellow]at risk[/]", "ok": "ok", "none": "-"}


def inbox(console: Console, items: list[ConversationSummary], total: int) -> None:
    """The inbox as a table; on a narrow terminal the assignee and SLA columns give way to the message."""
    if not items:
        console.print("Inbox zero: nothing matches.")
        return
    wide = console.width >= 120
    columns = [
        "id",
        "prio",
        "waiting",
        *(["SLA"] if wide else []),
        "network",
        "who",
        *(["assignee"] if wide else []),
        "intent",
        "latest message",
    ]
    table = Table(
        title=f"Inbox: {len(items)} of {total}",
        title_justify="left",
        expand=True,
        box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAD,  # a narrow terminal keeps its width for the text
        pad_edge=wide,
        collapse_padding=not wide,
    )
    for name in columns:
        if name == "latest message":
            table.add_column(name, overflow="ellipsis", no_wrap=True, ratio=1, min_width=24)
        else:
            width = 16 if name in ("who", "assignee") else None
            table.add_column(name, overflow="ellipsis", no_wrap=True, max_width=width)
    for i in items:
        cells = {
            "id": str(i.id),
            "prio": str(i.priority) if i.needs_reply else "-",
            "waiting": ago(i.waiting_since) if i.needs_reply else i.status,
            "SLA": SLA_MARK.get(i.sla_state, i.sla_state),
            "network": f"{i.network}{' DM' if i.kind == 'direct' else ''}",
            "who": safe(i.person or "?"),
            "assignee": safe(i.assignee or "-"),
            "intent": i.intent or "",
            "latest message": safe(i.preview.replace("\n", " "), 200),
        }
        table.add_row(*(cells[name] for name in columns))
    console.print(table)


def evidence_lines(evidence: dict[str, Any] | None, *, limit: int = 6) -> list[str]:
    """One short line per label: the cues behind it (`triage` evidence), for `goodwill show`."""
    lines = []
    for label, cues in (evidence or {}).items():
        if isinstance(cues, dict):
            shown = ", ".join(f"{k} {v}" for k, v in list(cues.items())[:limit])
        elif isinstance(cues, list | tuple):
            shown = ", ".join(str(c) for c in cues[:limit])
        else:
            shown = str(cues)
        if shown:
            lines.append(f"{label}: {shown}")
    return lines


def stats(console: Console, figures: Any) -> None:
    table = Table(show_header=False, box=None)
    for key, value in figures.as_dict().items():
        shown = ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        table.add_row(key.replace("_", " "), shown)
    console.print(table)


def demo_summary(console: Console, summary: Any, url: str) -> None:
    console.print(f"[bold]Demo world ready[/] in {safe(url)}")
    for key, value in asdict(summary).items():
        if isinstance(value, int | str):
            console.print(f"  {key.replace('_', ' ')}: {safe(str(value))}")
