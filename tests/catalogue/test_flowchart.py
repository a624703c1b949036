"""The published flowchart (D-6) of every shipped procedure: well-formed SVG drawn from the
definition, every step and time limit on it, names escaped."""

from __future__ import annotations

import xml.dom.minidom

import pytest

from zhifa.catalogue import flowchart, procedures


@pytest.mark.parametrize("slug", sorted(procedures.shipped()))
def test_every_shipped_procedure_draws_a_well_formed_flowchart__D6(slug: str) -> None:
    definition = procedures.get(slug)
    svg = flowchart.render_svg(definition)
    document = xml.dom.minidom.parseString(svg.encode())
    groups = {g.getAttribute("id") for g in document.getElementsByTagName("g")}
    assert groups == {f"step-{step.id}" for step in definition.steps}
    arrows = [
        p for p in document.getElementsByTagName("path") if p.getAttribute("class") == "arrow"
    ]
    assert len(arrows) == sum(len(step.next) for step in definition.steps)
    boxes = {
        g.getAttribute("id"): "".join(
            t.firstChild.nodeValue for t in g.getElementsByTagName("text") if t.firstChild
        )
        for g in document.getElementsByTagName("g")
    }
    for step in definition.steps:
        text = boxes[f"step-{step.id}"]  # wrapped lines joined back
        assert text.startswith(step.name)
        for limit in step.limits:
            assert limit.basis in text


def test_titles_and_labels_are_escaped__D6() -> None:
    svg = flowchart.render_svg(procedures.get("penalty_simple"), title='"><svg onload=x> & 罚')
    assert "<svg onload" not in svg
    assert "&quot;&gt;&lt;svg onload=x&gt; &amp; 罚" in svg
    xml.dom.minidom.parseString(svg.encode())


def test_branch_labels_do_not_cover_each_other_or_a_step__D6() -> None:
    """Sibling branches' labels used to pile up on one spot and become unreadable."""
    import re

    from zhifa.catalogue import flowchart, procedures

    for slug in procedures.slugs():
        svg = flowchart.render_svg(procedures.get(slug))
        labels = [
            (
                float(x),
                float(y) - flowchart.LABEL_HEIGHT + 3,
                flowchart.LABEL_CHAR * len(t),
                flowchart.LABEL_HEIGHT,
            )
            for x, y, t in re.findall(
                r'<text class="branch" x="([\d.]+)" y="([\d.-]+)">([^<]*)</text>', svg
            )
        ]
        boxes = [
            tuple(map(float, m))
            for m in re.findall(
                r'<rect class="box[^"]*" x="([\d.]+)" y="([\d.]+)" '
                r'width="([\d.]+)" height="([\d.]+)"',
                svg,
            )
        ]
        assert labels, slug
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert not flowchart._overlaps(a, b), (slug, a, b)
            for box in boxes:
                assert not flowchart._overlaps(a, box), (slug, a, box)
