"""The docs stay true to the code: docs/lint-codes.md is what the lint rule modules say
(compared at test time, so a new or changed rule module fails here until `scripts/gen-docs`
is run), every relative link in the README and docs/ points at a file that exists, and the
README stays a newcomer's page."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

from conftest import ROOT

DOCS = ROOT / "docs"


def _generator():
    script = ROOT / "scripts" / "lint_codes_doc.py"
    spec = importlib.util.spec_from_file_location("lint_codes_doc", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lint_codes_doc_is_generated_from_the_rule_modules() -> None:
    from litemaas_upgrade.lint.rules import all_rules

    expected = _generator().lint_codes_markdown()
    actual = (DOCS / "lint-codes.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/lint-codes.md is out of date: run scripts/gen-docs"
    for rule in all_rules():
        assert f"\n## {rule.CODE}\n\n`{rule.NAME}`, {rule.SEVERITY}.\n" in actual
        assert rule.EXPLANATION.strip() in actual


def test_gen_docs_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    gen = _generator()
    stale = tmp_path / "lint-codes.md"
    stale.write_text("# Lint codes\n")
    gen.OUT = stale
    assert gen.main(["gen", "--check"]) == 1
    assert gen.main(["gen"]) == 0
    assert gen.main(["gen", "--check"]) == 0
    assert stale.read_text() == gen.lint_codes_markdown()


LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_relative_links_point_at_files_that_exist() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    assert {p.name for p in pages} >= {
        "README.md", "commands.md", "lint-codes.md", "rules-format.md", "security.md",
        "architecture.md", "speed.md",
    }
    checked = 0
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{page.relative_to(ROOT)}: broken link {target}"
            checked += 1
    assert checked >= 15


def test_readme_is_a_newcomers_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) < 9_000
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["bash scripts/demo", "bash scripts/test"]
    for script in ("demo", "test", "setup", "gen-docs"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, script
    # The lint codes are not listed in the README: it links to the generated page.
    assert not re.search(r"^\| LU0\d\d", text, re.M)
    assert "docs/lint-codes.md" in text


def test_the_shell_scripts_parse() -> None:
    for script in ("demo", "test", "setup", "gen-docs"):
        subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], check=True)
