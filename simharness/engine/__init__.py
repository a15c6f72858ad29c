"""One run, start to finish.

- `world`     the World: composes the simulated machine (`sim/`), the fault injectors (`faults/`) and the
              workload (`workload/`) for one scenario, target and choice source
- `runner`    run a world under the guards and judge its trace (`check/`) into a `RunResult`; replay one from
              its recorded choices
- `schedule`  schedule files: a run's choices and verdicts, saved and loaded, with an integrity hash
- `shrink`    the shrinker: named passes over a failing run's world and choices, with statistics per pass
- `shrink_world` smaller worlds for the shrinker: scenario edits, and the choices carried over to them
"""
