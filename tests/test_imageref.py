from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litemaas_upgrade.imageref import ImageRef, ImageRefError, matches_pattern

SHA = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest"),
    [
        ("nginx", None, "nginx", None, None),
        ("nginx:1.25", None, "nginx", "1.25", None),
        ("berriai/litellm", None, "berriai/litellm", None, None),
        (
            "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0",
            "quay.io",
            "rh-aiservices-bu/litemaas-backend",
            "0.2.0",
            None,
        ),
        (
            "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable",
            "ghcr.io",
            "berriai/litellm-non_root",
            "main-v1.81.0-stable",
            None,
        ),
        ("localhost/foo", "localhost", "foo", None, None),
        ("localhost:5000/foo:dev", "localhost:5000", "foo", "dev", None),
        ("localhost:5000", None, "localhost", "5000", None),  # docker reads it the same way
        (
            "registry.example.com:5000/mirror/a/b/litellm-non_root:v1",
            "registry.example.com:5000",
            "mirror/a/b/litellm-non_root",
            "v1",
            None,
        ),
        (f"quay.io/a/b@{SHA}", "quay.io", "a/b", None, SHA),
        (f"quay.io/a/b:1.0@{SHA}", "quay.io", "a/b", "1.0", SHA),
        (f"nginx@{SHA}", None, "nginx", None, SHA),
        ("[::1]:5000/foo", "[::1]:5000", "foo", None, None),
        ("quay.io", None, "quay.io", None, None),  # single component: a path, not a registry
        ("a__b/c.d/e---f:TAG_x", None, "a__b/c.d/e---f", "TAG_x", None),
        ("foo@md5+x.y-z:" + "ab" * 16, None, "foo", None, "md5+x.y-z:" + "ab" * 16),
    ],
)
def test_parse(
    text: str, registry: str | None, path: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageRef.parse(text)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)
    assert str(ref) == text


def test_name_and_basename() -> None:
    ref = ImageRef.parse("registry.example.com:5000/mirror/litellm-non_root:v1")
    assert ref.name == "registry.example.com:5000/mirror/litellm-non_root"
    assert ref.basename == "litellm-non_root"
    assert ImageRef.parse("nginx:1").name == "nginx"
    assert ImageRef.parse("nginx:1").basename == "nginx"


def test_with_methods() -> None:
    ref = ImageRef.parse("quay.io/rh-aiservices-bu/litemaas-backend:0.1.3")
    assert str(ref.with_tag("0.2.0")) == "quay.io/rh-aiservices-bu/litemaas-backend:0.2.0"
    assert str(ref.with_tag(None)) == "quay.io/rh-aiservices-bu/litemaas-backend"
    assert str(ref.with_digest(SHA)) == f"quay.io/rh-aiservices-bu/litemaas-backend:0.1.3@{SHA}"
    assert (
        str(ref.with_name("reg.local:5000/mirror/backend")) == "reg.local:5000/mirror/backend:0.1.3"
    )
    assert str(ref.with_name("backend")) == "backend:0.1.3"
    assert ref.tag == "0.1.3"  # frozen: the original is unchanged


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.with_tag("-bad"), "invalid tag"),
        (lambda r: r.with_digest("sha256:abc"), "64 lowercase hex"),
        (lambda r: r.with_name("quay.io/a/b:1"), "without tag or digest"),
        (lambda r: r.with_name(f"a/b@{SHA}"), "without tag or digest"),
        (lambda r: r.with_name("Quay.io/A"), "lowercase"),
        (lambda r: r.with_name(""), "without tag or digest"),
    ],
)
def test_with_methods_validate(call: Callable[[ImageRef], object], message: str) -> None:
    ref = ImageRef.parse("quay.io/a/b:1")
    with pytest.raises(ImageRefError, match=message):
        call(ref)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty image reference"),
        ("quay.io/rh-aiservices-bu/litemaas-backend:${LITEMAAS_VERSION}", "unresolved variable"),
        ("${REGISTRY}/litemaas-backend:0.2.0", "unresolved variable"),
        ("quay.io/a/b:$TAG", "unresolved variable"),
        ("quay.io/a/B", "must be lowercase"),
        ("Nginx", "must be lowercase"),
        ("quay.io/a b", "whitespace"),
        (" nginx", "whitespace"),
        ("nginx\n", "whitespace"),
        ("/nginx", "must not start or end with '/'"),
        ("nginx/", "must not start or end with '/'"),
        ("quay.io/", "must not start or end with '/'"),
        ("a//b", "empty component"),
        ("nginx:", "empty tag"),
        ("nginx@", "empty digest"),
        ("nginx:-x", "invalid tag"),
        ("nginx:a+b", "invalid tag"),
        ("nginx:" + "a" * 129, "invalid tag"),
        ("nginx:tæg", "invalid tag"),
        ("nginx@sha256:abc", "64 lowercase hex"),
        ("nginx@sha256:" + "A" * 64, "64 lowercase hex"),
        ("nginx@nothex", "expected algorithm:hex"),
        ("nginx@sha256:" + "0" * 64 + "@x", "invalid digest"),
        ("a-/b", "invalid path component"),
        ("a/_b", "invalid path component"),
        ("a/b___c", "invalid path component"),
        ("quay.io:abc/a", "invalid registry"),
        ("-bad.io/a", "invalid registry"),
        ("a/" + "b" * 255, "longer than 255"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ImageRefError, match=message):
        ImageRef.parse(text)


