"""Charts as inline SVG, drawn in Python: no CDN, no script. Hovering a bar or point shows its value (an SVG
<title>). Every label is escaped: channel names and social text are untrusted."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6ea8", "#e0893b", "#5a9e5a", "#b8484b", "#8a6bb1", "#7a7a7a")


def _num(value: float) -> str:
    return f"{value:.1f}"


def bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "",
    width: int = 720,
    height: int = 240,
) -> str:
    """Grouped vertical bars: one group per label, one bar per series."""
    pad_left, pad_bottom, pad_top = 48, 56, 28
    inner_w, inner_h = width - pad_left - 12, height - pad_bottom - pad_top
    top = max([v for _, values in series for v in values if v is not None] or [1.0]) or 1.0
    group = inner_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{pad_left}" y="16" class="t">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + inner_h}" x2="{width - 12}" y2="{pad_top + inner_h}" class="axis"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 4}" class="y">{escape(_num(top))}</text>',
    ]
    for i, label in enumerate(labels):
        x0 = pad_left + i * group + group * 0.1
        for j, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else None
            if value is None:
                continue
            h = inner_h * value / top
            x, y = x0 + j * bar, pad_top + inner_h - h
            tip = f"{label} · {name}: {_num(value)}{unit}"
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar * 0.92)}" height="{_num(h)}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(tip)}</title></rect>'
            )
        short = label if len(label) <= 18 else label[:17] + "…"
        parts.append(
            f'<text x="{_num(x0 + group * 0.4)}" y="{pad_top + inner_h + 14}" class="x">{escape(short)}</text>'
        )
    parts.append(_legend([name for name, _ in series], width, height))
    parts.append("</svg>")
    return "".join(parts)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 720,
    height: int = 220,
) -> str:
    """Lines over a shared x axis (e.g. the 24 hours of the day), each point with its value on hover."""
    pad_left, pad_bottom, pad_top = 48, 44, 28
    inner_w, inner_h = width - pad_left - 12, height - pad_bottom - pad_top
    top = max([v for _, values in series for v in values] or [1.0]) or 1.0
    step = inner_w / max(len(labels) - 1, 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{pad_left}" y="16" class="t">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + inner_h}" x2="{width - 12}" y2="{pad_top + inner_h}" class="axis"/>',
    ]
    for j, (name, values) in enumerate(series):
        color = PALETTE[j % len(PALETTE)]
        points = [(pad_left + i * step, pad_top + inner_h - inner_h * v / top) for i, v in enumerate(values)]
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for (x, y), label, v in zip(points, labels, values, strict=False):
            tip = f"{label} · {name}: {v:g}"
            parts.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{color}"><title>{escape(tip)}</title></circle>'
            )
    for i, label in enumerate(labels):
        if i % max(len(labels) // 12, 1) == 0:
            parts.append(
                f'<text x="{_num(pad_left + i * step)}" y="{pad_top + inner_h + 14}" class="x">{escape(label)}</text>'
            )
    parts.append(_legend([name for name, _ in series], width, height))
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: Sequence[str], width: int, height: int) -> str:
    out = []
    for j, name in enumerate(names):
        x = 48 + j * 170
        out.append(
            f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 7}" class="l">{escape(name)}</text>'
        )
    return "".join(out)
