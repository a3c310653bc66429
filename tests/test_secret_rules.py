"""The widened secret rules, each shape on its own, and redaction in linear time."""

from __future__ import annotations

import time

import pytest

from litemaas_upgrade.diff.secret_text import _cached_spans, url_password_spans
from litemaas_upgrade.diff.secrets import (
    is_secret_key,
    is_secret_scalar_key,
    line_masks,
    mask_string,
    mask_text,
    redact_at,
)


@pytest.mark.parametrize(
    "key",
    ["dbPass", "adminPass", "DB_PASS", "PGPASS", "PGPASSWORD", "creds", "registryCreds",
     "privateKeyPem", "masterKeyB64", "passPhrase", "clientSecret", "bearerToken"],
)
def test_widened_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["auth", "authorization", "bearer", "basicAuth", "redisAuth"])
def test_scalar_only_secret_keys(key: str) -> None:
    """`auth: <value>` is a secret; `auth:` holding a mapping lets its own keys decide."""
    assert is_secret_scalar_key(key)
    assert not is_secret_key(key)
    doc = {key: {"masterKey": "mk-1", "uiUsername": "admin"}, "other": {key: "scalar-2"}}
    shown = redact_at(doc, (), doc)
    assert shown[key] == {"masterKey": "<redacted>", "uiUsername": "admin"}
    assert shown["other"][key] == "<redacted>"


@pytest.mark.parametrize(
    "key", ["bypass", "compass", "passthrough", "authEnabled", "authType", "secretName",
            "passwordFile", "imagePullSecrets", "publicKey", "maxTokens", "key"],
)
def test_keys_that_stay_visible(key: str) -> None:
    assert not is_secret_scalar_key(key)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://app:p@ss@db:5432/x", "p@ss"),
        ("postgresql://app:pa/ss@db:5432/x", "pa/ss"),
        ("redis://:a@b/c@cache:6379/0", "a@b/c"),
        ("mongodb+srv://admin:pw1@c.example.net/db", "pw1"),
        ("jdbc:postgresql://u:pw2@h/db", "pw2"),
    ],
)
def test_url_passwords_with_at_and_slash(text: str, secret: str) -> None:
    assert secret not in mask_string(text)
    assert "<redacted>" in mask_string(text)


def test_image_digests_and_ports_are_not_passwords() -> None:
    for text in ("oci://registry.example.com:5000/litellm@sha256:abcdef",
                 "https://example.com:8443/path", "http://host/a@b"):
        assert url_password_spans(text) == [], text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("litellm --master-key sk-1 --port 4000", "litellm --master-key <redacted> --port 4000"),
        ("run --db-password=pw --x=1", "run --db-password=<redacted> --x=1"),
        ("Authorization: Bearer tok-2", "Authorization: Bearer <redacted>"),
        ("Basic dXNlcjpwYXNz", "Basic <redacted>"),
        ("log in with password: pw3 today", "log in with password: <redacted> today"),
        ("PGPASS=pw4", "PGPASS=<redacted>"),
    ],
)
def test_one_line_shapes(text: str, shown: str) -> None:
    assert mask_string(text) == shown


def test_two_argument_flag_in_a_list() -> None:
    doc = {"args": ["--db-password", "pw-5", "--port", "4000"]}
    assert redact_at(doc, (), doc) == {"args": ["--db-password", "<redacted>", "--port", "4000"]}


def test_secret_inside_a_list_object() -> None:
    doc = {"kind": "List", "items": [{"kind": "Secret", "data": {"k": "c2Vj"}},
                                     {"kind": "ConfigMap", "data": {"k": "visible"}}]}
    shown = redact_at(doc, (), doc)
    assert shown["items"][0]["data"] == {"k": "<redacted>"}
    assert shown["items"][1]["data"] == {"k": "visible"}


def test_yaml_inside_a_string_keeps_its_other_lines() -> None:
    text = ("spec:\n  source:\n    helm:\n      values: |\n        image:\n          tag: 0.2.0\n"
            "        auth:\n          masterKey: sk-6\n")
    masks = line_masks(text, "app.yaml")
    assert masks == {7: "          masterKey: <redacted>\n"}


def test_template_secret_is_hidden_line_by_line() -> None:
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\n"
            "data:\n  {{- range $k, $v := .Values.extra }}\n  fixed: c2VjcmV0\n  {{- end }}\n"
            "type: Opaque\n")
    shown = mask_text(text, "templates/secret.yaml")
    assert "c2VjcmV0" not in shown
    assert "  fixed: <redacted>\n" in shown
    assert "type: Opaque\n" in shown and "name: {{ .Release.Name }}" in shown


def test_crlf_lines_keep_their_endings() -> None:
    text = "a: 1\r\npassword: pw-7\r\nb: 2\r\n"
    assert mask_text(text, "v.yaml") == "a: 1\r\npassword: <redacted>\r\nb: 2\r\n"


@pytest.mark.parametrize(
    "scalar",
    [
        "a" * 4_500_000,  # the case: one long scalar
        "a:" * 2_250_000,
        "-" * 4_500_000,
        "x" * 4_499_990 + "://u:p@h",
    ],
    ids=["letters", "colons", "dashes", "url-at-end"],
)
def test_redaction_is_linear_on_a_long_scalar(scalar: str) -> None:
    text = f"key: {scalar}\n"
    start = time.process_time()
    mask_text(text, "notes.txt")  # the line rules
    mask_string(scalar)  # a scalar of a YAML file, a JSON patch value
    assert time.process_time() - start < 1.0  # two passes over 4.5 MB; were minutes


def test_a_values_file_with_a_long_scalar_is_masked_in_well_under_a_second() -> None:
    text = "backend:\n  password: pw-8\nnote: " + "a" * 4_500_000 + "\n"
    start = time.process_time()
    shown = mask_text(text, "values.yaml")  # the YAML reading and the line rules
    assert time.process_time() - start < 1.0
    assert "pw-8" not in shown


def test_redaction_time_grows_linearly() -> None:
    """Eight times the text takes about eight times the time, far from the 64 times of a
    quadratic scan: dense shapes too (the best of two runs: the machine is shared)."""
    def cost(n: int) -> float:
        text = "x: '" + "a=b u://a:b@h Bearer t --db-password p " * n + "'\n"
        best = float("inf")
        for _ in range(2):
            _cached_spans.cache_clear()  # each run scans afresh
            start = time.process_time()
            mask_text(text, "v.yaml")
            best = min(best, time.process_time() - start)
        return best

    small, large = cost(4_000), cost(32_000)
    assert large < small * 8 * 3  # linear: ~8x; quadratic: ~64x


def test_a_mapping_under_auth_keeps_its_plain_keys_in_every_reading() -> None:
    """`auth:` holding a mapping is judged by its keys, in a file that parses and in one
    that does not (line by line) alike; `creds:` hides its whole block."""
    for tail in ("", "broken: [\n"):
        text = "auth:\n  masterKey: mk-9\n  uiUsername: admin\ncreds:\n  user: u-9\n" + tail
        shown = mask_text(text, "values.yaml")
        assert "mk-9" not in shown and "u-9" not in shown, tail
        assert "  uiUsername: admin\n" in shown, tail
