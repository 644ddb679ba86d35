"""Line-start offsets of a text: the one conversion between (line, column) spans and string offsets."""

from __future__ import annotations

import bisect


def line_starts(text: str) -> list[int]:
    """Offset of the first character of every line (line 1 at index 0); lines end at "\\n"."""
    starts = [0]
    find = text.find
    at = find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return starts


def offset_of(starts: list[int], line: int, column: int) -> int | None:
    """The string offset of a 1-based (line, column), or None when the line is not in the text."""
    if not 1 <= line <= len(starts):
        return None
    return starts[line - 1] + column - 1


def position_of(starts: list[int], offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a string offset."""
    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1
