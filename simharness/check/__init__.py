"""The checks: what a run should have done, judged from its trace alone.

    judge.py        `check(trace, profile)`: one pass over the trace feeds every checker; verdicts in a fixed order
    invariants/     one checker per invariant, named for its id (`model.kinds.INVARIANTS`)
    calls.py        the driver calls the per-call checkers judge, gathered in that pass
    checker.py      the two shapes of a checker (per call, or fed events across calls)
    cooldown_ledger.py  the auth-profile store as the six store invariants see it (issue 16), gathered in that pass
    situations.py   the `sometimes` situations a run reached (`model.kinds.SITUATIONS`)
    verdicts.py     `Verdicts` and `Violation`: what checking produces
    oracle.py       ground truth about an error the world built (what the checkers judge against)
"""
