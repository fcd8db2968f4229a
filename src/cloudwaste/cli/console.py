"""stderr output for humans: errors, warnings, hints. stdout is reserved for the report."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

_err: Console | None = None


def err_console() -> Console:
    """The shared stderr console (Rich, created on first use)."""
    global _err
    if _err is None:
        from rich.console import Console

        _err = Console(stderr=True, highlight=False, soft_wrap=True)
    return _err


def debug_enabled() -> bool:
    """Tracebacks are shown only with CLOUDWASTE_DEBUG=1."""
    return os.environ.get("CLOUDWASTE_DEBUG", "") not in ("", "0", "false")


def say(message: str) -> None:
    """A plain line on stderr (no markup interpretation)."""
    err_console().print(message, markup=False, highlight=False)


def warn(message: str) -> None:
    """A warning line on stderr."""
    from rich.text import Text

    err_console().print(Text("warning: ", style="yellow") + Text(message))


def error(message: str, hint: str | None = None) -> None:
    """A one-line error (and an optional hint line) on stderr."""
    from rich.text import Text

    err_console().print(Text("error: ", style="bold red") + Text(message))
    if hint:
        err_console().print(Text("hint: ", style="cyan") + Text(hint))


@contextmanager
def handled() -> Iterator[None]:
    """Map cloudwaste errors to one line and their exit code; never a traceback unless debugging."""
    from cloudwaste.errors import EXIT_ERROR, EXIT_INTERRUPTED, CloudwasteError

    try:
        yield
    except typer.Exit:
        raise
    except CloudwasteError as exc:
        if debug_enabled():
            traceback.print_exc()
        error(exc.message, exc.hint)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        error("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:
        if debug_enabled():
            traceback.print_exc()
        error(
            f"unexpected {type(exc).__name__}: {exc}", "set CLOUDWASTE_DEBUG=1 for a traceback and report it"
        )
        raise typer.Exit(EXIT_ERROR) from None


def stdout_is_tty() -> bool:
    """True when stdout is an interactive terminal."""
    return sys.stdout.isatty()
