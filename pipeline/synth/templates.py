"""Vectorised filling of text templates such as ``"I love my {title}!"``.

Rows are grouped by template, so the Python work grows with the number of templates, not the
number of rows; the strings themselves are built by numpy's ``StringDType`` operations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.dtypes import StringDType

TEXT = StringDType()
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """A template split into literal text around its ``{slot}`` names."""

    literals: tuple[str, ...]
    slots: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        """Split ``text`` at its slots."""
        pieces = _SLOT.split(text)
        return cls(literals=tuple(pieces[0::2]), slots=tuple(pieces[1::2]))


@dataclass(frozen=True)
class SlotValues:
    """The value of one slot for every row: ``pool[index[row]]``."""

    pool: np.ndarray
    index: np.ndarray


def text_array(values: Sequence[str]) -> np.ndarray:
    """``values`` as a numpy string array."""
    return np.array(list(values), dtype=TEXT)


def join(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and literals."""
    result = np.asarray(parts[0], dtype=TEXT)
    for part in parts[1:]:
        result = np.strings.add(result, part)
    return result


def render(templates: Sequence[Template], choice: np.ndarray, rows: np.ndarray,
           slots: Mapping[str, SlotValues]) -> np.ndarray:
    """Fill ``templates[choice[i]]`` with the slot values of row ``rows[i]``; -1 gives ``""``."""
    out = np.full(len(choice), "", dtype=TEXT)
    if len(choice) == 0:
        return out
    order = np.argsort(choice, kind="stable")
    chosen = choice[order]
    starts = np.flatnonzero(np.r_[True, chosen[1:] != chosen[:-1]])
    for start, stop in zip(starts, np.r_[starts[1:], len(chosen)]):
        template_id = int(chosen[start])
        if template_id < 0:
            continue
        template = templates[template_id]
        cells = order[start:stop]
        text = np.full(len(cells), template.literals[0], dtype=TEXT)
        for slot, literal in zip(template.slots, template.literals[1:]):
            values = slots[slot]
            text = np.strings.add(text, values.pool[values.index[rows[cells]]])
            if literal:
                text = np.strings.add(text, literal)
        out[cells] = text
    return out
