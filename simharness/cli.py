"""The `simharness` command line.

Each subcommand lives in its own module under `simharness.commands` with two functions:
`add_parser(subparsers)` and `main(args) -> int`. Modules are imported only to build the parser;
heavy imports happen inside `main`.

Exit codes: 0 every invariant held; 1 a violation was found (its schedule is written); 2 bad input (one
line on stderr, nothing already written is lost); 130 interrupted (the report is marked incomplete); 3 a
driver could not be stopped (it swallowed the watchdog's interrupt): the report, with that run as a
`terminates` violation, is marked incomplete and the process ends hard (`_tripwire.EXIT_UNSTOPPABLE`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from simharness._io import OutputError
from simharness._scenario import ScenarioError
from simharness._schedule import ScheduleError
from simharness.targets._protocol import TargetError

USER_ERRORS = (ScenarioError, ScheduleError, TargetError, OutputError)

#: Subcommands in the order `--help` lists them. A module not present (yet) is skipped.
COMMAND_MODULES = ("run", "replay", "schedules", "mutants", "target", "matrix", "report", "bench")


def number_in(low: float, high: float, kind: Callable[[str], Any] = int, what: str = "an integer") -> Callable[[str], Any]:
    """An argparse `type=` that accepts `kind` values from `low` to `high`: one clear line otherwise (exit 2)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} from {_plain(low)} to {_plain(high)}, got {text}")
        return value

    return parse


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


positive = number_in(1, 100_000_000, what="a positive integer")


def seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError("expected a seed from 0 to 2**63-1")
    return value


def shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 2/4), got {text!r}") from None
    if not 1 <= index <= count <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in our one-line, exit-2 style."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"simharness: error: {message}\n")


def print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(row, widths))))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="simharness", description="Deterministic simulation and fault injection for model-fallback drivers.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"simharness.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"simharness.commands.{name}":
                continue
            raise
        command = module.add_parser(sub)
        command.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand and return its exit code. As the console script (no `argv`), the process ends right
    here with that code (`_end`): nothing a driver left behind may change it afterwards."""
    if argv is not None:
        return _main(argv)
    try:
        code = _main(None)
    except SystemExit as exc:  # argparse's --help and usage errors
        code = _exit_code(exc)
    except BaseException:  # noqa: BLE001 — a harness bug: its traceback, then the same hard end
        import traceback

        traceback.print_exc()
        code = 1
    _end(code)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def _end(code: int) -> NoReturn:
    """Flush and end the process with `code`, skipping interpreter shutdown. A driver is code loaded into this
    process: at shutdown its atexit hooks, finalizers and left-over threads would run after the verdict is
    printed, and one `os._exit(0)` there turns a violation into exit 0. The reports are written and the target
    closed before `main` returns, so there is nothing left for shutdown to do."""
    from simharness._tripwire import flush_and_exit

    flush_and_exit(code)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from simharness import __version__

        print(f"simharness {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
        return code
    except USER_ERRORS as exc:
        print(f"simharness: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simharness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `simharness run ... | head`: the reader left; reports are already written
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when the interpreter flushes stdout
        return 141


if __name__ == "__main__":
    sys.exit(main())
