"""Time litemaas-upgrade on synthetic repositories, against what a user runs instead.

    .venv/bin/python bench/run.py [--sizes 100,1000,10000] [--work DIR] [--readme bench/README.md]

For each size N, `bench/generate.py` makes a repository (N Helm targets, N Kustomize build
roots, N/10 compose files), one override file gets the phase-1 edit (backend and frontend
to 0.2.0) and is staged, and then, in the same run on the same repository:

- `litemaas-upgrade scan`, `plan`, `lint` (whole repository, and pre-commit mode: the one
  changed file as the only argument), `diff --phase 1`, and `scan` of the Kustomize folder;
- `yamllint` on the changed file (the usual YAML pre-commit hook);
- `kubectl kustomize` on each build root (what a CI job renders to find images); above
  `--kubectl-max` roots, an even sample of them, scaled up to all roots (marked "est.").

Each command is a child process; its wall time comes from the clock around it and its
peak memory from the kernel's accounting of that child (`os.wait4`, ru_maxrss). Quick
commands run several times and report the median. A subcommand the installed tool does
not have yet is reported as "n/a". Timing is not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (bench/ is scripts, not a package)

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
FLOOR = "floor: python + deps, 1 parse"
# What `lint FILE` cannot do without: the interpreter, PyYAML (libyaml), the standard
# modules it reads files and runs git with, and one parse of the changed file.
FLOOR_CODE = (
    "import sys, pathlib, subprocess, yaml\n"
    "events = yaml.CParser(open(sys.argv[1], encoding='utf-8').read())\n"
    "while events.get_event() is not None:\n"
    "    pass\n"
)

# Children run as installed tools do: with their bytecode cached. (Some sandboxes set
# PYTHONDONTWRITEBYTECODE, which makes an editable install recompile itself on every run.)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Measure:
    name: str
    n: int
    runs: int = 0
    seconds: float | None = None  # median wall time
    cpu: float | None = None  # median CPU time (user + system) of the child and its children
    peak_mb: float | None = None  # max over the runs
    status: str = "ok"  # ok | n/a | failed (...) | timeout | skipped (...) | est.
    exit_codes: list[int] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # targets found, for scans
    note: str = ""


def run_child(argv: list[str], cwd: Path, timeout: float, stdout: object = subprocess.DEVNULL
              ) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, last stderr line) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=CHILD_ENV)
    assert proc.stderr is not None
    deadline = t0 + timeout
    err = b""
    try:
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                proc.kill()
                raise TimeoutError
            if sel.select(timeout=min(left, 1.0)):
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                err = (err + chunk)[-4096:]
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        proc.stderr.close()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else ""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.tool = str(Path(args.tool).resolve())
        self.work = Path(args.work)
        self.deadline = time.monotonic() + args.budget
        self.timeout = args.timeout
        self.kubectl_max = args.kubectl_max
        self.results: list[Measure] = []
        self.commands = self._available()

    def _available(self) -> set[str]:
        """Subcommands whose module the installed tool really has (--help lists them all)."""
        py = Path(self.tool).with_name("python")
        code = (
            "import importlib.util as u\n"
            "for c in ('scan','plan','lint','diff','apply'):\n"
            "    print(c, u.find_spec('litemaas_upgrade.commands.' + c) is not None)\n"
        )
        out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
        return {ln.split()[0] for ln in out.stdout.splitlines() if ln.endswith("True")}

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def measure(self, name: str, n: int, argv: list[str], cwd: Path, repeat: int = 1,
                needs: str | None = None, stdout: object = subprocess.DEVNULL,
                min_left: float = 0.0) -> Measure:
        m = Measure(name, n)
        self.results.append(m)
        if needs is not None and needs not in self.commands:
            m.status = "n/a"
            m.note = f"`{needs}` is not in this build"
            return m
        if self.left() < min_left:
            m.status = "skipped (time budget)"
            return m
        walls, cpus, peaks = [], [], []
        for _ in range(repeat):
            try:
                limit = min(self.timeout, max(self.left(), 1))
                wall, cpu, peak, code, last = run_child(argv, cwd, limit, stdout)
            except TimeoutError:
                m.status = "timeout"
                m.note = f"killed after {limit:.0f} s (per-command timeout or the run's budget)"
                return m
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            m.exit_codes.append(code)
            if code not in (0, 1):
                m.status = f"failed (exit {code})"
                m.note = last[:200]
                break
        m.runs = len(walls)
        m.seconds = statistics.median(walls)
        m.cpu = statistics.median(cpus)
        m.peak_mb = max(peaks)
        progress(f"  {name:<28} {fmt_s(m.seconds):>9} {m.peak_mb:7.0f} MB  {m.status}")
        return m

    def alternate(self, commands: list[tuple[str, list[str]]], n: int, cwd: Path, repeat: int,
                  needs: str) -> list[Measure]:
        """Quick commands whose ratios are reported, run in turn (after one unmeasured run of
        each, which also writes their bytecode) so that a change of load on a shared
        machine weighs on all of them alike. The last one needs subcommand `needs`."""
        for _name, argv in commands:
            run_child(argv, cwd, self.timeout)
        ms = []
        for name, _argv in commands:
            m = Measure(name, n)
            self.results.append(m)
            ms.append(m)
        if needs not in self.commands:
            ms[-1].status, ms[-1].note = "n/a", f"`{needs}` is not in this build"
        samples: list[list[tuple[float, float, float]]] = [[] for _ in commands]
        for _ in range(repeat):
            for i, (m, (_name, argv)) in enumerate(zip(ms, commands, strict=True)):
                if m.status != "ok":
                    continue
                wall, cpu, peak, code, last = run_child(argv, cwd, self.timeout)
                m.exit_codes.append(code)
                if code not in (0, 1):
                    m.status, m.note = f"failed (exit {code})", last[:200]
                    continue
                samples[i].append((wall, cpu, peak))
        for m, got in zip(ms, samples, strict=True):
            if got:
                m.runs = len(got)
                m.seconds = statistics.median(w for w, _c, _p in got)
                m.cpu = statistics.median(c for _w, c, _p in got)
                m.peak_mb = max(p for _w, _c, p in got)
                progress(f"  {m.name:<28} {fmt_s(m.seconds):>9} {m.peak_mb:7.0f} MB  {m.status}")
        return ms

    def scan(self, name: str, n: int, path: str, repo: Path) -> Measure:
        """`scan --format json`, noting how many targets of each kind it found."""
        out = self.work / "scan.json"
        with open(out, "wb") as fh:
            m = self.measure(name, n, [self.tool, "scan", path, "--format", "json"], repo, 1,
                             "scan", fh)
        if m.status == "ok":
            kinds: dict[str, int] = {}
            for t in json.loads(out.read_text(encoding="utf-8"))["targets"]:
                kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
            m.kinds = kinds
            m.note = "found " + (", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
                                 or "no targets")
        return m

    def kubectl(self, n: int, repo: Path, roots: list[str], name: str) -> Measure:
        m = Measure(name, n)
        self.results.append(m)
        if shutil.which("kubectl") is None:
            m.status = "n/a"
            m.note = "kubectl not on PATH"
            return m
        step = max(1, -(-len(roots) // self.kubectl_max))
        sample = roots[::step]
        total, cpu_total, peak, done = 0.0, 0.0, 0.0, 0
        for root in sample:
            if self.left() < 30:
                break
            wall, cpu, rss, code, last = run_child(["kubectl", "kustomize", root], repo,
                                                   self.timeout)
            if code != 0:
                m.status = f"failed (exit {code})"
                m.note = f"{root}: {last[:200]}"
                return m
            total += wall
            cpu_total += cpu
            peak = max(peak, rss)
            done += 1
        if not done:
            m.status = "skipped (time budget)"
            return m
        m.runs = done
        m.seconds = total / done * len(roots)
        m.cpu = cpu_total / done * len(roots)
        m.peak_mb = peak
        if done < len(roots):
            m.status = "est."
            m.note = f"{done} of {len(roots)} roots run, scaled to all"
        progress(f"  {name:<28} {fmt_s(m.seconds):>9} {m.peak_mb:7.0f} MB  {m.status} {m.note}")
        return m


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def stage_change(repo: Path, rel: str) -> None:
    """The phase-1 edit a person would commit: backend and frontend to 0.2.0, LiteLLM kept."""
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    new = text.replace(f"'{generate.OLD}'", f"'{generate.NEW}'").replace(
        f'"{generate.OLD}"', f'"{generate.NEW}"'
    )
    assert new != text, rel
    path.write_text(new, encoding="utf-8")
    subprocess.run(["git", "add", rel], cwd=repo, check=True)


def bench_size(b: Bench, n: int) -> None:
    repo = b.work / f"repo-{n}"
    if repo.exists():
        shutil.rmtree(repo)
    progress(f"N = {n}: generating {repo}")
    t0 = time.perf_counter()
    manifest = generate.generate(repo, n)
    progress(f"  generated in {time.perf_counter() - t0:.1f} s")
    stage_change(repo, manifest["changed"])
    tool = b.tool
    changed = manifest["changed"]
    out = b.work / f"plan-{n}"
    quick = 15 if n <= 100 else 5 if n <= 1000 else 3
    progress(f"  load average {os.getloadavg()[0]:.1f}")

    # What a user runs instead, and the pre-commit hook, first: they are quick.
    python = str(Path(tool).with_name("python"))
    b.alternate([
        ("yamllint (changed file)", [str(Path(tool).with_name("yamllint")), changed]),
        # The floor under lint FILE (FLOOR_CODE).
        (FLOOR, [python, "-c", FLOOR_CODE, changed]),
        ("lint, pre-commit (1 file)", [tool, "lint", changed]),
    ], n, repo, quick, "lint")

    b.scan("scan", n, ".", repo)
    b.scan("scan kustomize/ only", n, "kustomize", repo)
    b.kubectl(n, repo, manifest["kustomize"], "kubectl kustomize, each root")
    b.measure("lint (whole repository)", n, [tool, "lint", "."], repo, 1, "lint", min_left=30)
    b.measure("diff --phase 1", n, [tool, "diff", ".", "--phase", "1"], repo, 1, "diff",
              min_left=30)
    if out.exists():
        shutil.rmtree(out)
    b.measure("plan", n, [tool, "plan", ".", "--out", str(out)], repo, 1, "plan", min_left=30)
    shutil.rmtree(out, ignore_errors=True)


def by(results: list[Measure], name: str, n: int) -> Measure | None:
    return next((m for m in results if m.name == name and m.n == n), None)


def cell(m: Measure | None) -> str:
    if m is None:
        return "–"
    if m.seconds is None:
        return m.status
    mark = " (est.)" if m.status == "est." else ""
    flag = "" if m.status in ("ok", "est.") else f" {m.status}"
    return f"{fmt_s(m.seconds)}{mark} (cpu {fmt_s(m.cpu)}), {m.peak_mb:.0f} MB{flag}"


Ratio = tuple[float, float] | None  # (wall, cpu)


def ratio(a: Measure | None, b: Measure | None) -> Ratio:
    if a is None or b is None or not a.seconds or not b.seconds or not a.cpu or not b.cpu:
        return None
    return a.seconds / b.seconds, a.cpu / b.cpu


def table(results: list[Measure], sizes: list[int], version: Measure | None) -> str:
    names: list[str] = []
    for m in results:
        if m.n and m.name not in names:
            names.append(m.name)
    head = "| command | " + " | ".join(f"N = {n:,}" for n in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(cell(by(results, name, n)) for n in sizes) + " |")
    lines.append("")
    lines.append("Ratios (same run, same repository), by wall time and by CPU time:")
    lines.append("")
    lines.append("| ratio | " + " | ".join(f"N = {n:,}" for n in sizes) + " | target |")
    lines.append("|---|" + "---|" * (len(sizes) + 1))

    def row(label: str, values: list[Ratio], target: str, invert: bool = False) -> None:
        def show(v: Ratio) -> str:
            if v is None:
                return "–"
            if invert:
                return f"{1 / v[0]:.1f}× faster (cpu {1 / v[1]:.1f}×)"
            return f"{v[0]:.2f}× (cpu {v[1]:.2f}×)"

        lines.append(f"| {label} | " + " | ".join(show(v) for v in values) + f" | {target} |")

    row("lint pre-commit ÷ yamllint", [ratio(by(results, "lint, pre-commit (1 file)", n),
                                             by(results, "yamllint (changed file)", n))
                                       for n in sizes], "≤ 1× (aim 0.8×), small repo")
    row("floor (python + deps, 1 parse) ÷ yamllint",
        [ratio(by(results, FLOOR, n), by(results, "yamllint (changed file)", n)) for n in sizes],
        "")

    def kscan(n: int) -> Measure | None:
        m = by(results, "scan kustomize/ only", n)
        return m if m is not None and m.kinds.get("kustomize") else None  # a real comparison

    row("scan kustomize/ vs kubectl kustomize each root",
        [ratio(kscan(n), by(results, "kubectl kustomize, each root", n)) for n in sizes],
        "≥ 10× faster at 1,000", invert=True)
    row("scan (everything) vs kubectl kustomize each root",
        [ratio(by(results, "scan", n), by(results, "kubectl kustomize, each root", n))
         for n in sizes], "", invert=True)
    base_n = sizes[0]
    for name in ("scan", "plan", "lint (whole repository)", "diff --phase 1"):
        base = by(results, name, base_n)
        vals = []
        for n in sizes:
            r = ratio(by(results, name, n), base)
            vals.append(None if r is None else (r[0] / (n / base_n), r[1] / (n / base_n)))
        row(f"{name}: time per target ÷ at N = {base_n}", vals, "≈ 1 (linear)")
    mems = [by(results, "scan", n) for n in sizes]
    lines.append("")
    peak = max((m.peak_mb for m in mems if m and m.peak_mb), default=None)
    if version is not None and version.seconds is not None:
        lines.append(f"`litemaas-upgrade --version`: {fmt_s(version.seconds)} "
                     f"(median of {version.runs}; target < 100 ms).")
    if peak is not None:
        big = max((n for n in sizes if by(results, 'scan', n) and by(results, 'scan', n).peak_mb),
                  default=sizes[-1])
        worst = max((m.peak_mb or 0) for m in results
                    if m.n == big and m.name not in ("kubectl kustomize, each root",))
        lines.append(f"Peak memory at N = {big:,}: {worst:.0f} MB (largest of the tool's commands;"
                     " target < 300 MB at 10,000).")
    notes = [f"- {m.name} at N = {m.n:,}: {m.status}; {m.note}" for m in results
             if m.note and not m.name.startswith("scan")]
    scans = [f"- {m.name} at N = {m.n:,}: {m.note}" for m in results if m.kinds or
             (m.name.startswith("scan") and m.status == "ok")]
    if scans or notes:
        lines.append("")
        lines.extend(scans + notes)
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = ""
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores{', ' + cpu if cpu else ''}, Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100,1000,10000")
    p.add_argument("--work", default="/tmp/litemaas-bench", help="scratch folder (emptied)")
    p.add_argument("--tool", default=str(TOP / ".venv" / "bin" / "litemaas-upgrade"))
    p.add_argument("--budget", type=float, default=1200, help="seconds for the whole run")
    p.add_argument("--timeout", type=float, default=600, help="seconds for one command")
    p.add_argument("--kubectl-max", type=int, default=1000,
                   help="run kubectl kustomize on at most this many roots (then scale)")
    p.add_argument("--readme", type=Path, help="write the table into this file's results block")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    b = Bench(args)
    b.work.mkdir(parents=True, exist_ok=True)
    progress(f"subcommands available: {', '.join(sorted(b.commands))}")
    version = b.measure("--version", 0, [b.tool, "--version"], b.work, 15)
    for n in sizes:
        bench_size(b, n)
    command = f"python bench/run.py --sizes {args.sizes}"
    for flag, value, default in (("--budget", args.budget, 1200), ("--timeout", args.timeout, 600),
                                 ("--kubectl-max", args.kubectl_max, 1000)):
        if value != default:
            command += f" {flag} {value:g}"
    when = time.strftime("%Y-%m-%d")
    text = (f"Made by `.venv/bin/{command}` on {when} ({machine()}; "
            f"subcommands present: {', '.join(sorted(b.commands))}).\n\n"
            + table(b.results, sizes, version))
    (b.work / "results.json").write_text(
        json.dumps([asdict(m) for m in b.results], indent=1) + "\n", encoding="utf-8")
    print(text)
    if args.readme:
        body = args.readme.read_text(encoding="utf-8")
        i, j = body.index(START) + len(START), body.index(END)
        args.readme.write_text(body[:i] + "\n" + text + body[j:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
