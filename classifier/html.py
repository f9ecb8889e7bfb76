"""A saved web page (HTML) to the text blocks the model labels, each with where it came from.

The conversion is the one that made the training blocks (``shared/data/blocks/README.md``,
"How the text blocks were made"), so the text model sees the same kind of blocks on a
page as it was trained on:

1. bytes to text: a BOM, else strict UTF-8, else the charset the page declares in its
   first 4 KB (ISO-8859-1/Latin-1/ASCII read as cp1252, GB2312/GBK as GB18030); a page
   that is none of these is refused (:class:`~newssift.classifier.errors.InvalidInput`)
   rather than guessed;
2. parse with lxml's HTML parser; drop ``head``, ``script``, ``style`` and the other
   subtrees a reader never sees as text (:data:`DROPPED`), and comments; when that leaves
   no text, read the page again with ``noscript`` kept (some sites serve all their no-JS
   content there);
3. walk the tree in order: a block-level element (:data:`BLOCK_TAGS`) starts and ends a
   block, ``br`` and ``hr`` end one, inline elements add their text to the open block;
4. collapse whitespace (NBSP included) to single spaces, drop zero-width spaces, BOMs and
   soft hyphens and empty blocks.

Each block keeps the XPath of the block-level element that holds it (``/html/body/div[2]/p``,
as lxml's ``getpath`` writes it), so a label can be mapped back to the page's DOM.  The
flattened text is the blocks joined by newlines: :func:`flatten` gives it, and the
model's ``start``/``end`` offsets of an HTML page refer to that text, not to the HTML.

Pure functions: bytes or text in, blocks out; nothing here reads files.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import NamedTuple

from newssift.classifier.errors import InvalidInput, TooManyBlocks

__all__ = ["HtmlBlock", "decode_html", "charset_codec", "html_blocks", "flatten", "looks_like_html",
           "with_paths", "raw_blocks", "RawBlock", "read_page", "HtmlPage", "BLOCK_TAGS", "DROPPED",
           "HTML_HINT"]

# Subtrees no reader sees as text (the block data's conversion drops exactly these).
DROPPED = frozenset({"head", "title", "script", "style", "noscript", "template", "svg", "math",
                     "iframe", "object", "embed", "canvas"})
# Elements that start and end a block; any other element (span, a, b, font, unknown tags)
# only adds its text to the open block.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "html", "legend", "li",
    "listing", "main", "menu", "nav", "ol", "optgroup", "option", "p", "plaintext", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
    "select", "textarea", "noframes",
})
BREAK_TAGS = frozenset({"br", "hr"})
CHARSET_SCAN_BYTES = 4096  # where a page declares its charset, as browsers look for it
PARSER_MAX_DEPTH = 2048  # libxml2's, even with huge_tree; deeper text is lost, so refused
# Declared charsets read as the superset browsers use for them.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252",
                    "gb2312": "gb18030", "gbk": "gb18030"}
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "raw-unicode-escape", "unicode-escape",
                           "palmos"})
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# Control characters (not tab, LF, CR), which libxml2 refuses: a regex finds the few on a page
# 15 times faster than str.translate walks all of it.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"[\s\u00a0]+")
_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None, "\u00ad": None})
# A whole HTML document, told from text that merely mentions a tag: it opens (after space,
# a BOM, an XML declaration or comments) with a doctype or an <html>, <head> or <body> tag.
_DOCUMENT_RE = re.compile(r"^[\s\ufeff]*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*"
                          r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
                          re.IGNORECASE | re.DOTALL)
_SNIFF_CHARS = 4096
HTML_HINT = "read it with --input-format html (clean: --html-field for a JSONL field of HTML)"


class HtmlBlock(NamedTuple):
    """One block of a page: its text and the XPath of the element that holds it."""

    text: str
    path: str


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is a whole HTML document (a saved page), not article text: it opens
    with a doctype or an ``<html>``, ``<head>`` or ``<body>`` tag.  Only its first 4 KB are read."""
    return _DOCUMENT_RE.match(text[:_SNIFF_CHARS]) is not None


