"""Syntax highlighting for generated source: HTML for notebooks, ANSI colours
for terminals.

Both use Pygments when it is installed and degrade to plain text otherwise
(Pygments is optional: s2s_ad itself needs only gast and NumPy)::

    >>> highlight_html("bx = by * x\\n").startswith("<div class=\\"highlight\\"")
    True
    >>> highlight_terminal("bx = by * x\\n").startswith("bx = by ")
    True

``highlight_html`` returns a self-contained fragment (inline styles, no
stylesheet needed), suitable for ``_repr_html_``; the plain fallback is an
escaped ``<pre>`` block.
"""

from __future__ import annotations

import html

__all__ = ["highlight_html", "highlight_terminal", "have_pygments"]


def have_pygments() -> bool:
    """Whether Pygments can be imported."""
    try:
        import pygments  # noqa: F401
    except ImportError:
        return False
    return True


def plain_html(source: str) -> str:
    """``source`` as an escaped ``<pre>`` block, no colours."""
    return f'<pre class="s2s-ad-source"><code>{html.escape(source)}</code></pre>'


def highlight_html(source: str, style: str = "default") -> str:
    """``source`` (Python) as an HTML fragment with inline-styled syntax
    highlighting; a plain escaped ``<pre>`` block when Pygments is missing."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return plain_html(source)
    formatter = HtmlFormatter(noclasses=True, style=style, nobackground=False)
    return highlight(source, PythonLexer(), formatter)


def highlight_terminal(source: str) -> str:
    """``source`` (Python) with ANSI colour escapes for a terminal; unchanged
    when Pygments is missing. The result ends with a newline exactly when
    ``source`` does."""
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return source
    text = highlight(source, PythonLexer(), TerminalFormatter())
    if not source.endswith("\n") and text.endswith("\n"):
        text = text[:-1]
    return text
