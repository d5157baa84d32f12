"""The ``bazi-master`` command: charts, solar terms, reverse lookup and the service.

Every error ends the command with one line on stderr and no traceback: exit status 2
for bad input or usage, 1 for a damaged installation or an unexpected failure. When
the reader of stdout goes away (``bazi-master chart --batch b.csv | head -1``), the
command stops without a message and exits with status 141, as a tool killed by
SIGPIPE does.

The service commands (``serve``, ``migrate``) are registered on first use, because
their module imports FastAPI, SQLAlchemy and Redis (about 0.8 s); ``bazi-master
chart`` never loads them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from bazi_master import __version__
from bazi_master.engine._errors import BaziDataError, BaziError

from ._chart_commands import register_chart_commands

__all__ = ["main"]

PROGRAM = "bazi-master"
USAGE_ERROR_STATUS = 2
FAILURE_STATUS = 1
# 128 + SIGPIPE (13), the status a shell reports for a tool killed by SIGPIPE.
CLOSED_PIPE_STATUS = 141
# Longer error lines keep their start and end, which hold the value and the fix.
MAX_MESSAGE_LENGTH = 1000


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    if len(line) <= MAX_MESSAGE_LENGTH:
        return line
    kept = MAX_MESSAGE_LENGTH - 40  # room for the note on the cut
    head = kept * 2 // 3
    cut = len(line) - kept
    return f"{line[:head]} …({cut:,} characters cut)… {line[-(kept - head) :]}"


class _ClosedPipe(Exception):
    """A closed stdout, raised in place of ``BrokenPipeError`` because click turns
    that error into exit status 1 before ``main`` can see it."""


def _exit_on_closed_pipe() -> NoReturn:
    """Exit quietly after stdout's reader went away.

    stdout is pointed at the null device first, so that the flush at interpreter
    exit does not fail a second time and print a traceback.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # a stdout without a file descriptor, as under click's test runner
    sys.exit(CLOSED_PIPE_STATUS)


def _describe(error: Exception) -> tuple[str, int]:
    """Return the one-line message and the exit status for an error."""
    if isinstance(error, click.UsageError):
        path = error.ctx.command_path if error.ctx else PROGRAM
        return (
            f"{_one_line(error.format_message())} (see '{path} --help')",
            USAGE_ERROR_STATUS,
        )
    if isinstance(error, click.ClickException):
        return _one_line(error.format_message()), error.exit_code
    if isinstance(error, click.Abort):
        return "aborted", FAILURE_STATUS
    if isinstance(error, BaziDataError):
        return _one_line(str(error)), FAILURE_STATUS
    if isinstance(error, BaziError):
        return _one_line(str(error)), USAGE_ERROR_STATUS
    return f"unexpected {type(error).__name__}: {_one_line(str(error))}", FAILURE_STATUS


class _Main(click.Group):
    """A group that turns every exception into one line on stderr and an exit status,
    and loads the service commands only when they are needed.
    """

    _service_commands_loaded = False

    def _load_service_commands(self) -> None:
        if self._service_commands_loaded:
            return
        from ._service_commands import register_service_commands

        register_service_commands(self)
        self._service_commands_loaded = True

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not self._service_commands_loaded:
            self._load_service_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_service_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise _ClosedPipe from error

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        """Run the command line; errors always end here as one line on stderr, so
        ``standalone_mode`` is accepted for click's signature and ignored.
        """
        try:
            result = super().main(
                args, prog_name, complete_var, standalone_mode=False, **extra
            )
            sys.stdout.flush()
        except (_ClosedPipe, BrokenPipeError):
            _exit_on_closed_pipe()
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help() if error.ctx else "", err=True)
            sys.exit(USAGE_ERROR_STATUS)
        except Exception as error:
            message, status = _describe(error)
            click.echo(f"{PROGRAM}: error: {message}", err=True)
            sys.exit(status)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROGRAM)
def main() -> None:
    """BaZi (Four Pillars) charts exact to the second, and the service around them."""


register_chart_commands(main)