def _declared_charset(head: bytes) -> str | None:
    match = _CHARSET_RE.search(head)
    if match is None:
        return None
    return charset_codec(match.group(1).decode("ascii"))


def charset_codec(name: str | None) -> str | None:
    """The codec to read a declared charset with (Latin-1 as cp1252, GB2312 as GB18030, as
    browsers do), or None when Python knows no such charset."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # base64, rot13, idna and their like are codecs Python knows but no page's charset
    return info.name if getattr(info, "_is_text_encoding", True) and info.name not in _NOT_CHARSETS else None


def decode_html(data: bytes, declared: str | None = None) -> str:
    """A page's bytes as text: by its BOM, else strict UTF-8, else the charset ``declared``
    for it (a WARC record's HTTP ``Content-Type``), else the one the page declares
    (undecodable bytes then become U+FFFD, as a browser shows them).  Raises
    :class:`InvalidInput` for binary data or bytes that are not UTF-8 on a page that
    declares no charset."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace").lstrip("\ufeff")
    if b"\x00" in data[:CHARSET_SCAN_BYTES]:
        raise InvalidInput("binary data (NUL bytes), not an HTML page")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        charset = charset_codec(declared) or _declared_charset(data[:CHARSET_SCAN_BYTES])
        if charset is None or charset == "utf-8":
            raise InvalidInput(f"the page is not UTF-8 (byte {exc.start}) and declares no other "
                               f"charset; convert it to UTF-8 or add <meta charset=...>") from None
        return data.decode(charset, errors="replace")


def _parse(text: str):
    from lxml import etree, html

    text = _CONTROL_RE.sub(" ", _XML_DECL_RE.sub("", text, count=1))
    if not text.strip():
        return None
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True,
                             no_network=True, recover=True)
    try:
        root = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # nothing a parser can read
        return None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2 stops reading at its depth limit and would silently drop the rest
        raise InvalidInput(f"the page nests elements deeper than {PARSER_MAX_DEPTH}, the HTML "
                           f"parser's limit; its text cannot be read whole")
    return root


def _normal(pieces: list[str]) -> str:
    return _SPACE_RE.sub(" ", "".join(pieces).translate(_INVISIBLE)).strip()


def _child_paths(el, path: str) -> Iterator[tuple[object, str]]:
    """(child, its XPath) of every child element, as lxml's ``getpath`` writes it (an index
    only where siblings share the tag), in one pass: ``getpath`` counts the siblings anew
    for every element, which takes minutes on a page of 100,000 paragraphs."""
    children = [c for c in el if isinstance(c.tag, str)]
    totals: dict[str, int] = {}
    for child in children:
        totals[child.tag] = totals.get(child.tag, 0) + 1
    seen: dict[str, int] = {}
    for child in children:
        tag = child.tag
        if totals[tag] > 1:
            seen[tag] = k = seen.get(tag, 0) + 1
            yield child, f"{path}/{tag}[{k}]"
        else:
            yield child, f"{path}/{tag}"


class RawBlock(NamedTuple):
    """A block as the walk finds it: its text, its element's path, the element itself, and
    how many of its characters (spaces not counted) are link text, in how many links."""

    text: str
    path: str
    element: object
    link_chars: int
    links: int


