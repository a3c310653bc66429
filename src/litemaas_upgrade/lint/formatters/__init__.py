"""Lint output formats, apart from the rules: each module has `render(result, ...)`,
returning the text to print on standard output."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github", "rdjson", "codeclimate")

