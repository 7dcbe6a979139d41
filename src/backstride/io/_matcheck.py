"""A structural check of MATLAB 5 files, run before :func:`scipy.io.loadmat` sees them.

SciPy's MAT reader trusts the sizes written in a file: a damaged file can make it loop over
billions of struct elements or crash outright. This walks the element tree of the format
(see MathWorks, "MAT-File Format", version 5) without building any arrays and rejects files
whose elements do not nest, whose dimensions do not match their data, or whose struct and
cell arrays claim more children than the bytes can hold.
"""

from __future__ import annotations

import math
import struct
import zlib

MI_INT8 = 1
MI_INT32 = 5
MI_UINT32 = 6
MI_MATRIX = 14
MI_COMPRESSED = 15
MI_UTF8 = 16
ITEM_SIZE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4}
MX_CELL, MX_STRUCT, MX_OBJECT, MX_CHAR, MX_SPARSE = 1, 2, 3, 4, 5
NUMERIC_CLASSES = frozenset({MX_CHAR, *range(6, 16)})
MAX_DEPTH = 64
#: A struct without fields or an empty cell may have elements without bytes; cap their count.
MAX_EMPTY_ELEMENTS = 1_000_000
HEADER_BYTES = 128


class MatStructureError(ValueError):
    """The bytes are not a well-formed MATLAB 5 file."""


class _Reader:
    def __init__(self, buffer: bytes, byte_order: str) -> None:
        self.buffer = buffer
        self.order = byte_order

    def uint32s(self, position: int, count: int) -> tuple[int, ...]:
        return struct.unpack_from(f"{self.order}{count}I", self.buffer, position)

    def int32s(self, position: int, count: int) -> tuple[int, ...]:
        return struct.unpack_from(f"{self.order}{count}i", self.buffer, position)

    def tag(self, position: int, end: int) -> tuple[int, int, int, int]:
        """Return ``(type, n_bytes, data_start, next_position)`` of the element at ``position``."""
        if position + 8 > end:
            raise MatStructureError("an element tag runs past the end of its parent")
        data_type, n_bytes = self.uint32s(position, 2)
        small = data_type >> 16
        if small:
            if small > 4:
                raise MatStructureError("a small data element claims more than 4 bytes")
            return data_type & 0xFFFF, small, position + 4, position + 8
        start = position + 8
        if start + n_bytes > end:
            raise MatStructureError("an element runs past the end of its parent")
        padded = start + n_bytes + (-n_bytes % 8)
        return data_type, n_bytes, start, min(padded, end)

    def elements(self, position: int, end: int, *, allow_compressed: bool) -> None:
        """Check the top-level elements between ``position`` and ``end``."""
        while position < end:
            data_type, n_bytes, start, following = self.tag(position, end)
            if data_type == MI_COMPRESSED and allow_compressed:
                try:
                    inner = zlib.decompress(self.buffer[start : start + n_bytes])
                except (zlib.error, MemoryError) as exc:
                    raise MatStructureError("a compressed element cannot be decompressed") from exc
                _Reader(inner, self.order).elements(0, len(inner), allow_compressed=False)
                following = start + n_bytes
            elif data_type == MI_MATRIX:
                self.matrix(start, start + n_bytes, 0)
            else:
                raise MatStructureError(f"a top-level element has the data type {data_type}")
            position = following

    def matrix(self, position: int, end: int, depth: int) -> None:
        """Check one ``miMATRIX`` element's content between ``position`` and ``end``."""
        if position == end:
            return
        if depth > MAX_DEPTH:
            raise MatStructureError("the variables are nested too deeply")
        data_type, n_bytes, start, position = self.tag(position, end)
        if data_type != MI_UINT32 or n_bytes != 8:
            raise MatStructureError("an array has no valid array-flags element")
        flags = self.uint32s(start, 1)[0]
        array_class = flags & 0xFF
        if array_class not in NUMERIC_CLASSES | {MX_CELL, MX_STRUCT, MX_OBJECT, MX_SPARSE}:
            return  # function handles and opaque objects: SciPy reads them as raw bytes
        data_type, n_bytes, start, position = self.tag(position, end)
        if data_type != MI_INT32 or n_bytes < 8 or n_bytes % 4:
            raise MatStructureError("an array has no valid dimensions element")
        dims = self.int32s(start, n_bytes // 4)
        if min(dims) < 0:
            raise MatStructureError("an array has a negative dimension")
        count = math.prod(dims)
        data_type, _, _, position = self.tag(position, end)  # array name
        if array_class in NUMERIC_CLASSES:
            parts = 2 if flags & 0x800 else 1
            for _ in range(parts):
                data_type, n_bytes, _, position = self.tag(position, end)
                size = ITEM_SIZE.get(data_type)
                if size is None:
                    raise MatStructureError("an array's data has an unknown data type")
                if data_type != MI_UTF8 and n_bytes != count * size:
                    raise MatStructureError("an array's data does not match its dimensions")
            return
        if array_class == MX_SPARSE:
            return
        n_fields = 1
        if array_class in (MX_STRUCT, MX_OBJECT):
            if array_class == MX_OBJECT:
                _, _, _, position = self.tag(position, end)  # class name
            data_type, n_bytes, start, position = self.tag(position, end)
            if data_type != MI_INT32 or n_bytes != 4:
                raise MatStructureError("a struct has no valid field-name length")
            name_length = self.int32s(start, 1)[0]
            data_type, n_bytes, _, position = self.tag(position, end)
            if name_length <= 0 or n_bytes % name_length:
                raise MatStructureError("a struct's field names do not match their length")
            n_fields = n_bytes // name_length
        children = count * n_fields
        if children == 0 and count > MAX_EMPTY_ELEMENTS:
            raise MatStructureError("an empty struct or cell array is implausibly large")
        if children * 8 > end - position:
            raise MatStructureError("a struct or cell array claims more elements than it holds")
        for _ in range(children):
            data_type, n_bytes, start, position = self.tag(position, end)
            if data_type != MI_MATRIX:
                raise MatStructureError("a struct or cell element is not an array")
            self.matrix(start, start + n_bytes, depth + 1)


def check_mat5(buffer: bytes) -> None:
    """Raise :class:`MatStructureError` unless ``buffer`` is a well-formed MATLAB 5 file.

    Parameters
    ----------
    buffer
        The whole file.
    """
    if len(buffer) < HEADER_BYTES:
        raise MatStructureError("the file is shorter than the 128-byte MATLAB header")
    indicator = buffer[126:128]
    if indicator == b"IM":
        order = "<"
    elif indicator == b"MI":
        order = ">"
    else:
        raise MatStructureError("the MATLAB header has no byte-order mark")
    _Reader(buffer, order).elements(HEADER_BYTES, len(buffer), allow_compressed=True)
