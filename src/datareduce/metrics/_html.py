"""A self-contained HTML page: verdicts at the top, a summary table, embedded figures.

No script, no external resource: every figure is a base64 PNG in an ``<img>`` tag, so the
page opens offline, is safe to mail, and renders the same in any browser.
"""

from __future__ import annotations

from html import escape

from .._core.files import atomic_write_text as write  # the reports' writer
from ._plots import verdict_class

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:1.5em auto;
padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.verdicts{border-left:4px solid #555;padding:.4em 1em;background:#f6f6f6}
.verdicts li.good{color:#1b5e20}.verdicts li.warn{color:#8d5300}.verdicts li.bad{color:#b71c1c}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:.5em;max-width:calc(100% - 1em)}
figcaption{font-size:.85em;color:#555;max-width:560px}
img{max-width:100%;height:auto}.meta{color:#666;font-size:.85em}
.scroll{overflow-x:auto;max-width:100%}
"""


#: the wrapper class of the notebook view (``_repr_html_``), which scopes its style
SCOPE = "datareduce-audit"


def scoped_style(scope=SCOPE) -> str:
    """:data:`STYLE` for a fragment inside a notebook: every rule limited to
    ``.{scope}`` (the page's ``body`` rule becomes the wrapper's), so that the verdict
    colours and table borders show without restyling the notebook; smaller headings."""
    rules = []
    for rule in (STYLE + "h1{font-size:1.15em;margin:.4em 0}h2{font-size:1em}").split("}"):
        if "{" not in rule:
            continue
        selectors, decl = rule.split("{", 1)
        if selectors.strip() == "body":
            decl = decl.replace("max-width:1100px;margin:1.5em auto;", "")
        scoped = ",".join(f".{scope}" if sel.strip() == "body" else f".{scope} {sel.strip()}"
                          for sel in selectors.split(","))
        rules.append(f"{scoped}{{{decl.strip()}}}")
    return "".join(rules)


def figure_blocks(result) -> str:
    """The ``<figure>`` blocks of ``result.figures()``, drawn once per result and cached on
    it (a notebook shows a result as often as it is displayed; the page and the notebook
    view share the same PNGs)."""
    cache = result.__dict__.get("_figure_blocks_cache")
    if cache is None:
        from ._plots import FIG_DPI, figure_to_data_uri

        cache = "".join(figure_block(figure_to_data_uri(fig, dpi=FIG_DPI), caption, alt,
                                     width=round(fig.get_figwidth() * FIG_DPI / 2))
                        for caption, alt, fig in result.figures())
        result.__dict__["_figure_blocks_cache"] = cache
    return cache


def strict_json(data, *, indent: int | None = 2, default=None) -> str:
    """``data`` as strict JSON (RFC 8259: what JavaScript's ``JSON.parse`` and other strict
    parsers accept, unlike Python's default bare ``NaN`` and ``Infinity``). A missing
    number (NaN) is written as ``null``; an infinite one as the string ``"Infinity"`` or
    ``"-Infinity"`` (e.g. the coverage distance of a class with no kept row), which
    ``float()`` in Python and ``Number()`` in JavaScript read back."""
    import json

    return json.dumps(_finite(data), indent=indent, allow_nan=False, default=default)


def _finite(obj):
    import math

    if isinstance(obj, float) or type(obj).__name__ in ("float16", "float32", "float64",
                                                         "longdouble"):
        obj = float(obj)
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "Infinity" if obj > 0 else "-Infinity"
        return obj
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def cell_text(v) -> str:
    """A table cell as text: floats with 4 significant digits, infinity as "∞", a missing
    number (NaN) as "—" (never the raw "inf" / "nan")."""
    import math

    if isinstance(v, float):
        if math.isnan(v):
            return "—"
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        return f"{v:.4g}"
    return str(v)


def pct_text(p) -> str:
    """A percentile among a few dozen random draws as a whole percent ("93", not the false
    precision of "93.33" for 28 of 30); "—" when there is none."""
    import math

    if p is None or not math.isfinite(p):
        return "—"
    return f"{p:.0f}"


def table(header, rows, *, left=(), scroll=True) -> str:
    """An HTML table (cells are escaped; floats formatted by :func:`cell_text`), in a
    horizontally scrollable box for narrow windows (unless ``scroll=False``); the columns
    at the positions ``left`` (text such as file names) aligned left."""
    def cell(tag, col, text):
        style = ' style="text-align:left"' if col in left else ""
        return f"<{tag}{style}>{escape(text)}</{tag}>"

    head = "".join(cell("th", c, str(h)) for c, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", c, cell_text(v)) for c, v in enumerate(row))
                   + "</tr>" for row in rows)
    html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{html}</div>' if scroll else html


def figure_block(uri, caption, alt, width=None) -> str:
    """A figure with its caption; ``width``: the displayed width in CSS pixels (half the
    PNG's, for a sharp figure on high-density screens)."""
    size = f' width="{int(width)}"' if width else ""
    return (f'<figure><img src="{uri}"{size} alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def body(title, verdicts, sections, meta="") -> str:
    """The page's inner HTML. ``verdicts``: (text, percentile or None) pairs;
    ``sections``: (heading, html) pairs."""
    items = "".join(f'<li class="{verdict_class(p)}">{escape(t)}</li>' for t, p in verdicts)
    parts = [f"<h1>{escape(title)}</h1>", f'<ul class="verdicts">{items}</ul>']
    if meta:
        parts.append(f'<p class="meta">{escape(meta)}</p>')
    parts += [f"<h2>{escape(h)}</h2>{html}" for h, html in sections]
    return "\n".join(parts)


def page(title, inner) -> str:
    """A complete one-file HTML document around ``inner``."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>\n{inner}\n</body></html>\n")


class PageMixin:
    """``to_json``, ``to_html`` and ``_repr_html_`` for a result with ``to_dict()``,
    ``_inner_html()`` and a ``_page_title``."""

    _page_title = "datareduce audit"

    def to_json(self, path=None, *, indent: int = 2) -> str:
        """The numbers as strict JSON text (NaN as null, an infinite value as the string
        "Infinity": :func:`strict_json`); also written to ``path`` when given."""
        text = strict_json(self.to_dict(), indent=indent)
        if path is not None:
            write(path, text + "\n")
        return text

    def _repr_html_(self) -> str:
        """The page's content for a notebook, with its style scoped to the wrapper."""
        return (f'<div class="{SCOPE}"><style>{scoped_style()}</style>'
                f"{self._inner_html()}</div>")

    def to_html(self, path=None) -> str:
        """A self-contained HTML page (figures embedded); written to ``path`` when given."""
        text = page(self._page_title, self._inner_html())
        if path is not None:
            write(path, text)
        return text
