"""Argument types shared by the command-line jobs: numbers checked by argparse, with its usage message.

Example:
    >>> positive_int("5"), seconds("2.5"), limit_or_zero("0")
    (5, 2.5, 0)
    >>> positive_int("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a positive whole number (got '-1')
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

N = TypeVar("N", int, float)


def number_type(convert: Callable[[str], N], least: N, what: str) -> Callable[[str], N]:
    """An argparse type: ``convert(text)``, at least ``least`` and finite, else argparse's error saying ``what``."""

    def parse(text: str) -> N:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < least:
            raise argparse.ArgumentTypeError(f"must be {what} (got {text!r})")
        return value

    return parse


positive_int = number_type(int, 1, "a positive whole number")
limit_or_zero = number_type(int, 0, "a positive whole number, or 0 for no limit")
seconds = number_type(float, 0.0, "a number of seconds, 0 or more")
