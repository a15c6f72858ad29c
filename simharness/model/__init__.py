"""The vocabulary: what every other layer talks about. Imports nothing else from simharness.

- `kinds`       EventKind, invariant ids, situations, and every kind set (faults, coordination, wrappers, links)
- `exceptions`  every exception simharness raises; `USER_ERRORS`, which the CLI turns into one line and exit 2
- `errors`      JS-like errors (`JSError`) and a constructor for every shape providers and runtimes throw
- `choice`      the choice source every nondeterministic decision goes through (random or replayed)
- `trace`       a run's ordered events, stamped with virtual time; its SHA-256 is the run's identity
- `scenario`    scenario files: parsed, validated, one clear line per mistake
- `target`      the target protocol (a driver and its profile) and the call's types
- `io`          bounded reads and atomic writes
- `version`     the package version
"""