def _walk(root, dropped: frozenset[str]) -> Iterator[RawBlock]:
    """Every block with the path of the block-level element that holds it, in document
    order; iterative, so a page nested thousands of elements deep costs no recursion."""
    pieces: list[str] = []
    holders = [(f"/{root.tag}", root)]
    found: list[RawBlock] = []
    links = [0, 0, 0]  # open <a> elements, link characters and links of the open block

    def add(piece: str) -> None:
        pieces.append(piece)
        if links[0]:
            links[1] += len(piece) - piece.count(" ") - piece.count("\n")

    def flush() -> None:
        text = _normal(pieces)
        pieces.clear()
        if text:
            found.append(RawBlock(text, *holders[-1], links[1], links[2]))
        links[1] = links[2] = 0

    def start(el, path: str) -> bool:
        """Open ``el``; False when its subtree is to be skipped (its tail still counts)."""
        tag = el.tag.lower()
        if tag in dropped:
            return False
        if tag in BLOCK_TAGS or tag in BREAK_TAGS:
            flush()
            if tag in BLOCK_TAGS:
                holders.append((path, el))
        if tag == "a":
            links[0] += 1
            links[2] += 1
        if el.text:
            add(el.text)
        return True

    if start(root, holders[0][0]):
        stack = [(root, _child_paths(root, holders[0][0]))]
        while stack:
            el, children = stack[-1]
            child, path = next(children, (None, ""))
            if child is None:
                stack.pop()
                tag = el.tag.lower()
                if tag in BLOCK_TAGS:
                    flush()
                    holders.pop()
                if tag == "a":
                    links[0] -= 1
                if stack and el.tail:
                    add(el.tail)
            elif start(child, path):
                stack.append((child, _child_paths(child, path)))
            elif child.tail:
                add(child.tail)
            if found:
                yield from found
                found.clear()
    if holders:
        flush()
    yield from found


def raw_blocks(page: bytes | str, charset: str | None = None,
               max_blocks: int | None = None) -> list[RawBlock]:
    """:func:`html_blocks` with each block's element and link text, what
    :mod:`~newssift.classifier.markup` reads the page's markup from.  ``max_blocks``: raise
    :class:`TooManyBlocks` as soon as the page has more blocks (a bound on the work a
    caller takes on, before the page is read whole)."""
    text = decode_html(page, charset) if isinstance(page, bytes) else page
    root = _parse(text)
    if root is None:
        return []
    blocks = _bounded(_walk(root, DROPPED), max_blocks)
    if not blocks:  # all its text may be for readers without scripts
        blocks = _bounded(_walk(root, DROPPED - {"noscript"}), max_blocks)
    return blocks


def _bounded(blocks: Iterator[RawBlock], limit: int | None) -> list[RawBlock]:
    if limit is None:
        return list(blocks)
    found = list(islice(blocks, limit + 1))
    if len(found) > limit:
        raise TooManyBlocks(f"the page holds more than {limit} blocks")
    return found


def html_blocks(page: bytes | str, charset: str | None = None) -> list[HtmlBlock]:
    """The text blocks of an HTML page, in order, each with the XPath of its element.

    An empty page, or one with no visible text (only scripts, say), gives no blocks; bytes
    that are not a page raise :class:`InvalidInput` (see :func:`decode_html`, which
    ``charset``, declared outside the page, goes to)."""
    return [HtmlBlock(b.text, b.path) for b in raw_blocks(page, charset)]


class HtmlPage(NamedTuple):
    """A page read for labelling: its blocks' text (one a line), their element paths and
    their markup (:mod:`~newssift.classifier.markup`), row for row."""

    text: str
    paths: list[str]
    markup: object  # a PageMarkup


def read_page(page: bytes | str, charset: str | None = None,
              max_blocks: int | None = None) -> HtmlPage:
    """A page as the model's HTML front end reads it (see :func:`html_blocks` and, for
    ``max_blocks``, :func:`raw_blocks`)."""
    from newssift.classifier.markup import page_markup

    blocks = raw_blocks(page, charset, max_blocks)
    return HtmlPage("\n".join(b.text for b in blocks), [b.path for b in blocks], page_markup(blocks))


def flatten(blocks: Sequence[HtmlBlock]) -> str:
    """The page as the text the model labels: one block a line (a block holds no line break,
    so the model's blocks are exactly these, in order)."""
    return "\n".join(b.text for b in blocks)


def with_paths(record: dict, paths: Sequence[str]) -> dict:
    """A labelled page's record (``Result.to_dict()``) with each segment's element path
    added as ``"path"``; its ``start``/``end`` refer to :func:`flatten`'s text."""
    for seg, path in zip(record.get("segments") or (), paths):
        seg["path"] = path
    return record
