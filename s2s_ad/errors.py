"""Errors that point at the user's code.

Every error the transformer raises names the construct it could not handle and
the ``file:line`` in the user's source, so that a rejected program is never
silently differentiated into a wrong gradient.
"""

from __future__ import annotations


class S2SError(Exception):
    """Base class: carries the user's ``filename``, ``lineno`` and the ``construct``."""

    def __init__(self, message: str, *, filename: str | None = None,
                 lineno: int | None = None, construct: str | None = None,
                 source_line: str | None = None):
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.construct = construct
        self.source_line = source_line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.filename is not None:
            where = f"{self.filename}:{self.lineno}: " if self.lineno else f"{self.filename}: "
        text = where + self.message
        if self.source_line:
            text += f"\n    {self.source_line.strip()}"
        return text


class UnsupportedError(S2SError):
    """The function uses Python that s2s_ad does not (yet) transform."""


class NonDifferentiableError(S2SError):
    """A value that depends on the differentiated inputs flows through a call
    that has no derivative rule."""


class SourceUnavailableError(S2SError, TypeError):
    """The function has no Python source to transform (builtins, C functions,
    lambdas typed at a bare REPL)."""
