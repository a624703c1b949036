"""The published flowchart of a procedure (职权运行流程图, D-6), drawn server-side as SVG.

Stages are columns in their legal order, steps are boxes stacked in their stage's column, a
transition is an arrow (labelled for a branch). Each box shows the step name, what it requires
and its time limits, all from the definition: the flowchart can never disagree with the engine.
Every text is escaped (``html.escape`` with quotes, valid in XML); no external tool is used.
"""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext as _

from zhifa.catalogue.procedures import AvRule, ProcedureDefinition, Stage, Step

COLUMN_WIDTH = 230
BOX_WIDTH = 190
LINE = 15
TOP = 70
GAP = 26
MAX_CHARS = 14


def _wrap(text: str, width: int = MAX_CHARS) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _lines(step: Step) -> list[tuple[str, str]]:
    """(css class, text) lines of a box."""
    out = [("name", line) for line in _wrap(step.name)]
    if step.approval:
        out.append(("meta", "→".join(role.label for role in step.approval)))
    for requirement in step.requires:
        out += [("req", line) for line in _wrap("· " + requirement.label)]
    if step.variants:
        out += [
            ("req", line) for line in _wrap(_("方式：") + "、".join(v.name for v in step.variants))
        ]
    if step.av is AvRule.REQUIRED:
        out.append(("req", _("· 音像记录")))
    for limit in step.limits:
        out += [("limit", line) for line in _wrap(limit.name + "：" + limit.describe())]
    for hook in step.hooks:
        if hook == "legal_review_gate":
            out.append(("meta", _("◆ 法制审核")))
    return out


LABEL_CHAR = 11.5  # the width of one CJK character at the branch label's 11px size
LABEL_HEIGHT = 13


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _free_spot(
    x: float,
    y: float,
    text: str,
    placed: list[tuple[float, float, float, float]],
    boxes: dict[str, tuple[float, float, float, float]],
) -> tuple[float, float]:
    """Where a branch label goes: at its arrow's middle, moved down a line at a time until it
    covers neither an earlier label nor a step box (labels of sibling branches used to pile up on
    one spot). The spot taken is added to ``placed``."""
    width = LABEL_CHAR * len(text)
    for attempt in range(40):
        rect = (x, y - LABEL_HEIGHT + 3 + attempt * LABEL_HEIGHT, width, LABEL_HEIGHT)
        if not any(_overlaps(rect, other) for other in placed) and not any(
            _overlaps(rect, box) for box in boxes.values()
        ):
            placed.append(rect)
            return x, y + attempt * LABEL_HEIGHT
    placed.append((x, y - LABEL_HEIGHT + 3, width, LABEL_HEIGHT))
    return x, y


def render_svg(definition: ProcedureDefinition, *, title: str = "") -> str:
    """The flowchart as a standalone SVG document (UTF-8 text)."""
    columns = [stage for stage in Stage if definition.steps_in(stage)]
    boxes: dict[str, tuple[float, float, float, float]] = {}
    bodies: list[str] = []
    height = TOP
    for column, stage in enumerate(columns):
        x = 20 + column * COLUMN_WIDTH
        y = TOP
        bodies.append(
            f'<text class="stage" x="{x + BOX_WIDTH / 2}" y="{TOP - 16}" '
            f'text-anchor="middle">{escape(stage.label)}</text>'
        )
        for step in definition.steps_in(stage):
            lines = _lines(step)
            h = 14 + LINE * len(lines)
            boxes[step.id] = (x, y, BOX_WIDTH, h)
            css = "box optional" if step.optional else "box"
            bodies.append(
                f'<g id="step-{escape(step.id)}"><rect class="{css}" x="{x}" y="{y}" '
                f'width="{BOX_WIDTH}" height="{h}" rx="6"/>'
            )
            for i, (kind, text) in enumerate(lines):
                line_y = y + 18 + i * LINE
                bodies.append(
                    f'<text class="{kind}" x="{x + 8}" y="{line_y}">{escape(text)}</text>'
                )
            bodies.append("</g>")
            y += h + GAP
        height = max(height, y)
    arrows: list[str] = []
    placed: list[tuple[float, float, float, float]] = []
    for step in definition.steps:
        sx, sy, sw, sh = boxes[step.id]
        for transition in step.next:
            tx, ty, tw, th = boxes[transition.to]
            if tx > sx:
                x1, y1, x2, y2 = sx + sw, sy + sh / 2, tx, ty + th / 2
                path = f"M{x1},{y1} C{x1 + 20},{y1} {x2 - 20},{y2} {x2},{y2}"
            elif ty > sy:
                x1, y1, x2, y2 = sx + sw / 2, sy + sh, tx + tw / 2, ty
                path = f"M{x1},{y1} L{x2},{y2}"
                if ty > sy + sh + GAP + 1:  # skips boxes: go round on the right
                    path = (
                        f"M{sx + sw},{sy + sh - 6} C{sx + sw + 24},{sy + sh} "
                        f"{tx + tw + 24},{ty} {tx + tw},{ty + 8}"
                    )
                    x1, y1 = sx + sw + 12, (sy + sh + ty) / 2
            else:
                x1, y1 = sx, sy + sh / 2
                x2, y2 = tx, ty + th / 2
                path = f"M{x1},{y1} C{x1 - 24},{y1} {x2 - 24},{y2} {x2},{y2}"
            arrows.append(f'<path class="arrow" d="{path}" marker-end="url(#head)"/>')
            if transition.label:
                lx, ly = _free_spot(
                    (x1 + x2) / 2 + 4, (y1 + y2) / 2 - 4, transition.label, placed, boxes
                )
                arrows.append(
                    f'<text class="branch" x="{lx}" y="{ly}">{escape(transition.label)}</text>'
                )
    width = 40 + len(columns) * COLUMN_WIDTH
    heading = title or definition.name
    style = (
        "text{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:12px;"
        "fill:#1b1b1b}.title{font-size:18px;font-weight:bold}.stage{font-size:14px;"
        "font-weight:bold;fill:#8a1c1c}.name{font-weight:bold}.meta{fill:#444}"
        ".req{fill:#333}.limit{fill:#8a1c1c}.branch{font-size:11px;fill:#1d4f91;"
        "paint-order:stroke;stroke:#fff;stroke-width:3px}"
        ".box{fill:#fff;stroke:#555;stroke-width:1.2}.optional{stroke-dasharray:4 3}"
        ".arrow{fill:none;stroke:#1d4f91;stroke-width:1.2}"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" '
        f'viewBox="0 0 {width} {height + 20}" role="img" aria-label="{escape(heading)}">'
        f"<title>{escape(heading)}</title><style>{style}</style>"
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#1d4f91"/></marker></defs>'
        f'<text class="title" x="20" y="26">{escape(heading)}</text>'
        + "".join(bodies)
        + "".join(arrows)
        + "</svg>"
    )
