"""One module per `simharness` subcommand: `add_parser(subparsers)` and `main(args) -> int`."""
