"""What a vendored chart's templates say about its images, read line by line: a small
recogniser of the forms charts really write, not a template engine.

- How an empty tag renders: `{{ .Values.image.tag | default .Chart.AppVersion }}`,
  `default (printf "main-%s" .Chart.AppVersion)` (BerriAI's litellm-helm), other
  prefixes (`litellm_stable_release_branch-%s`), a literal default, or no default; in the
  `image:` line itself or in a `_helpers.tpl` helper it includes with the root context.
- Images written literally in a template (`image: ghcr.io/berriai/litellm:main-v1.74.7`):
  a site of their own, with the span that an edit replaces.
- `image:` lines the recogniser cannot read: kept, so that what they decide is unknown
  with the reason, never guessed."""

from __future__ import annotations

import posixpath
import re

from ...errors import InputError
from ...imageref import ImageRef, ImageRefError
from ...lazypattern import lazy
from ...model import YamlPath
from ...records import field, record
from ...yamlio.text import LineIndex, decode
from ..base import ScanContext

# An `image:` key (a container's, or a list item's) and its value up to the line's end.
_IMAGE = lazy(r"""(?m)^[ \t]*(?:-[ \t]+)?image:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$""")
_ACTION = lazy(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_DEFINE = lazy(r"""\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}""")
_OPENS = lazy(r"^(?:if|range|with|define|block)\b")
_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_TAG = rf"\$?\.Values\.(?P<path>{_PATH})\.tag"
_APP = r"\$?\.Chart\.AppVersion"
_FALLBACK = (
    rf"(?:(?P<app>{_APP})"
    rf"|\(\s*printf\s+\"(?P<pre>[^\"%\\]*)%s(?P<suf>[^\"%\\]*)\"\s+{_APP}\s*\)"
    rf"|\"(?P<lit>[^\"\\]*)\")"
)
_TAG_FORMS = (
    lazy(rf"^{_TAG}$"),
    lazy(rf"^{_TAG}\s*\|\s*default\s+{_FALLBACK}$"),
    lazy(rf"^default\s+{_FALLBACK}\s+{_TAG}$"),
)
_PRINTF = lazy(r'^printf\s+"(?P<fmt>[^"\\]*:%s)"\s+(?P<args>.+)$', re.S)
_INCLUDE = lazy(r'^(?:include|template)\s+"(?P<name>[^"]+)"\s+(?:\.|\$)$')
_TAG_NAMED = lazy(_TAG)


@record(frozen=True, slots=True)
class Where:
    file: str  # relative to the source root
    line: int
    col: int


@record(frozen=True, slots=True)
class TagRule:
    """How a template renders the tag at `path` + `.tag` when it is empty."""

    path: YamlPath  # the image mapping's values path, relative to the chart
    where: Where
    app: bool = False  # the fallback is prefix + appVersion + suffix
    prefix: str = ""
    suffix: str = ""
    literal: str | None = None  # a literal fallback
    # no `app` and no `literal`: no fallback, an empty tag renders empty

    def describe(self) -> str:
        if self.app:
            return f"{self.prefix}<appVersion>{self.suffix}"
        return repr(self.literal) if self.literal is not None else "nothing"

    def fallback(self, app_version: str | None) -> str | None:
        """The tag rendered for an empty one; None when it cannot be known."""
        if self.literal is not None:
            return self.literal
        if self.app:
            return f"{self.prefix}{app_version}{self.suffix}" if app_version else None
        return None


@record(frozen=True, slots=True)
class Unread:
    """An `image:` line whose expression the recogniser does not read."""

    where: Where
    text: str
    paths: tuple[YamlPath, ...]  # the `.Values.*.tag` paths it names, if any


@record(frozen=True, slots=True)
class Literal:
    """An image written literally in a template: `span` holds exactly `text`."""

    where: Where
    text: str
    span: tuple[int, int]  # character offsets in the decoded file


@record(frozen=True, slots=True)
class Named:
    """A template expression that names a component image in its literal text
    (`ghcr.io/berriai/litellm:{{ .Values.tag }}`): not a site, unknown when it is the
    component's only source."""

    where: Where
    text: str
    component: str


@record(slots=True)
class ChartTemplates:
    folder: str
    rules: list[TagRule] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    named: list[Named] = field(default_factory=list)
    image_lines: int = 0  # every `image:` line with a value

    def rules_for(self, path: YamlPath) -> list[TagRule]:
        return [r for r in self.rules if r.path == path]

    def unread_for(self, path: YamlPath) -> list[Unread]:
        """The unread lines that may decide the tag at `path`: those naming it, or, when
        none does, those naming no tag path at all (a helper given its own context)."""
        named = [u for u in self.unread if path in u.paths]
        return named or [u for u in self.unread if not u.paths]


def template_files(ctx: ScanContext, folder: str) -> list[str]:
    prefix = posixpath.join(folder, "templates") + "/"
    return [f for f in ctx.source.files() if f.startswith(prefix)]


def chart_templates(ctx: ScanContext, folder: str) -> ChartTemplates:
    """The chart's own templates (not its subcharts'), read once per scan."""
    key = f"helm-templates:{folder}"
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = _read(ctx, folder)
    assert isinstance(found, ChartTemplates)
    return found


def _read(ctx: ScanContext, folder: str) -> ChartTemplates:
    out = ChartTemplates(folder)
    texts: dict[str, str] = {}
    for rel in template_files(ctx, folder):
        data = ctx.source.read(rel)
        if b"image:" not in data and b"define" not in data:
            continue
        try:
            texts[rel] = decode(data, ctx.source.display(rel)).text
        except InputError:
            continue  # not text: Helm would not render it either
    defines: dict[str, str] = {}
    for text in texts.values():
        defines.update(_defines(text))
    for rel, text in sorted(texts.items()):
        index: LineIndex | None = None
        for m in _IMAGE.finditer(text):
            value = m.group("value")
            if not value or value.startswith(("#", "|", ">", "&", "*")):
                continue
            index = index or LineIndex(text)
            line, col = index.locate(m.start("value"))
            out.image_lines += 1
            _image_line(ctx, out, defines, Where(rel, line, col), value, m.start("value"))
    return out


def _image_line(
    ctx: ScanContext,
    out: ChartTemplates,
    defines: dict[str, str],
    where: Where,
    value: str,
    start: int,
) -> None:
    inner, offset = _unquote(value)
    if inner is None:
        return
    if "{{" not in inner:
        text = inner
        if text and not any(c.isspace() for c in text):
            col = where.col + offset
            out.literals.append(
                Literal(
                    Where(where.file, where.line, col),
                    text,
                    (start + offset, start + offset + len(text)),
                )
            )
        return
    rule = _rule(inner, defines, where)
    if rule is not None:
        out.rules.append(rule)
        return
    paths = tuple(
        tuple(m.group("path").split(".")) for m in _TAG_NAMED.finditer(_expand(inner, defines))
    )
    out.unread.append(Unread(where, value, paths))
    # The literal text around the actions, and the strings inside them.
    pieces = _ACTION.sub(" ", inner).split()
    pieces += [q for a in _ACTION.finditer(inner) for q in re.findall(r'"([^"\\]+)"', a.group(1))]
    for piece in pieces:
        component = _component_named(ctx, piece.strip(":/@"))
        if component is not None:
            out.named.append(Named(where, value, component))
            break


def _unquote(value: str) -> tuple[str | None, int]:
    """The value without its YAML quotes, and the offset of its first character; None
    when it is not one scalar on the line."""
    quote = value[0]
    if quote in "\"'":
        # (a templated value quotes inside its actions too: its closing quote is the last)
        end = value.rfind(quote) if "{{" in value else value.find(quote, 1)
        if end <= 0:
            return None, 0
        rest = value[end + 1 :].strip()
        if (rest and not rest.startswith("#")) or ("\\" in value[1:end] and "{{" not in value):
            return None, 0  # not one scalar, or escapes: the text is not the value
        return value[1:end], 1
    if "{{" not in value:
        value = re.split(r"\s#", value, maxsplit=1)[0].rstrip()
    return value, 0


def _defines(text: str) -> dict[str, str]:
    """`define` bodies, matched to their own `end` (nested blocks counted)."""
    out: dict[str, str] = {}
    for m in _DEFINE.finditer(text):
        depth = 1
        for action in _ACTION.finditer(text, m.end()):
            body = action.group(1)
            if _OPENS.match(body):
                depth += 1
            elif body == "end":
                depth -= 1
                if depth == 0:
                    out[m.group(1)] = text[m.end() : action.start()].strip()
                    break
    return out


def _expand(value: str, defines: dict[str, str]) -> str:
    """A value that is one `include` of a helper with the root context: the helper."""
    actions = list(_ACTION.finditer(value))
    if len(actions) == 1 and actions[0].group(0) == value.strip():
        m = _INCLUDE.match(_strip_pipes(actions[0].group(1)))
        if m is not None and m.group("name") in defines:
            return defines[m.group("name")]
    return value


def _strip_pipes(action: str) -> str:
    """`include "x" . | quote`: the pipes that do not change an image reference."""
    return re.sub(r"\s*\|\s*(?:quote|squote|trim|toString)\s*$", "", action)


def _rule(value: str, defines: dict[str, str], where: Where) -> TagRule | None:
    text = _expand(value, defines).strip()
    actions = list(_ACTION.finditer(text))
    if not actions or any(
        _OPENS.match(a.group(1)) or a.group(1) in ("else", "end") for a in actions
    ):
        return None
    last = actions[-1]
    if last.end() != len(text):
        return None  # something after the tag: it is not the whole tag
    if len(actions) == 1 and last.start() == 0:
        m = _PRINTF.match(_strip_pipes(last.group(1)))
        if m is None:
            return None
        tag_arg = _last_arg(m.group("args"))
        return _tag_rule(tag_arg, where) if tag_arg is not None else None
    if not text[: last.start()].endswith(":"):
        return None
    return _tag_rule(_strip_pipes(last.group(1)), where)


def _last_arg(args: str) -> str | None:
    """The last argument of a printf: one parenthesised expression or one word."""
    args = args.strip()
    if args.endswith(")"):
        depth = 0
        for i in range(len(args) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(args[i], 0)
            if depth == 0:
                return args[i:]
        return None
    if "|" in args:
        return None  # a pipe after printf's arguments would take the whole result
    return args.split()[-1]


def _tag_rule(expr: str, where: Where) -> TagRule | None:
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        expr = expr[1:-1].strip()
    for form in _TAG_FORMS:
        m = form.match(expr)
        if m is None:
            continue
        path = tuple(m.group("path").split("."))
        groups = m.groupdict()
        if groups.get("lit") is not None:
            return TagRule(path, where, literal=groups["lit"])
        if groups.get("app") is not None or groups.get("pre") is not None:
            return TagRule(
                path,
                where,
                app=True,
                prefix=groups.get("pre") or "",
                suffix=groups.get("suf") or "",
            )
        return TagRule(path, where)
    return None


def _component_named(ctx: ScanContext, text: str) -> str | None:
    if not text or "/" not in text and ":" not in text:
        return None
    try:
        return ctx.rules.component_of(ImageRef.parse(text))
    except ImageRefError:
        return None


def literal_components(ctx: ScanContext, folder: str) -> dict[str, list[Literal]]:
    """The component images written literally in the chart's templates."""
    out: dict[str, list[Literal]] = {}
    for lit in chart_templates(ctx, folder).literals:
        component = _component_named(ctx, lit.text)
        if component is not None:
            out.setdefault(component, []).append(lit)
    return out
