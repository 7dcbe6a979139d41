"""Safe, streamed XML: no entity expansion, bounded tokens, bounded size.

XML is parsed with :mod:`defusedxml` (over the standard library's expat), which refuses
entity declarations (the "billion laughs" and external-entity attacks) and, where asked,
any DTD. Files are fed through :class:`GuardedStream`, which stops a file whose single tag
or text run is longer than :data:`MAX_TOKEN_BYTES` (a "huge header" that expat would
otherwise buffer whole) or whose total size exceeds a cap, so memory stays bounded however
large or hostile the file is. :func:`iter_xml` yields elements as they close, and the
caller drops each one it has used, so a 2 GB Apple Health export is read in constant memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import byte_size

#: Longest run of bytes without a ``>`` accepted: a tag with its attributes or a text run.
#: Apple's longest tags (records with device descriptions) are under 1 KB.
MAX_TOKEN_BYTES = 1024 * 1024
#: Bytes read from the underlying file per call.
CHUNK_BYTES = 64 * 1024


class GuardedStream(io.RawIOBase):
    """A read-only byte stream that enforces a size cap and a token-length cap.

    Parameters
    ----------
    raw
        The underlying binary stream.
    name
        File name for messages.
    max_bytes
        Most bytes that may be read; more raises :class:`InvalidInputError`.
    max_token_bytes
        Longest run without a ``>`` byte.
    too_large
        Message when more than ``max_bytes`` arrive (default: the file is too large).
    on_read
        Called with the number of bytes of each chunk read (for progress bars).
    """

    def __init__(
        self,
        raw: IO[bytes],
        name: str,
        max_bytes: int,
        max_token_bytes: int = MAX_TOKEN_BYTES,
        too_large: str | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._name = name
        self._max_bytes = max_bytes
        self._max_token = max_token_bytes
        self._since_gt = 0
        self._too_large = too_large or (
            f"The file {name} is larger than the {byte_size(max_bytes)} that BackStride "
            "reads; export a shorter period."
        )
        self._on_read = on_read
        self.bytes_read = 0

    def readable(self) -> bool:
        """Always true."""
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the underlying stream, checking the caps."""
        data = self.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (at most :data:`CHUNK_BYTES` when unbounded)."""
        want = CHUNK_BYTES if size is None or size < 0 else min(size, CHUNK_BYTES)
        try:
            data = self._raw.read(want)
        except InvalidInputError:
            raise
        except Exception as exc:  # zlib, zipfile and OS errors all mean a damaged file
            raise InvalidInputError(
                f"The file {self._name} could not be read to the end ({_reason(exc)}); "
                "it is damaged or truncated, so export it again."
            ) from exc
        if not data:
            return b""
        self.bytes_read += len(data)
        if self.bytes_read > self._max_bytes:
            raise InvalidInputError(self._too_large)
        if self._on_read is not None:
            self._on_read(len(data))
        last = data.rfind(b">")
        self._since_gt = len(data) - 1 - last if last >= 0 else self._since_gt + len(data)
        if self._since_gt > self._max_token:
            raise InvalidInputError(
                f"The file {self._name} has a tag or text run longer than "
                f"{self._max_token // 1024} KiB, which no export writes; it is damaged or "
                "hostile."
            )
        return data


def _reason(exc: BaseException) -> str:
    """A short, single-line reason from an exception, for a message."""
    text = re.sub(r"\s+", " ", str(exc)).strip().rstrip(".")
    text = text[:80] or type(exc).__name__
    # A message is one sentence: no full stop followed by a capital inside it.
    return re.sub(r"\.(\s+)(?=[A-Z])", r";\1", text)


def local_name(tag: object) -> str:
    """Tag without its namespace (``{ns}Trackpoint`` -> ``Trackpoint``)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def iter_xml(
    stream: IO[bytes] | io.RawIOBase, name: str, *, forbid_dtd: bool
) -> Iterator[tuple[str, Element, list[Element]]]:
    """Stream ``(event, element, ancestors)`` for ``start`` and ``end`` events.

    ``ancestors`` is the live list of open elements above ``element`` (outermost first).
    After handling an ``end`` event, call :func:`drop` on elements no longer needed so that
    memory stays bounded.

    Parameters
    ----------
    stream
        Binary stream, normally a :class:`GuardedStream`.
    name
        File name for messages.
    forbid_dtd
        Refuse any DTD (GPX and TCX never have one; Apple Health exports do, with element
        declarations only, so for them only entity declarations are refused).

    Raises
    ------
    InvalidInputError
        The XML declares entities (or a DTD when forbidden) or is not well-formed.
    """
    stack: list[Element] = []
    try:
        events = safe_et.iterparse(
            stream,
            events=("start", "end"),
            forbid_dtd=forbid_dtd,
            forbid_entities=True,
            forbid_external=True,
        )
        for event, element in events:
            if event == "start":
                yield event, element, stack
                stack.append(element)
            else:
                stack.pop()
                yield event, element, stack
    except InvalidInputError:
        raise  # from GuardedStream (size or token caps), already one sentence
    except defusedxml.DTDForbidden as exc:
        raise InvalidInputError(
            f"The file {name} carries a DTD, which this format never has; BackStride refuses "
            "it because DTDs can expand entities without bound."
        ) from exc
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise InvalidInputError(
            f"The file {name} declares XML entities, which BackStride refuses because they "
            "can expand without bound (the 'billion laughs' attack) or reach outside files."
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise InvalidInputError(
            f"The file {name} uses an XML feature that BackStride refuses ({_reason(exc)})."
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise InvalidInputError(
            f"The file {name} is not well-formed XML (line {line}, column {column}); it is "
            "damaged or truncated, so export it again."
        ) from exc
    except (UnicodeError, LookupError, ValueError, OverflowError, RecursionError) as exc:
        raise InvalidInputError(
            f"The file {name} could not be parsed as XML ({_reason(exc)}); it is damaged, "
            "so export it again."
        ) from exc


def drop(element: Element, ancestors: list[Element]) -> None:
    """Free a handled element: clear it and detach it from its parent."""
    element.clear()
    if ancestors:
        parent = ancestors[-1]
        # The element is normally the parent's last child: remove from the end.
        for index in range(len(parent) - 1, -1, -1):
            if parent[index] is element:
                del parent[index]
                break


def child_text(element: Element, name: str) -> str | None:
    """Text of the first direct child with local name ``name``."""
    for child in element:
        if local_name(child.tag) == name:
            return child.text
    return None


def descendant_text(element: Element, name: str) -> str | None:
    """Text of the first descendant with local name ``name``."""
    for child in element.iter():
        if child is not element and local_name(child.tag) == name:
            return child.text
    return None


def reject_dtd(head: bytes, name: str) -> None:
    """Refuse a GPX or TCX document that declares a DTD or entities (they never do)."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise InvalidInputError(
            f"The file {name} carries a DTD or entity declarations, which this format never "
            "has; BackStride refuses them because they can expand without bound."
        )
