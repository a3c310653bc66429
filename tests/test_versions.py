from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litemaas_upgrade.versions import Version, version_from_tag

LITELLM = r"(?:main-)?v?(?P<version>\d+(?:\.\d+){1,3}(?:[.-][A-Za-z0-9]+)*)"
LITEMAAS = r"v?(?P<version>\d+\.\d+\.\d+(?:[.-][A-Za-z0-9.]+)?)"


@pytest.mark.parametrize(
    ("text", "release", "pre", "post", "canonical"),
    [
        ("1.81.0", (1, 81, 0), None, None, "1.81.0"),
        ("0.2.0", (0, 2, 0), None, None, "0.2.0"),
        ("v1.81.0", (1, 81, 0), None, None, "1.81.0"),
        ("1.81", (1, 81), None, None, "1.81"),
        ("1", (1,), None, None, "1"),
        ("1.2.3.4", (1, 2, 3, 4), None, None, "1.2.3.4"),
        ("1.80.5.rc.2", (1, 80, 5), ("rc", 2), None, "1.80.5rc2"),
        ("1.80.5-rc2", (1, 80, 5), ("rc", 2), None, "1.80.5rc2"),
        ("1.80.5rc2", (1, 80, 5), ("rc", 2), None, "1.80.5rc2"),
        ("0.2.0-rc.1", (0, 2, 0), ("rc", 1), None, "0.2.0rc1"),
        ("1.0.0-alpha.3", (1, 0, 0), ("a", 3), None, "1.0.0a3"),
        ("1.0.0_beta_1", (1, 0, 0), ("b", 1), None, "1.0.0b1"),
        ("1.0.0-dev7", (1, 0, 0), ("dev", 7), None, "1.0.0.dev7"),
        ("1.0.0-preview-2", (1, 0, 0), ("rc", 2), None, "1.0.0rc2"),
        ("1.0.0-RC1", (1, 0, 0), ("rc", 1), None, "1.0.0rc1"),
        ("1.0.0-rc", (1, 0, 0), ("rc", 0), None, "1.0.0rc0"),
        ("1.83.14-stable.patch.1", (1, 83, 14), None, 1, "1.83.14.post1"),
        ("1.83.14-post2", (1, 83, 14), None, 2, "1.83.14.post2"),
        ("1.83.14-p1", (1, 83, 14), None, 1, "1.83.14.post1"),
        ("1.83.14-hotfix.3", (1, 83, 14), None, 3, "1.83.14.post3"),
        ("1.0rc1.post2", (1, 0), ("rc", 1), 2, "1.0rc1.post2"),
        ("1.81.0-stable-custom", (1, 81, 0), None, None, "1.81.0"),
        ("1.81.0-nightly", (1, 81, 0), None, None, "1.81.0"),
        ("1.80.5-rc2-stable", (1, 80, 5), ("rc", 2), None, "1.80.5rc2"),
    ],
)
def test_parse(
    text: str,
    release: tuple[int, ...],
    pre: tuple[str, int] | None,
    post: int | None,
    canonical: str,
) -> None:
    v = Version.parse(text)
    assert (v.release, v.pre, v.post, v.text) == (release, pre, post, text)
    assert str(v) == canonical
    assert Version.parse(canonical) == v


@pytest.mark.parametrize(
    "text",
    [
        "",
        "latest",
        "main-stable",
        "v",
        "1.",
        ".1",
        "1..2",
        "1.2.3.4.5",
        "1.2.3-4",
        "1.2.3-stable-2",
        "1.2.3-rc1-rc2",
        "1.2.3-post1-p2",
        "1.2.3-rc1.2",
        "1.2.3+build",
        "1.2.3 ",
        " 1.2.3",
        "1.2.3-",
        "1.2.3--rc1",
        "١.٢.٣",  # non-ASCII digits
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a version"):
        Version.parse(text)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.74.7", "1.81.0"),
        ("0.9.0", "0.10.0"),
        ("0.1.3", "0.2.0"),
        ("1.80.5rc2", "1.80.5"),
        ("1.80.5rc1", "1.80.5rc2"),
        ("1.83.14", "1.83.14.post1"),
        ("1.83.14.post1", "1.83.14.post2"),
        ("1.0.dev1", "1.0a1"),
        ("1.0a1", "1.0b1"),
        ("1.0b1", "1.0rc1"),
        ("1.0rc1", "1.0rc1.post1"),
        ("1.0rc1.post1", "1.0rc2"),
        ("1.0", "1.0.post0"),
        ("1.80.5", "1.81.0rc1"),
        ("1.9", "1.10"),
        ("1.81.0", "1.81.0.1"),
    ],
)
def test_ordering(lower: str, higher: str) -> None:
    a, b = Version.parse(lower), Version.parse(higher)
    assert a < b and b > a and a <= b and b >= a and a != b


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.81.0", "1.81.0-stable-custom"),
        ("1.81", "1.81.0"),
        ("1.81.0", "v1.81.0.0"),
        ("1.0-rc", "1.0rc0"),
        ("1.0.0-preview1", "1.0rc1"),
        ("1.83.14-stable.patch.1", "1.83.14.post1"),
    ],
)
def test_equal(a: str, b: str) -> None:
    va, vb = Version.parse(a), Version.parse(b)
    assert va == vb and hash(va) == hash(vb) and not va < vb and not vb < va
    assert len({va, vb}) == 1


