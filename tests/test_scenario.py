"""Scenario files: the shipped ones load; every mistake is one clear line naming file and key."""

import pytest

from simharness._scenario import ScenarioError, collect_scenarios, load_scenario, parse_scenario


def test_shipped_scenarios_load(scenarios_dir):
    scenarios = collect_scenarios([scenarios_dir])
    names = {s.name for s in scenarios}
    assert {
        "takeover-race",
        "lock-contention",
        "rate-limit-nested-lock",
        "rate-limit-storm",
        "mixed-faults",
        "success-after-rate-limit",
    } <= names
    for s in scenarios:
        assert s.chain and s.expect_sometimes, s.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ("[world]\nsessions = -1", "world.sessions: expected an integer from 1 to 512, got -1"),
        ("[world]\nsessions = 100000", "world.sessions: expected an integer from 1 to 512"),
        ("[world]\nsessions = '2'", "world.sessions: expected an integer"),
        ("[world]\nsesions = 2", "world.sesions: unknown key"),
        ("bogus = 1", "bogus: unknown key"),
        ("[world]\nchain = ['gpt-a']", 'world.chain[0]: expected "provider/model"'),
        ("[world]\nchain = []", "world.chain: expected a list of 1-32"),
        ("[world]\nchain = ['a/b', 'a/b']", "world.chain: expected distinct candidates"),
        ("[world]\nlock_timeout_ms = 99999999999", "world.lock_timeout_ms: expected an integer from 1 to 86400000"),
        ("[world]\nsession_start_ms = [true]", "world.session_start_ms: expected an integer or a list"),
        ("[providers.openai]\nfaults = { teapot = 0.1 }", "providers.openai.faults.teapot: expected a known name"),
        ("[providers.openai]\nfaults = { rate_limit = 1.5 }", "providers.openai.faults.rate_limit: expected a probability"),
        (
            "[providers.openai]\nfaults = { rate_limit = 0.6, auth = 0.6 }",
            "providers.openai.faults: expected probabilities that add up to at most 1",
        ),
        ("[providers.openai]\nlatency = 3", "providers.openai.latency: unknown key"),
        ("[[writers]]\nkind = 'delete'", "writers[0].kind: expected one of append, rewrite"),
        ("writers = 3", "writers: expected an array of tables"),
        ("[wrapping]\ncoordination = { teleport = 1.0 }", "wrapping.coordination.teleport: expected a known name"),
        ("[expect]\nsometimes = ['world_peace']", "expect.sometimes: expected known situations"),
    ],
)
def test_bad_scenarios_fail_with_one_clear_line(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith(str(path) + ": ")
    assert message in line


def test_missing_file_and_empty_dir(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        collect_scenarios([tmp_path / "nope.toml"])
    with pytest.raises(ScenarioError, match="no scenario files"):
        collect_scenarios([tmp_path])


def test_provider_wildcard_and_defaults():
    s = parse_scenario({"world": {"chain": ["a/x", "b/y"]}, "providers": {"*": {"latency_ms": [5]}, "a": {"faults": {"auth": 1.0}}}})
    assert s.provider("a").faults == (("auth", 1.0),)
    assert s.provider("b").latency_ms == (5,)
    kinds, weights = s.provider("a").outcome_weights()
    assert kinds[0] == "success" and weights[0] == 0.0
