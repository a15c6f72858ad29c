"""The choice source: seeded, recorded, replayable, simplest-first."""

from simharness.model.choice import RandomChoices, ReplayChoices, derive_seed, splitmix64


def test_splitmix64_known_values():
    # Reference values of SplitMix64 (seed 0 stream): the PRNG is fully specified, not Python's `random`.
    assert splitmix64(0) == 0xE220A8397B1DCDAF
    assert splitmix64(0x9E3779B97F4A7C15) == 0x6E789E6AA1B965F4


def test_derive_seed_is_stable_and_distinct():
    assert derive_seed(0, "takeover-race", 1) == derive_seed(0, "takeover-race", 1)
    seeds = {derive_seed(0, "takeover-race", i) for i in range(1000)}
    assert len(seeds) == 1000
    assert derive_seed(1, "a") != derive_seed(0, "a")


def test_random_choices_are_reproducible_and_recorded():
    a, b = RandomChoices(42), RandomChoices(42)
    picks_a = [a.choose(f"p{i}", ["x", "y", "z"]) for i in range(200)]
    picks_b = [b.choose(f"p{i}", ["x", "y", "z"]) for i in range(200)]
    assert picks_a == picks_b
    assert set(picks_a) == {0, 1, 2}
    assert [c.value for c in a.record] == picks_a
    assert a.record[0].label == "p0" and a.record[0].taken == "xyz"[picks_a[0]]


def test_weights_are_respected():
    src = RandomChoices(7)
    hits = sum(src.choose("f", ["no", "yes"], [0.9, 0.1]) for _ in range(10_000))
    assert 800 < hits < 1200
    assert not any(RandomChoices(s).flip("never", 0.0) for s in range(100))


def test_single_option_points_are_not_choices():
    src = RandomChoices(1)
    assert src.choose("only", ["a"]) == 0
    assert src.record == []


def test_replay_feeds_back_and_defaults_to_simplest():
    src = RandomChoices(3)
    values = [src.choose("p", ["a", "b", "c", "d"]) for _ in range(10)]
    replayed = ReplayChoices(values)
    assert [replayed.choose("p", ["a", "b", "c", "d"]) for _ in range(10)] == values
    assert replayed.choose("past-the-end", ["a", "b"]) == 0
    # an out-of-range value (a schedule from a changed scenario) takes the simplest option
    assert ReplayChoices([9]).choose("p", ["a", "b"]) == 0
