"""Names, ids and titles hold no invisible characters (issue 10, defect 10): bidi overrides and
isolates, zero-width characters, the BOM, controls; line breaks and tab only in text of several
lines."""

from __future__ import annotations

import pytest

from zhifa.core.errors import ValidationFailed
from zhifa.core.text import invisible_characters, require_visible

INVISIBLE = [
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u202d",  # LEFT-TO-RIGHT OVERRIDE
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u2069",  # POP DIRECTIONAL ISOLATE
    "\u200b",  # ZERO WIDTH SPACE
    "\u200d",  # ZERO WIDTH JOINER
    "\u2060",  # WORD JOINER
    "\ufeff",  # BOM
    "\u00ad",  # SOFT HYPHEN
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",  # NEXT LINE (C1 control)
    "\u2028",  # LINE SEPARATOR
    "\u2029",  # PARAGRAPH SEPARATOR
    "\ud800",  # a lone surrogate
]


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("multiline", [False, True])
def test_invisible_characters_are_refused_with_a_chinese_message(
    char: str, multiline: bool
) -> None:
    value = f"张三{char}某某"
    with pytest.raises(ValidationFailed) as caught:
        require_visible(value, field="name", label="姓名", multiline=multiline)
    error = caught.value
    assert error.code == "invisible_character"
    assert error.detail == {"characters": [f"U+{ord(char):04X}"], "field": "name"}
    assert error.message.startswith("“姓名”含有不可见的控制字符")


@pytest.mark.parametrize("char", ["\n", "\r", "\t"])
def test_line_breaks_and_tab_only_where_the_field_holds_several_lines(char: str) -> None:
    value = f"第一行{char}第二行"
    assert require_visible(value, label="说明", multiline=True) == value
    with pytest.raises(ValidationFailed):
        require_visible(value, label="名称")


@pytest.mark.parametrize(
    "value",
    [
        "白山乡国土资源所",
        "张三",
        "Zhang San-2026 (No.1)",
        "é̃ 带组合符号",
        "全角　空格",
        "👨‍👩‍👧"[0],
        "",
    ],
)
def test_visible_text_passes_unchanged(value: str) -> None:
    assert require_visible(value, label="名称") == value


def test_each_character_is_named_once_in_order() -> None:
    assert invisible_characters("a\u202eb\u200bc\u202e") == ["U+202E", "U+200B"]
