"""The published-versions list that bisect searches and `matrix --latest` watches: ordering, ranges, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from simharness.model.exceptions import TargetError
from simharness.targets import registry as R

VERSIONS = ("2026.5.3-1", "2026.5.3", "2026.5.18-beta.1", "2026.5.18", "2026.5.19", "2026.5.20-beta.1", "2026.5.20", "2026.10.1")


def test_versions_sort_by_release_numbers_with_prereleases_first() -> None:
    shuffled = ["2026.10.1", "2026.5.20", "2026.5.3", "2026.5.20-beta.1", "2026.5.3-1", "2026.5.18", "2026.5.19", "2026.5.18-beta.1"]
    assert tuple(sorted(shuffled, key=R.version_key)) == VERSIONS  # 10 after 5, not between 1 and 2
    assert R.version_key("2026.5.20-beta.2") > R.version_key("2026.5.20-beta.1")


def test_ranges_keep_stable_releases_and_their_ends() -> None:
    assert R.between("2026.5.18", "2026.5.20", VERSIONS) == ("2026.5.18", "2026.5.19", "2026.5.20")
    assert R.between("2026.5.20", "2026.5.18", VERSIONS) == ("2026.5.18", "2026.5.19", "2026.5.20")  # either order
    assert R.between("2026.5.18", "2026.5.20", VERSIONS, prereleases=True) == ("2026.5.18", "2026.5.19", "2026.5.20-beta.1", "2026.5.20")
    assert R.between("2026.5.18-beta.1", "2026.5.19", VERSIONS) == ("2026.5.18-beta.1", "2026.5.18", "2026.5.19")
    assert R.latest(2, VERSIONS) == ("2026.5.20", "2026.10.1")
    assert R.since("2026.5.19", VERSIONS) == ("2026.5.19", "2026.5.20", "2026.10.1")
    with pytest.raises(TargetError, match="not a published version"):
        R.between("2026.5.17", "2026.5.20", VERSIONS)


def test_the_list_is_cached_and_a_dead_registry_falls_back_to_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMHARNESS_CACHE", str(tmp_path))
    asked: list[int] = []

    def registry() -> tuple[str, ...]:
        asked.append(1)
        return VERSIONS

    monkeypatch.setattr(R, "_ask_registry", registry)
    first = R.published()
    assert first.versions == VERSIONS and not first.stale and len(asked) == 1
    assert R.published().versions == VERSIONS and len(asked) == 1  # fresh cache: the registry is not asked again
    assert R.published(refresh=True).versions == VERSIONS and len(asked) == 2

    def dead() -> tuple[str, ...]:
        raise TargetError("openclaw: cannot list published versions: network down")

    monkeypatch.setattr(R, "_ask_registry", dead)
    monkeypatch.setattr(R.time, "time", lambda: 4e9)  # the year 2096: the cache is old now
    fallback = R.published()
    assert fallback.versions == VERSIONS and fallback.stale
    (tmp_path / "registry" / "openclaw-versions.json").unlink()
    with pytest.raises(TargetError, match="network down"):
        R.published()
