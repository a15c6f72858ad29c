"""One module per invariant, named for its stable id (`model.kinds.INVARIANTS`), each with direct unit tests
(tests/test_invariants.py). `check.judge` lists them in verdict order and feeds them in one pass over the trace.

`deterministic` has no module here: it compares two runs, so `explore.suite` judges it by replay.
"""
