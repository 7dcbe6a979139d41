"""The error-message contract shared by the tests: one sentence, on one line."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest


def assert_one_sentence(message: str) -> None:
    """A message is one sentence: one line, one final full stop, no '. X' inside."""
    assert "\n" not in message, message
    assert message.endswith("."), message
    assert re.search(r"[.!?]\s+[A-Z]", message[:-1]) is None, message


def raises_one_sentence(
    error: type[BaseException], call: Callable[[], object], match: str | None = None
) -> str:
    """Call, expect ``error`` with a one-sentence message (matching ``match``), return it."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert_one_sentence(message)
    if match is not None:
        assert re.search(match, message), message
    return message
