"""The `simharness` command line.

Each subcommand lives in its own module under `simharness.cli` with two functions:
`add_parser(subparsers)` and `main(args) -> int`. Modules are imported only to build the parser;
heavy imports happen inside `main`.

Exit codes: 0 every invariant held; 1 a violation was found (its schedule is written); 2 bad input (one
line on stderr, nothing already written is lost) or a target that broke mid-run (the report of what was
judged is written, marked incomplete, with the reason); 130 interrupted (the report is marked incomplete); 3 a
driver could not be stopped (it swallowed the watchdog's interrupt): the report, with that run as a
`terminates` violation, is marked incomplete and the process ends hard (`guard.exits.EXIT_UNSTOPPABLE`).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from simharness.cli import bench, bisect, fidelity, matrix, mutants, replay, report, run, schedules, target
from simharness.cli.args import EXIT_CODES
from simharness.model.exceptions import USER_ERRORS

#: Subcommands in the order `--help` lists them. Each module is light at import; heavy imports wait for its `main`.
COMMANDS = (run, replay, schedules, mutants, target, matrix, bisect, report, bench, fidelity)


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in our one-line, exit-2 style."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"simharness: error: {with_suggestion(message)}\n")


#: Where a one-line error names an unknown name and lists the known ones: argparse's `choices`, and the
#: "NAME: unknown mutant|strategy|invariant (known|available: a, b)" errors of the layers below.
_CHOICE = re.compile(r"invalid choice: '(?P<name>[^']*)' \(choose from (?P<known>[^)]*)\)")
_UNKNOWN = re.compile(r"(?P<name>[^\s:]+): unknown [\w ]+ \((?:known|available): (?P<known>[^)]*)\)")
#: The target forms, for "unknown target": the spec's kind (before : or @) is what gets misspelled.
_TARGET_KINDS = ("reference", "py:", "mutant:", "openclaw@", "node-dist:")


def with_suggestion(message: str) -> str:
    """`message` with "; did you mean 'x'?" (difflib) when it names an unknown name close to a known one."""
    from simharness.model.suggest import did_you_mean

    if "did you mean" in message:
        return message
    found = _CHOICE.search(message) or _UNKNOWN.search(message)
    if found:
        known = [k.strip().strip("'\"") for k in found["known"].split(",")]
        return message + did_you_mean(found["name"].strip("'\""), known)
    if ": unknown target (" in message:
        spec = message.split(": unknown target (")[0].rsplit(" ", 1)[-1]
        kind = re.split(r"(?<=[:@])", spec, maxsplit=1)[0]  # "opnclaw@9.1" -> "opnclaw@"
        close = difflib.get_close_matches(kind, _TARGET_KINDS, n=1, cutoff=0.6)
        return message + (f"; did you mean {close[0] + spec[len(kind):]!r}?" if close else "")
    return message


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="simharness",
        description="Deterministic simulation and fault injection for model-fallback drivers.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for module in COMMANDS:
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
    from simharness.guard.exits import flush_and_exit

    flush_and_exit(code)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from simharness.model.version import VERSION as __version__

        print(f"simharness {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    from simharness.cli.args import announce_random_seed

    announce_random_seed(args)
    try:
        code: int = args.handler(args)
        return code
    except USER_ERRORS as exc:
        print(f"simharness: error: {with_suggestion(str(exc))}", file=sys.stderr)
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
