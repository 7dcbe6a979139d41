"""Safe reading of zip archives (Apple Health ``export.zip``): in memory, never extracted.

Nothing is ever written to disk, so a member called ``../../etc/passwd`` cannot land
anywhere ("zip slip"); an archive holding such names is refused all the same, since no real
export has them. Before the archive is opened its central directory is checked (size and
number of entries, so a directory of millions of entries cannot exhaust memory). A member
is read only if its declared size is within the cap and its declared compression ratio is
believable, and while it streams the bytes actually produced are counted against the same
cap, so a member that lies about its size is stopped too ("zip bomb").
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import byte_size, shown
from backstride.io.summaries._xml import GuardedStream, _reason

#: Largest uncompressed member read (an Apple Health export.xml of a heavy user is 1-3 GB).
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
#: Largest believable compression ratio of a member. XML exports compress 10-30 times;
#: deflate bombs reach about 1000.
MAX_COMPRESSION_RATIO = 200.0
#: Most entries and largest central directory accepted.
MAX_ENTRIES = 100_000
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
#: Members smaller than this are not held to the ratio (tiny files compress oddly).
RATIO_FLOOR_BYTES = 1024 * 1024

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def is_zip(head: bytes) -> bool:
    """Whether bytes start like a zip archive."""
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _directory_size(path: Path) -> tuple[int, int]:
    """Read ``(entries, directory bytes)`` from the end-of-central-directory records."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            tail_size = min(size, 65_557)
            handle.seek(size - tail_size)
            tail = handle.read(tail_size)
            at = tail.rfind(_EOCD)
            if at < 0 or len(tail) - at < 22:
                raise InvalidInputError(
                    f"The file {shown(path.name)} is not a complete zip archive (its directory is "
                    "missing); it is truncated, so export it again."
                )
            entries, directory = struct.unpack("<xxxxxxxxxxHI", tail[at : at + 16])
            if entries == 0xFFFF or directory == 0xFFFFFFFF:
                locator = tail.rfind(_ZIP64_LOCATOR, 0, at)
                if locator < 0 or at - locator < 20:
                    raise InvalidInputError(
                        f"The zip archive {shown(path.name)} has a damaged directory; export it "
                        "again."
                    )
                (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
                if offset > size - 56:
                    raise InvalidInputError(
                        f"The zip archive {shown(path.name)} has a damaged directory; export it "
                        "again."
                    )
                handle.seek(offset)
                record = handle.read(56)
                if not record.startswith(_ZIP64_EOCD) or len(record) < 56:
                    raise InvalidInputError(
                        f"The zip archive {shown(path.name)} has a damaged directory; export it "
                        "again."
                    )
                entries, directory = struct.unpack("<QQ", record[32:48])
    except OSError as exc:
        raise InvalidInputError(
            f"{shown(path)} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    return int(entries), int(directory)


def safe_member_name(name: str) -> bool:
    """Whether a member name stays inside the archive (no absolute path, drive or ``..``)."""
    if not name or "\x00" in name or name.startswith(("/", "\\")):
        return False
    if len(name) > 1 and name[1] == ":":
        return False
    parts = name.replace("\\", "/").split("/")
    return ".." not in parts


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open an archive after checking its directory and every member name.

    Raises
    ------
    InvalidInputError
        The archive is damaged, has too many entries, or a member path leaves the archive.
    """
    entries, directory = _directory_size(path)
    if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
        raise InvalidInputError(
            f"The zip archive {shown(path.name)} lists {entries} entries in a {directory} byte "
            "directory, more than any export holds; it is damaged or hostile."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise InvalidInputError(
            f"The file {shown(path.name)} is not a readable zip archive ({_reason(exc)}); "
            "export it again."
        ) from exc
    except Exception as exc:  # zipfile raises assorted errors on crafted directories
        raise InvalidInputError(
            f"The file {shown(path.name)} is not a readable zip archive ({_reason(exc)}); "
            "export it again."
        ) from exc
    for info in archive.infolist():
        if not safe_member_name(info.filename):
            archive.close()
            raise InvalidInputError(
                f"The zip archive {shown(path.name)} holds a member with an unsafe path "
                f"({info.filename[:60]!r}) that points outside the archive; BackStride "
                "refuses it."
            )
    return archive


def open_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive_name: str,
    max_bytes: int = MAX_UNCOMPRESSED_BYTES,
    on_read: Callable[[int], None] | None = None,
) -> GuardedStream:
    """Open one member as a guarded stream (size cap, ratio cap, token cap).

    ``on_read`` is called with the size of each chunk read (for progress bars).

    Raises
    ------
    InvalidInputError
        The member is larger than ``max_bytes``, compressed beyond
        :data:`MAX_COMPRESSION_RATIO`, encrypted or unreadable.
    """
    label = f"{shown(info.filename)} in {archive_name}"
    if info.file_size > max_bytes:
        raise InvalidInputError(
            f"The member {label} unpacks to {byte_size(info.file_size)}, more than the "
            f"{byte_size(max_bytes)} that BackStride reads; it is too large or a zip bomb."
        )
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
        info.compress_size, 1
    ):
        raise InvalidInputError(
            f"The member {label} claims to unpack {info.file_size / max(info.compress_size, 1):.0f}"
            " times larger than it is stored, as only zip bombs do; BackStride refuses it."
        )
    if info.flag_bits & 0x1:
        raise InvalidInputError(f"The member {label} is encrypted; export it without a password.")
    try:
        raw: IO[bytes] = archive.open(info)
    except Exception as exc:  # zipfile raises assorted errors on crafted headers
        raise InvalidInputError(
            f"The member {label} cannot be read ({_reason(exc)}); export the archive again."
        ) from exc
    # The stream may not produce more than the member declares (zipfile enforces this too)
    # nor more than the ratio allows for its stored size.
    limit = min(max_bytes, info.file_size)
    ratio_limit = int(MAX_COMPRESSION_RATIO * max(info.compress_size, 1))
    limit = min(limit, max(ratio_limit, RATIO_FLOOR_BYTES))
    return GuardedStream(
        raw,
        label,
        limit,
        too_large=(
            f"The member {label} unpacks to more bytes than it declares or than its stored "
            "size allows, as only zip bombs and damaged archives do; BackStride refuses it."
        ),
        on_read=on_read,
    )


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_name: str, max_bytes: int
) -> bytes:
    """Read a whole (small) member into memory through :func:`open_member`."""
    stream = open_member(archive, info, archive_name, max_bytes)
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def member_dir(name: str) -> str:
    """Folder of a member (``a/b/export.xml`` -> ``a``), ``""`` at the top."""
    return posixpath.dirname(name)
