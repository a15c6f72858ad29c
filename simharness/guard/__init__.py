"""The harness's own guards around the code under test, one job per module.

- `live_thread`  which thread runs a live world (what every guard reads); `suspended`, `is_live`
- `settings`     `Guards`: tripwires on/off, stall and grace seconds, the last-resort hook
- `frames`       whose code a frame is: the standard library's, the harness's, the code under test's
- `tripwire`     the wall clock and randomness raise `TripwireError` inside a run
- `exits`        a driver may not end the process (`ProcessExit`); the harness's own `flush_and_exit`
- `watchdog`     a driver that never yields is stopped (`RunStalled`); the last resort
- `interrupts`   the user's Ctrl-C told apart from a driver's own `KeyboardInterrupt`
- `live_run`     `live()`: the window in which one world runs, composing all of the above
- `contract`     the driver contract, enforced where a session calls the driver (`workload/sessions.py`)
"""
