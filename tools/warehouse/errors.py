"""Structured query errors that a model (or a person) can act on."""

from __future__ import annotations

from typing import Any

from tools.results import failure


class SqlError(Exception):
    """A refused or failed query.

    ``code`` is machine-readable (``parse_error``, ``multiple_statements``, ``not_a_query``,
    ``forbidden_statement``, ``forbidden_function``, ``unknown_table``, ``unknown_column``,
    ``unsupported``, ``too_long``, ``timeout``, ``resource_limit``, ``bytes_limit``,
    ``execution_error``,
    ``warehouse_missing``, ``warehouse_locked``, ``warehouse_unavailable``, ``auth_error``,
    ``too_complex``); ``identifier`` names the offending
    identifier where there is one; ``suggestions`` lists the closest real names.
    """

    def __init__(self, code: str, message: str, identifier: str | None = None,
                 suggestions: list[str] | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.identifier = identifier
        self.suggestions = list(suggestions or [])
        self.hint = hint

    def to_dict(self) -> dict[str, Any]:
        details = {} if self.identifier is None else {"identifier": self.identifier}
        return failure(self.code, self.message, self.suggestions, self.hint or "", **details)

    def __str__(self) -> str:
        text = self.message
        if self.suggestions:
            text += f" Closest: {', '.join(self.suggestions)}."
        if self.hint:
            text += f" {self.hint}"
        return text
