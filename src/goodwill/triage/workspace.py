"""A workspace's own triage model: where it lives, and the classifier ingest uses for the workspace.

`goodwill train` writes a retrained model to ``<GOODWILL_DATA_DIR>/models/<workspace>.npz`` and records it in
``Workspace.settings["triage_model"]`` (``{"path": ..., "version": ..., ...}``; a relative path is relative to
the data folder) through an audited action. `classifier_for(settings)` then gives the classifier for that
workspace: the shipped `goodwill.triage.classify` when no model is set, else one bound to the workspace's
model, loaded once per process and reloaded only when the file changes (path, size and modification time).

Triage must never stop ingest: a model file that is missing or unreadable is logged once and the shipped
model is used instead.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from goodwill.domain.triage import TriageResult
from goodwill.triage.model import TriageModel

SETTING = "triage_model"
MAX_CACHED = 4  # workspace models kept in memory per process (~50-80 MB each once warm)

Classifier = Callable[[Sequence[str]], list[TriageResult]]
log = logging.getLogger(__name__)
_cache: OrderedDict[str, tuple[tuple[int, int], TriageModel | None]] = OrderedDict()
_lock = threading.Lock()


def models_dir() -> Path:
    from goodwill.settings import get_settings

    return get_settings().data_dir / "models"


def model_path(settings: Mapping[str, Any] | None) -> Path | None:
    """The workspace's model file from its settings, or None for the shipped model."""
    entry = (settings or {}).get(SETTING) or {}
    given = entry.get("path") if isinstance(entry, Mapping) else None
    if not given or not isinstance(given, str):
        return None
    path = Path(given)
    if not path.is_absolute():
        from goodwill.settings import get_settings

        path = get_settings().data_dir / path
    return path


def workspace_model(settings: Mapping[str, Any] | None) -> TriageModel:
    """The model `classify` uses for a workspace with these settings (the shipped one unless one is set)."""
    from goodwill.triage.classifier import get_model

    path = model_path(settings)
    if path is None:
        return get_model()
    return _load(path) or get_model()


def _load(path: Path) -> TriageModel | None:
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (-1, -1)
    key = str(path)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            _cache.move_to_end(key)
            return cached[1]
        model: TriageModel | None = None
        try:
            model = TriageModel.load(path)
        except Exception as exc:  # a bad file must not stop ingest: the shipped model takes over
            log.warning("triage model %s cannot be loaded (%s): using the shipped model", path, exc)
        _cache[key] = (stamp, model)
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
        return model


def classifier_for(settings: Mapping[str, Any] | None) -> Classifier:
    """The classifier for a workspace with these settings: `goodwill.triage.classify`, or the same bound to
    the workspace's retrained model."""
    from goodwill import triage

    path = model_path(settings)
    if path is None:
        return triage.classify
    model = _load(path)
    if model is None:
        return triage.classify
    return lambda texts: triage.classify(texts, model=model)


def workspace_settings(conn: Any, workspace_id: int) -> dict[str, Any]:
    """A workspace's settings read on an open connection (one query by primary key)."""
    from sqlalchemy import select

    from goodwill.store.tables import Workspace

    settings = conn.execute(select(Workspace.settings).where(Workspace.id == workspace_id)).scalar()
    return dict(settings or {})


def forget_cached_models() -> None:
    """Drop the workspace models kept in memory (tests; after deleting model files)."""
    with _lock:
        _cache.clear()
