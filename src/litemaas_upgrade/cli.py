"""The command line. Only option parsing lives here; each subcommand's work is in
`commands/<name>.py`, imported when that subcommand runs so start-up stays quick."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from . import guard

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def rules_option(f: F) -> F:
    return click.option(
        "--rules",
        "rules_file",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Rules file to use instead of every shipped rule set (docs/rules-format.md).",
    )(f)


def target_options(f: F) -> F:
    f = click.option(
        "--values",
        "values",
        multiple=True,
        metavar="FILE",
        help="Helm override file, repeatable, layered in order (-f a -f b): one explicit target.",
    )(f)
    f = click.option("--chart", "charts", multiple=True, metavar="DIR", help="Helm chart folder.")(
        f
    )
    return rules_option(f)


def to_option(f: F) -> F:
    return click.option(
        "--to",
        "to",
        metavar="VERSION",
        help="LiteMaaS release to upgrade to, through every published guide on the way "
        "(default: the latest the shipped rules know; see `litemaas-upgrade rules`).",
    )(f)


def paths_argument(f: F) -> F:
    return click.argument("paths", nargs=-1, type=click.Path())(f)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .versioninfo import text

    click.echo(text(), nl=False)
    ctx.exit()


@click.group(context_settings=CONTEXT)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version, the shipped rule sets' and the chart catalog's, and exit.",
)
def cli() -> None:
    """Plan, apply, diff and lint the two-phase LiteMaaS upgrade in a deployment repository.

    Phase 1 moves the LiteMaaS backend and frontend with LiteLLM pinned; phase 2 moves
    LiteLLM. Offline: everything comes from the files.

    \b
    Example:
      litemaas-upgrade scan .
      litemaas-upgrade plan . --out upgrade/
    """


def _inputs(
    paths: tuple[str, ...],
    rules_file: str | None,
    charts: tuple[str, ...] = (),
    values: tuple[str, ...] = (),
    tags: dict[str, str | None] | None = None,
    to: str | None = None,
) -> Any:
    from .commands.common import Inputs

    return Inputs(
        list(paths) or ["."],
        rules_file,
        list(charts),
        list(values),
        {k: v for k, v in (tags or {}).items() if v},
        to,
    )


@cli.command(context_settings=CONTEXT)
@paths_argument
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@target_options
@to_option
def scan(
    paths: tuple[str, ...],
    fmt: str,
    rules_file: str | None,
    charts: tuple[str, ...],
    values: tuple[str, ...],
    to: str | None,
) -> None:
    """List each target's effective images, where they are decided, and its stage.

    \b
    Example:
      litemaas-upgrade scan .
      litemaas-upgrade scan deploy/ --format json
      litemaas-upgrade scan . --chart charts/litemaas \\
          --values envs/common.yaml --values envs/prod.yaml
    """
    from .commands import scan as command

    raise SystemExit(command.run(_inputs(paths, rules_file, charts, values, to=to), fmt))


def _tags(backend: str | None, frontend: str | None, litellm: str | None) -> dict[str, str | None]:
    """--backend-tag, --frontend-tag, --litellm-tag by the component they set."""
    return {"backend": backend, "frontend": frontend, "litellm": litellm}


def context_option(help_text: str) -> Callable[[F], F]:
    """--context N, as `diff -U N` (apply --dry-run and diff)."""
    return click.option(
        "--context",
        "context_lines",
        type=click.IntRange(0),
        default=3,
        show_default=True,
        help=help_text,
    )


def tag_options(f: F) -> F:
    # Each sets the last phase that moves its component (Rules.with_targets).
    last = "of the last phase that moves it (default: rules)."
    f = click.option("--litellm-tag", metavar="T", help=f"LiteLLM tag {last}")(f)
    f = click.option("--frontend-tag", metavar="T", help=f"Frontend tag {last}")(f)
    return click.option("--backend-tag", metavar="T", help=f"Backend tag {last}")(f)


@cli.command(context_settings=CONTEXT)
@paths_argument
@click.option("--out", required=True, metavar="DIR", help="Folder to write the plan into.")
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@tag_options
@target_options
@to_option
def plan(
    paths: tuple[str, ...],
    out: str,
    force: bool,
    backend_tag: str | None,
    frontend_tag: str | None,
    litellm_tag: str | None,
    rules_file: str | None,
    charts: tuple[str, ...],
    values: tuple[str, ...],
    to: str | None,
) -> None:
    """Write every phase as files, diffs, plan.json and RUNBOOK.md: the phases of each
    upgrade guide from where the repository is to --to (default: the latest release the
    shipped rules know), numbered in order.

    \b
    Example:
      litemaas-upgrade plan . --out upgrade/
      litemaas-upgrade plan . --out upgrade/ --to 0.2.0
      cd repo && git apply upgrade/phase-1.diff
    """
    from .commands import plan as command

    tags = _tags(backend_tag, frontend_tag, litellm_tag)
    raise SystemExit(
        command.run(_inputs(paths, rules_file, charts, values, tags, to), out, force)
    )


@cli.command(context_settings=CONTEXT)
@paths_argument
@click.option("--phase", type=int, required=True, help="Phase to apply (as plan numbers them).")
@click.option("--dry-run", is_flag=True, help="Print the diff instead of editing.")
@click.option(
    "--show-secrets", is_flag=True, help="With --dry-run: show secret values (hidden by default)."
)
@context_option("With --dry-run: lines of context in the diff.")
@tag_options
@target_options
@to_option
def apply(
    paths: tuple[str, ...],
    phase: int,
    dry_run: bool,
    show_secrets: bool,
    context_lines: int,
    backend_tag: str | None,
    frontend_tag: str | None,
    litellm_tag: str | None,
    rules_file: str | None,
    charts: tuple[str, ...],
    values: tuple[str, ...],
    to: str | None,
) -> None:
    """Edit the repository in place for one phase (all files or none).

    \b
    Example:
      litemaas-upgrade apply . --phase 1
      litemaas-upgrade apply . --phase 2 --dry-run
    """
    from .commands import apply as command

    tags = _tags(backend_tag, frontend_tag, litellm_tag)
    raise SystemExit(
        command.run(
            _inputs(paths, rules_file, charts, values, tags, to),
            phase,
            dry_run,
            show_secrets,
            context_lines,
        )
    )


@cli.command(context_settings=CONTEXT)
@paths_argument
@click.option("--base", metavar="REV", help="Compare the repository at REV with the work tree.")
@click.option("--phase", type=int, help="Compare the repository with its planned phase.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["unified", "markdown", "json", "jsonpatch"]),
    default="unified",
    show_default=True,
)
@click.option("--rendered", is_flag=True, help="Compare rendered manifests (helm / kustomize).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes.")
@context_option("Lines of context in unified diffs.")
@click.option("--show-secrets", is_flag=True, help="Show secret values (hidden by default).")
@click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True
)
@click.option(
    "--ignore-label",
    "ignore_labels",
    multiple=True,
    metavar="KEY",
    help="Label to ignore in rendered diffs (default: chart-noise labels).",
)
@tag_options
@target_options
@to_option
def diff(
    paths: tuple[str, ...],
    base: str | None,
    phase: int | None,
    fmt: str,
    rendered: bool,
    exit_code: bool,
    context_lines: int,
    show_secrets: bool,
    color: str,
    ignore_labels: tuple[str, ...],
    backend_tag: str | None,
    frontend_tag: str | None,
    litellm_tag: str | None,
    rules_file: str | None,
    charts: tuple[str, ...],
    values: tuple[str, ...],
    to: str | None,
) -> None:
    """Show what a change (--base REV) or a phase (--phase N) does to the deployments.

    \b
    Example:
      litemaas-upgrade diff . --phase 1 --format markdown
      litemaas-upgrade diff . --base origin/main --rendered --format json
    """
    from .commands import diff as command

    tags = _tags(backend_tag, frontend_tag, litellm_tag)
    raise SystemExit(
        command.run(
            _inputs(paths, rules_file, charts, values, tags, to),
            base=base,
            phase=phase,
            fmt=fmt,
            rendered=rendered,
            exit_code=exit_code,
            context=context_lines,
            show_secrets=show_secrets,
            color=color,
            ignore_labels=list(ignore_labels),
        )
    )


@cli.command(context_settings=CONTEXT)
@paths_argument
@click.option("--base", metavar="REV", help="Also check each target's move from REV (git).")
@click.option("--plan", "plan_file", metavar="FILE", help="Check a plan.json step by step.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github", "rdjson", "codeclimate"]),
    default="text",
    show_default=True,
)
@click.option("--fail-on-warn", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--show-suppressed", is_flag=True, help="List suppressed findings too.")
@click.option("--explain", metavar="CODE", help="Explain a finding code and exit.")
@target_options
def lint(
    paths: tuple[str, ...],
    base: str | None,
    plan_file: str | None,
    fmt: str,
    fail_on_warn: bool,
    show_suppressed: bool,
    explain: str | None,
    rules_file: str | None,
    charts: tuple[str, ...],
    values: tuple[str, ...],
) -> None:
    """Refuse states and changes that upgrade LiteLLM before the LiteMaaS backend.

    PATHs may be folders, or files (as a pre-commit hook passes them).

    \b
    Example:
      litemaas-upgrade lint .
      litemaas-upgrade lint . --base origin/main --format sarif > lint.sarif
      litemaas-upgrade lint --plan upgrade/plan.json
      litemaas-upgrade lint --explain LU001
    """
    from .commands import lint as command

    raise SystemExit(
        command.run(
            _inputs(paths, rules_file, charts, values),
            base=base,
            plan_file=plan_file,
            fmt=fmt,
            fail_on_warn=fail_on_warn,
            show_suppressed=show_suppressed,
            explain=explain,
        )
    )


@cli.command("rules", context_settings=CONTEXT)
@rules_option
@click.option("--to", "to", metavar="VERSION", help="Chain the shipped rules up to this release.")
def rules_cmd(rules_file: str | None, to: str | None) -> None:
    """Print the rules in force (validated): the chain of shipped rule sets, one per
    upgrade guide, with its phases numbered as plan numbers them, then each file.

    \b
    Example:
      litemaas-upgrade rules
      litemaas-upgrade rules --to 0.2.0 > my-rules.yaml
      litemaas-upgrade rules --rules my-rules.yaml
    """
    from .commands import rules as command

    if rules_file is not None and to is not None:
        from .errors import UsageError

        raise UsageError("--to chains the shipped rules; a --rules file replaces them all")
    raise SystemExit(command.run(rules_file, to))


def main() -> None:
    guard.run(_main)


def _main() -> None:
    try:
        cli.main(prog_name="litemaas-upgrade", standalone_mode=False)
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(2) from None
    except click.exceptions.Abort as exc:  # click's form of a KeyboardInterrupt
        guard.interrupted(exc.__cause__)
