"""The project's error tree.

Every problem a user can cause (a missing file, an unknown format, bad values) is raised as
one of these, with a message that is one sentence naming the problem and the fix. The CLI
turns them into that sentence and exit code 2, never a traceback.
"""


class BackstrideError(Exception):
    """Base of every error BackStride raises on purpose."""


class InvalidInputError(BackstrideError, ValueError):
    """The input exists but its content cannot be used (bad values, too short, too slow)."""


class UnsupportedFormatError(BackstrideError):
    """The file is not in any format BackStride can read."""


class InputNotFoundError(BackstrideError, FileNotFoundError):
    """The named file or folder does not exist."""
