"""Mutation scores of refbot's core modules (issue 19): how many deliberately planted bugs the
tests catch. mutmut 3 plants them (configured in pyproject.toml's ``[tool.mutmut]``), runs each
against the SQLite-parametrized tests that exercise the changed function, and this script prints
per module: mutants tried, killed, survived, equivalent (listed, with the reason, in
benchmarks/mutation_equivalent.md) and the score, killed / (tried - equivalent).

Too slow for CI on 2 cores: run it before resolving an issue that touches a core module.
mutmut is an extra of its own: `pip install -e ".[test,mutation]"`.

    python benchmarks/mutation.py                        # every core module, every mutant
    python benchmarks/mutation.py bot/contacts.py        # one module (or bot.contacts)
    python benchmarks/mutation.py --sample 60            # 60 random mutants of modules >= 300
    python benchmarks/mutation.py --fresh                # forget cached stats and results
    python benchmarks/mutation.py --sample 60 --resume   # a stopped run, from where it stopped

mutmut works on a copy of the tree in --workdir (default build/mutation, git-ignored), so the
working tree is never touched and edits made meanwhile do not leak into the run. mutmut stops
at the first failing test, so while the tree is half-edited, --no-sync runs on whatever the
workdir holds instead (say, a commit: `git archive HEAD bot handlers storage tests
pyproject.toml | tar -x -C build/at-head`). The first run records which tests reach which
function by running the selected tests once; later runs reuse it (--fresh after changing tests
that mutmut would not notice, e.g. a renamed assertion).
A timeout counts as killed (the tests noticed); a mutant no test reaches counts as survived.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = Path(__file__).resolve().parent / "mutation_equivalent.md"
COPIED = ("bot", "handlers", "storage", "tests")  # what the tests import, and the tests
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
FULL_BELOW = 300  # modules with fewer mutants are always run in full

# mutmut has no "generate only" command; these are the first steps of its `run`.
GENERATE = """
from mutmut.__main__ import (copy_also_copy_files, copy_src_dir, create_mutants,
                             set_mutant_under_test)
