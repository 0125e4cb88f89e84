"""The programs' entry point (the ``txplan`` script, ``python -m txplan``, a clinic's ``build.py``).

It imports nothing heavy before its ``try``: importing the command line takes a good part of a second (pydantic,
ruamel.yaml, the models), and Ctrl-C in that time must read as it does later, one line and exit 130, not a
traceback from whichever import it stopped. Two ways CPython has of its own to show such an interrupt are
closed here as well:

- an interrupt met where CPython cannot raise it (pydantic building a validator) is printed as "Exception
  ignored" with a traceback, and the import goes on; that interrupt is kept here, silently, and honoured once
  the import is done;
- an interrupt that stopped an import can leave CPython's own mark that it went unhandled, and the interpreter
  then kills itself with SIGINT at exit (status -2) after txplan has handled it; so that exit is taken at once,
  with the output flushed.

Only the interpreter's own start (about 40 ms, before this module runs) is beyond reach.
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["EXIT_INTERRUPTED", "run"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT: what shells report for a program stopped by Ctrl-C


def run() -> None:
    """Run the command line and exit with its status; Ctrl-C at any point of it is one line and 130."""
    held: list[BaseException] = []
    shown_by_default = sys.unraisablehook

    def hold_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
        """An interrupt CPython could not raise is kept; anything else is shown as CPython shows it."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            held.append(unraisable.exc_value)
        else:
            shown_by_default(unraisable)

    sys.unraisablehook = hold_interrupt
    try:
        from .cli import main

        if held:
            raise KeyboardInterrupt
        status = main()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the work is done: Ctrl-C now must not kill the exit (-2)
    except KeyboardInterrupt:
        sys.stderr.write("txplan: interrupted\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    sys.exit(status)