def test_not_equal_to_other_types() -> None:
    assert Version.parse("1.0") != "1.0"
    with pytest.raises(TypeError):
        _ = Version.parse("1.0") < "1.1"


@pytest.mark.parametrize(
    ("release", "pre", "post"),
    [((), None, None), ((1, -1), None, None), ((1,), ("gamma", 1), None), ((1,), None, -1)],
)
def test_direct_construction_validates(
    release: tuple[int, ...], pre: tuple[str, int] | None, post: int | None
) -> None:
    with pytest.raises(ValueError):
        Version(release, pre, post)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("main-v1.81.0-stable", "1.81.0"),
        ("main-v1.74.7-stable", "1.74.7"),
        ("v1.80.5.rc.2", "1.80.5rc2"),
        ("main-v1.83.14-stable.patch.1", "1.83.14.post1"),
        ("main-v1.81.0-stable-custom", "1.81.0"),
        ("1.81.0", "1.81.0"),
        ("main-stable", None),
        ("main-latest", None),
        ("latest", None),
        ("main-dev", None),
        (None, None),
    ],
)
def test_version_from_tag_litellm(tag: str | None, expected: str | None) -> None:
    v = version_from_tag(tag, [LITELLM])
    assert (str(v) if v else None) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("0.1.3", "0.1.3"),
        ("0.2.0", "0.2.0"),
        ("v0.2.0", "0.2.0"),
        ("0.2.0-rc.1", "0.2.0rc1"),
        ("latest", None),
        ("0.2", None),
        ("", None),
    ],
)
def test_version_from_tag_litemaas(tag: str | None, expected: str | None) -> None:
    v = version_from_tag(tag, [re.compile(LITEMAAS)])
    assert (str(v) if v else None) == expected


def test_version_from_tag_first_match_wins_and_whole_match() -> None:
    assert str(version_from_tag("1.2.3", [r"\d+\.\d+\.\d+", LITELLM])) == "1.2.3"
    assert str(version_from_tag("rel-1.2", [r"nomatch", r"rel-(?P<version>.*)"])) == "1.2"
    # An optional `version` group that did not take part falls through to the next pattern.
    assert version_from_tag("x1.0", [r"x(?P<version>y)?1\.0", r"x(?P<version>1\.0)"]) == Version(
        (1,)
    )


def test_version_from_tag_claimed_but_unreadable() -> None:
    with pytest.raises(ValueError, match="matches version pattern"):
        version_from_tag("main-v1.2.3.4.5", [LITELLM])


# --- property tests --------------------------------------------------------------------


@settings(max_examples=2000)
@given(st.text())
def test_fuzz_parse_only_raises_value_error(text: str) -> None:
    try:
        v = Version.parse(text)
    except ValueError:
        return
    assert Version.parse(str(v)) == v


@settings(max_examples=2000)
@given(st.text(alphabet="v0123456789.-_rcpostabdevx", max_size=20))
def test_fuzz_near_valid(text: str) -> None:
    try:
        v = Version.parse(text)
    except ValueError:
        return
    assert Version.parse(str(v)) == v


@settings(max_examples=2000)
@given(st.text(alphabet="mainv0123456789.-stablerc", max_size=30))
def test_fuzz_version_from_tag(tag: str) -> None:
    try:
        v = version_from_tag(tag, [LITELLM, LITEMAAS])
    except ValueError:
        return
    assert v is None or isinstance(v, Version)


_versions = st.builds(
    Version,
    st.lists(st.integers(0, 3), min_size=1, max_size=4).map(tuple),
    st.none() | st.tuples(st.sampled_from(["dev", "a", "b", "rc"]), st.integers(0, 2)),
    st.none() | st.integers(0, 2),
)


@settings(max_examples=500)
@given(_versions, _versions, _versions)
def test_total_order(a: Version, b: Version, c: Version) -> None:
    # Exactly one of <, ==, > holds, consistently from both sides.
    assert [a < b, a == b, a > b].count(True) == 1
    assert (a < b) == (b > a) and (a == b) == (b == a)
    if a == b:
        assert hash(a) == hash(b)
    if a <= b and b <= c:
        assert a <= c
    if a < b and b < c:
        assert a < c
    # The canonical text reads back to an equal version.
    assert Version.parse(str(a)) == a
