"""The start-up shortcut of yamlio/pyyaml_import.py changes nothing PyYAML matches."""

from __future__ import annotations

import re
import subprocess
import sys

from litemaas_upgrade.yamlio.pyyaml_import import NON_PRINTABLE, NOT_PRINTABLE

EVERY_CODE_POINT = "".join(map(chr, range(0x110000)))


def test_both_patterns_match_the_same_code_points() -> None:
    theirs = re.compile(NON_PRINTABLE).findall(EVERY_CODE_POINT)
    ours = re.compile(NOT_PRINTABLE).findall(EVERY_CODE_POINT)
    assert ours == theirs
    # C0 controls but tab and line breaks, DEL and C1 controls but NEL, surrogates, U+FFFE/F
    assert len(ours) == 29 + 32 + 2048 + 2


def _in_fresh_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_pyyaml_still_compiles_the_pattern_seeded() -> None:
    # If PyYAML ever writes another pattern, the seed is never looked up (harmless but
    # useless): this says so.
    code = "import yaml.reader; print(ascii(yaml.reader.Reader.NON_PRINTABLE.pattern))"
    pattern = _in_fresh_python(code)
    assert pattern == ascii(NON_PRINTABLE)


def test_reading_yaml_seeds_the_equivalent_pattern() -> None:
    code = (
        "from litemaas_upgrade.yamlio import YamlFile; YamlFile.parse(b'a: 1\\n', 'x.yaml');"
        "import yaml.reader; print(ascii(yaml.reader.Reader.NON_PRINTABLE.pattern))"
    )
    assert _in_fresh_python(code) == ascii(NOT_PRINTABLE)