def test_error_is_value_error() -> None:
    assert issubclass(ImageRefError, ValueError)


@pytest.mark.parametrize(
    ("registry", "path", "message"),
    [
        ("notaregistry", "a", "must contain '.' or ':'"),
        (None, "quay.io/a", "registry-like"),
        (None, "localhost/a", "registry-like"),
    ],
)
def test_direct_construction_keeps_round_trip(
    registry: str | None, path: str, message: str
) -> None:
    with pytest.raises(ImageRefError, match=message):
        ImageRef(registry, path)


@pytest.mark.parametrize(
    ("image", "pattern", "expected"),
    [
        ("registry.example.com/mirror/litellm-non_root:v1", "**/litellm-non_root", True),
        ("ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable", "**/litellm-non_root", True),
        ("litellm-non_root", "**/litellm-non_root", True),  # ** may be no segments
        ("berriai/litellm", "**/litellm", True),
        ("berriai/litellm-database", "**/litellm", False),
        ("berriai/litellm-database", "**/litellm*", True),
        ("ghcr.io/berriai/litellm-non_root", "*/litellm-non_root", True),  # against path
        ("reg.io/a/b/litellm-non_root", "*/litellm-non_root", False),
        ("quay.io/rh-aiservices-bu/litemaas-backend", "**/litemaas-backend", True),
        ("quay.io/rh-aiservices-bu/litemaas-backend", "quay.io/**", True),  # against name
        ("quay.io/rh-aiservices-bu/litemaas-backend", "quay.io/*/litemaas-*", True),
        ("ghcr.io/rh-aiservices-bu/litemaas-backend", "quay.io/**", False),
        ("quay.io/rh-aiservices-bu/litemaas-backend", "**/LiteMaaS-backend", False),
        ("localhost:5000/x/y", "localhost:*/**/y", True),
        ("a/b/c/d", "a/**/d", True),
        ("a/b/c/d", "a/**/**/d", True),
        ("a/b/c/d", "a/*/d", False),
        ("a/d", "a/**/d", True),
        ("nginx", "*", True),
        ("nginx", "**", True),
        ("x/nginx", "*", False),
    ],
)
def test_matches_pattern(image: str, pattern: str, expected: bool) -> None:
    assert matches_pattern(ImageRef.parse(image), pattern) is expected


# --- property tests --------------------------------------------------------------------

_domain_component = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", fullmatch=True)
_registries = st.one_of(
    st.none(),
    st.builds(
        lambda host, port: host + (f":{port}" if port is not None else ""),
        st.one_of(
            st.just("localhost"),
            st.lists(_domain_component, min_size=2, max_size=3).map(".".join),
        ),
        st.none() | st.integers(0, 65535),
    ),
)
_path_component = st.from_regex(
    r"[a-z0-9]{1,4}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,4}){0,2}", fullmatch=True
)
_tags = st.none() | st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_digests = st.none() | st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map("sha256:".__add__)


@st.composite
def _references(draw: st.DrawFn) -> str:
    registry = draw(_registries)
    parts = draw(st.lists(_path_component, min_size=1, max_size=4))
    if registry is None and len(parts) > 1 and (parts[0] == "localhost" or "." in parts[0]):
        parts[0] = "x"  # would be read as a registry
    text = (f"{registry}/" if registry else "") + "/".join(parts)
    tag, digest = draw(_tags), draw(_digests)
    return text + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


@settings(max_examples=300)
@given(_references())
def test_round_trip(text: str) -> None:
    ref = ImageRef.parse(text)
    assert str(ref) == text
    assert ImageRef.parse(str(ref)) == ref
    assert ImageRef.parse(ref.name).name == ref.name


def _parse_or_error(text: str) -> None:
    try:
        ref = ImageRef.parse(text)
    except ImageRefError:
        return
    assert str(ref) == text  # whatever parses must round-trip


@settings(max_examples=2000)
@given(st.text())
def test_fuzz_parse_only_raises_imagereferror(text: str) -> None:
    _parse_or_error(text)


@settings(max_examples=2000)
@given(st.text(alphabet="ab0./:@-_A$ {}\n", max_size=30))
def test_fuzz_near_valid(text: str) -> None:
    _parse_or_error(text)


@settings(max_examples=300)
@given(_references(), st.text(alphabet="ab*/.-?[]", max_size=12))
def test_fuzz_matches_pattern(text: str, pattern: str) -> None:
    assert isinstance(matches_pattern(ImageRef.parse(text), pattern), bool)