set_mutant_under_test("mutant_generation")
copy_src_dir()
copy_also_copy_files()
create_mutants(1)
"""

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, pytest's internal error, a timeout
SURVIVED = {0, 5, 33}  # the tests passed, or no test reaches the mutated function


@dataclass
class Score:
    module: str
    total: int
    tried: int = 0
    killed: int = 0
    survived: int = 0
    equivalent: int = 0

    @property
    def score(self) -> float:
        judged = self.tried - self.equivalent
        return self.killed / judged if judged else 1.0


def mutmut_config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return dict(tomllib.load(f)["tool"]["mutmut"])


def core_modules() -> list[str]:
    return list(mutmut_config()["only_mutate"])


def as_path(module: str) -> str:
    """bot.contacts or bot/contacts.py -> bot/contacts.py"""
    return module if module.endswith(".py") else module.replace(".", "/") + ".py"


def sync(workdir: Path, fresh: bool) -> None:
    """Copy the tree into the work directory, keeping mtimes (mutmut regenerates a module's
    mutants only when its mtime changes) and dropping files deleted since the last run."""
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ["pyproject.toml", *mutmut_config().get("also_copy", [])]:
        shutil.copy2(ROOT / name, workdir / name)
    for name in COPIED:
        if (workdir / name).exists():
            _drop_deleted(ROOT / name, workdir / name)
        shutil.copytree(ROOT / name, workdir / name, ignore=SKIP, dirs_exist_ok=True)
    mutants = workdir / "mutants"
    if mutants.exists():
        # mutmut copies a non-Python file (a template) only once, and never deletes a test.
        shutil.rmtree(mutants / "tests", ignore_errors=True)
        for name in COPIED[:-1]:
            for source in (workdir / name).rglob("*"):
                target = mutants / source.relative_to(workdir)
                if source.is_file() and source.suffix != ".py" and target.exists():
                    shutil.copy2(source, target)
            if (mutants / name).exists():
                _drop_deleted(workdir / name, mutants / name, suffixes=(".py", ".j2"))


def _drop_deleted(source: Path, copy: Path, suffixes: tuple[str, ...] = ()) -> None:
    for path in list(copy.rglob("*")):
        wanted = path.is_file() and (not suffixes or path.suffix in suffixes)
        if wanted and not (source / path.relative_to(copy)).exists():
            path.unlink()


def mutmut(workdir: Path, log: Path, *args: str) -> None:
    command = [str(Path(sys.executable).parent / "mutmut"), *args]
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(command[:12])}{' …' if len(command) > 12 else ''}\n")
        out.flush()
        done = subprocess.run(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"mutmut failed ({done.returncode}); see {log}")


def exit_codes(workdir: Path, module: str) -> dict[str, int | None]:
    meta = workdir / "mutants" / (module + ".meta")
    if not meta.exists():
        sys.exit(f"no mutants for {module}: is it listed in [tool.mutmut] only_mutate?")
    return dict(json.loads(meta.read_text())["exit_code_by_key"])


def equivalents() -> dict[str, str]:
    """`mutant name` -> why it cannot be killed, from mutation_equivalent.md."""
    found = {}
    for line in EQUIVALENT.read_text().splitlines():
        if match := re.match(r"^- `([^`]+)`\s*[:—-]?\s*(.*)$", line):
            found[match.group(1)] = match.group(2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="default: every core module")
    parser.add_argument("--sample", type=int, help=f"mutants per module of >= {FULL_BELOW}")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "mutation")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut workers")
    parser.add_argument("--fresh", action="store_true", help="start from an empty workdir")
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="run on the workdir as it is (a `git archive` of a commit), not a copy of the tree",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue a stopped run: only the chosen mutants without a result yet",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="only print the scores of the last run (say, after listing an equivalent mutant)",
    )
    args = parser.parse_args()
    modules = [as_path(m) for m in args.modules] or core_modules()
    workdir = args.workdir.resolve()
    log = workdir / "mutmut.log"

    if not (args.report or args.resume):
        if not args.no_sync:
            sync(workdir, args.fresh)
        log.unlink(missing_ok=True)
        os.nice(10)  # a background job on a shared machine; children inherit it
        done = subprocess.run(
            [sys.executable, "-c", GENERATE], cwd=workdir, stdout=subprocess.DEVNULL, check=False
        )
        if done.returncode != 0:
            sys.exit("could not generate mutants: this script needs mutmut 3.8")

    chosen: dict[str, list[str]] = {}
    rng = random.Random(args.seed)
    for module in modules:
        names = sorted(exit_codes(workdir, module))
        if args.sample and len(names) >= FULL_BELOW:
            names = sorted(rng.sample(names, min(args.sample, len(names))))
        chosen[module] = names
    everything = [name for names in chosen.values() for name in names]
    if args.resume:  # mutmut reruns every mutant it is given: give it only the unfinished
        codes = {n: c for module in chosen for n, c in exit_codes(workdir, module).items()}
        everything = [name for name in everything if codes.get(name) is None]
    if not args.report:
        print(f"running {len(everything)} mutants with {args.max_children} worker(s); log: {log}")
        mutmut(workdir, log, "run", "--max-children", str(args.max_children), *everything)
    report(workdir, chosen)


def report(workdir: Path, chosen: dict[str, list[str]]) -> None:
    known = equivalents()
    print(
        f"\n{'module':<28} {'mutants':>7} {'tried':>5} {'killed':>6} {'survived':>8} "
        f"{'equivalent':>10} {'score':>6}"
    )
    survivors: list[str] = []
    for module, names in chosen.items():
        codes = exit_codes(workdir, module)
        score = Score(module, total=len(codes), tried=len(names))
        for name in names:
            code = codes[name]
            if code in KILLED:
                score.killed += 1
            elif name in known:
                score.equivalent += 1
            else:  # suspicious, segfault or not run count against the score too
                score.survived += 1
                survivors.append(name if code in SURVIVED else f"{name} (exit code {code})")
        print(
            f"{module:<28} {score.total:>7} {score.tried:>5} {score.killed:>6} "
            f"{score.survived:>8} {score.equivalent:>10} {score.score:>6.0%}"
        )
    if survivors:
        print("\nsurvivors (`mutmut show NAME` in the workdir shows the change):")
        print("\n".join(f"  {name}" for name in survivors))
    everything = {name for names in chosen.values() for name in names}
    stale = [n for n in known if n in everything and exit_codes_of(workdir, n) in KILLED]
    if stale:
        print("\nlisted as equivalent but killed (remove from mutation_equivalent.md):")
        print("\n".join(f"  {name}" for name in stale))


def exit_codes_of(workdir: Path, name: str) -> int | None:
    module = as_path(name.rsplit(".", 1)[0])
    return exit_codes(workdir, module).get(name)


if __name__ == "__main__":
    main()
