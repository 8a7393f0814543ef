"""Sorted, disjoint ``(start, end)`` ranges with O(log n) tests.

A 100 KB text can hold thousands of numbers or fixes; pairwise overlap tests would be
quadratic. Shared by the phone rule and the resolver (each had its own copy).
"""

from __future__ import annotations

import bisect


class Ranges:
    def __init__(self, ranges: list[tuple[int, int]] | None = None) -> None:
        self.items = sorted(ranges or [])

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.items, (end, end))
        return index > 0 and self.items[index - 1][1] > start

    def contains(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self.items, (start, 1 << 62))
        return index > 0 and self.items[index - 1][1] >= end

    def add(self, start: int, end: int) -> None:
        bisect.insort(self.items, (start, end))
