"""The benchmark suite behind `simharness bench`: throughput, overhead, scaling and memory, with baselines.

Every figure is measured in the same invocation as the baseline it is compared with, on the same machine:

- **floor**: bare simpy running a minimal process model of the same size as a scenario's runs (as many
  processes, and exactly as many simpy events per run: each process does its share of plain timeouts);
- **target**: runs/s of `--target` (default the reference model) on each shipped scenario through the full run
  path (world, driver, invariants), the simpy events/s that implies, the overhead ratio against the floor,
  and how much virtual time a wall second simulates;
- **race**: the reference target's `takeover-race` (through `run_suite`, the path `simharness run` takes) against
  the same race written by hand on simpy with no harness (`race`), in alternating time boxes;
- **node**: the Node bridge against the reference on the same seeded schedules, when a release is installed;
- **floor**: the Node bridge against a pure-Node floor (`floor`): the driver calls of seeded runs replayed
  straight into the release's `runWithModelFallback` in a Node loop, through the bridge without the world, and
  as the runs themselves (5.20 and 9.6, when installed);
- **kills**: per strategy, runs and wall seconds to the first kill of every mutant (median over seeds);
- **xdist**: wall time of one fixed budget through the pytest plugin at `-n 0` and `-n 2`;
- **memory**: peak RSS of a fresh process after N and 10·N runs (passing runs must not be retained);
- **growth**: runs/s against concurrent sessions and chain length, as a table and an SVG plot.

Nothing here is asserted: numbers go to `bench.json`, `bench.md` and `bench.svg`; tests only check that the
command runs and writes well-formed output. Wall-clock reads happen between runs, never inside one.

Where each part lives: `budget` (budgets, goals, "not measured"), `baselines` (the bare-simpy floor), `race`
(the hand-written simpy race), `throughput` (the target's rows, the race row and cost growth), `node` (real
targets against the reference), `floor` (the bridge against pure Node), `time_to_kill` (strategies x
mutants), `processes` (xdist and memory, in fresh processes; `memory_probe` is the fresh process's program),
`tables` (the sections as tables) and `render` (bench.json, bench.md, bench.svg); `run` runs them all.

This module imports nothing: `memory_probe` runs as `python -m simharness.bench.memory_probe` in a fresh
interpreter, which imports this package first, and whatever it imported would count in the memory figure.
"""
