"""Scenario files: the shipped ones load; every mistake is one clear line naming file and key."""

import pytest

from simharness.model.exceptions import ScenarioError
from simharness.model.scenario import collect_scenarios, load_scenario, parse_scenario


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
        ("swarm = 'yes'", "swarm: expected true or false, got 'yes'"),
        ("[explicit]\nouter = { teapot = 1.0 }", "explicit.outer.teapot: expected a known name"),
        ("[explicit]\ninner = { rate_limit = 1.0 }", "explicit.inner.rate_limit: expected a known name"),
        ("[explicit]\nlink = { cause = 0.0 }", "explicit.link: expected at least one positive weight"),
        ("[explicit]\nlink = { cause = 2 }", "explicit.link.cause: expected a probability"),
        ("[explicit]\nwrapper = 1", "explicit.wrapper: unknown key"),
        ("[runtime]\nany = 1.5", "runtime.any: expected a probability from 0 to 1, got 1.5"),
        ("[runtime]\nany = true", "runtime.any: expected a probability"),
        (
            "[runtime]\nany = 0.8\nfaults = { active_turn_claim = 0.5 }",
            "runtime.faults: expected probabilities that sum to at most 1 (with any)",
        ),
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


def test_new_keys_default_to_every_shape_and_keep_old_keys_working():
    from simharness.model import kinds as K

    s = parse_scenario({"providers": {"*": {"faults": {"rate_limit_nested_lock": 0.5, "explicit_nested_coordination": 0.5}}}})
    assert [o for o, _ in s.explicit_outer] == list(K.EXPLICIT_OUTERS)
    assert [k for k, _ in s.explicit_inner] == list(K.COORDINATION_KINDS_IN_ORDER)
    assert set(K.COORDINATION_KINDS_IN_ORDER) == K.COORDINATION_KINDS  # new kinds flow in from the kind table
    assert [k for k, _ in s.explicit_link] == ["cause", "error", "reason", "errors"]
    spread = parse_scenario({"runtime": {"any": 0.6, "faults": {"active_turn_claim": 0.1}}}).runtime_faults
    assert {k for k, _ in spread} == set(K.RUNTIME_FAULTS)
    share = 0.6 / len(K.RUNTIME_FAULTS)
    assert dict(spread)["active_turn_claim"] == pytest.approx(0.1 + share)
    assert all(p == pytest.approx(share) for k, p in spread if k != "active_turn_claim")


def test_swarm_setting_file_default_and_override(tmp_path):
    from simharness.model.scenario import SWARM_DEFAULT

    path = tmp_path / "s.toml"
    path.write_text("swarm = false\n")
    assert load_scenario(path).swarm is False
    assert collect_scenarios([path], swarm=True)[0].swarm is True
    assert collect_scenarios([path], swarm=True)[0].source["swarm"] is True
    path.write_text('name = "s"\n')  # no swarm key (an empty file is refused)
    assert load_scenario(path).swarm is SWARM_DEFAULT
