"""No secret of the corpus in tests/data/secret_shapes.yaml (more than 90 shapes: keys,
URLs, flags, headers, Secrets in Lists, YAML inside strings, templates, files that do not
parse) shows in any diff format or in `apply --dry-run`, whether the secret line changed
or is only context; `--show-secrets` shows every one (so the checks are not vacuous)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import git, init_repo, write

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "secret_shapes.yaml").read_text())
FORMATS = ("unified", "markdown", "jsonpatch", "json")
BACKEND = (
    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\nspec:\n"
    "  template:\n    spec:\n      containers:\n      - name: backend\n"
    "        image: quay.io/rh-aiservices-bu/litemaas-backend:{tag}\n"
)


def secret_of(i: int, case: dict) -> str:
    return str(case.get("secret") or f"Qz{i:03d}Hidden{i:03d}")


def fill(case: dict, secret: str, rev: int, backend: bool = False) -> str:
    text = case["text"].replace("{S}", secret)
    comment = "#" if not case["file"].endswith(".json") else None
    if comment:
        text += f"# rev {rev}\n"
    if backend:
        text += BACKEND.format(tag="0.1.3")
    return text


def make_repo(tmp_path: Path, changed_secret: bool, backend: bool = False) -> Path:
    repo = tmp_path / "repo"
    for i, case in enumerate(CORPUS):
        if backend and not case.get("manifest"):
            continue
        write(repo / f"c{i:03d}" / case["file"], fill(case, secret_of(i, case), 1, backend))
    init_repo(repo)
    for i, case in enumerate(CORPUS):
        if backend and not case.get("manifest"):
            continue
        secret = secret_of(i, case) + ("Zz9" if changed_secret else "")
        rev = 1 if changed_secret else 2
        if case["file"].endswith(".json") and not changed_secret:
            continue  # JSON takes no comment: its secret changes in the other run
        write(repo / f"c{i:03d}" / case["file"], fill(case, secret, rev, backend))
    return repo


def test_corpus_is_large_and_distinct() -> None:
    assert len(CORPUS) >= 90
    assert len({c["name"] for c in CORPUS}) == len(CORPUS)
    assert all("{S}" in c["text"] for c in CORPUS)


@pytest.mark.parametrize("changed_secret", [True, False], ids=["secret-changed", "context"])
def test_no_corpus_secret_in_any_diff_format(cli, tmp_path: Path, changed_secret: bool) -> None:
    repo = make_repo(tmp_path, changed_secret)
    shown = cli("diff", ".", "--base", "HEAD", "--context", "100", "--show-secrets", cwd=repo)
    assert shown.code == 0, shown.err
    missing = [c["name"] for i, c in enumerate(CORPUS)
               if secret_of(i, c) not in shown.out
               and (changed_secret or not c["file"].endswith(".json"))]
    assert not missing, f"not in the diff at all (the check would be vacuous): {missing}"
    for fmt in FORMATS:
        result = cli("diff", ".", "--base", "HEAD", "--context", "100", "--format", fmt,
                     cwd=repo)
        assert result.code == 0, (fmt, result.err)
        leaked = [c["name"] for i, c in enumerate(CORPUS)
                  if secret_of(i, c) in result.out + result.err]
        assert not leaked, (fmt, leaked)


def test_no_corpus_secret_in_apply_dry_run(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, changed_secret=False, backend=True)
    git(repo, "commit", "-qam", "rev 2")
    cases = [(i, c) for i, c in enumerate(CORPUS) if c.get("manifest")]
    assert len(cases) >= 30
    shown = cli("apply", ".", "--phase", "1", "--dry-run", "--show-secrets", "--context",
                "100", cwd=repo)
    assert shown.code == 0, shown.err
    missing = [c["name"] for i, c in cases if secret_of(i, c) not in shown.out]
    assert not missing, f"apply does not edit these files (vacuous): {missing}"
    result = cli("apply", ".", "--phase", "1", "--dry-run", "--context", "100", cwd=repo)
    assert result.code == 0, result.err
    leaked = [c["name"] for i, c in cases if secret_of(i, c) in result.out + result.err]
    assert not leaked, leaked
    assert "<redacted>" in result.out
    assert "--show-secrets prints the real lines" in result.err
    # the default context shows the lines next to the image, secrets hidden all the same
    default = cli("apply", ".", "--phase", "1", "--dry-run", cwd=repo)
    assert not [c["name"] for i, c in cases if secret_of(i, c) in default.out]
