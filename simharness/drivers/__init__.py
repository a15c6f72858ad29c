"""Drivers shipped with simharness: the reference model of openclaw's fixed driver, the pre-fix driver, and
the mutants that prove the harness can catch each invariant's violation."""
