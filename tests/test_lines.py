"""mfa_lint.reading.lines: the one conversion between string offsets and 1-based (line, column)."""

from __future__ import annotations

from mfa_lint.reading.lines import line_starts, offset_of, position_of


def test_position_of_inverts_offset_of() -> None:
    text = 'resource "a" "b" {\n\n  policy = "x"\n}'
    starts = line_starts(text)
    for offset in range(len(text) + 1):
        line, column = position_of(starts, offset)
        assert offset_of(starts, line, column) == offset
    assert position_of(starts, 0) == (1, 1) and position_of(starts, 19) == (2, 1) and position_of(starts, 22) == (3, 3)
