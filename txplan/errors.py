"""The one base class of the library's exceptions.

A caller (the command line, a script, a test) can catch ``TxplanError`` and
know that the message is safe to print: it is built from what txplan knows
(paths of the clinic, setting names, codes), never from a plan's values.
``exit_code`` is what the command line exits with: 2 when the command cannot
run as asked (usage, outside a clinic, another build running), 1 when it ran
and failed.
"""

from __future__ import annotations

__all__ = ["EXIT_ERRORS", "EXIT_OK", "EXIT_USAGE", "TxplanError"]

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class TxplanError(Exception):
    """An expected failure with a message that is safe to print."""

    exit_code: int = EXIT_ERRORS
