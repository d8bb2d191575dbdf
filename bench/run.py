"""The benchmarks: how fast the assistant is against the limit of the browser itself (see bench/README.md).

    .venv/bin/python bench/run.py [--runs N | --quick] [--json PATH]      (or: make bench ARGS="--quick")

One process, headless, against the built-in replica through in-place routing. Alternating runs; medians and
spread; ratios, because absolute times vary from machine to machine. A table on stdout, every figure in a JSON
file. Exit 1 if any run (the assistant's or the baseline's) ends in another verdict than expected: a fast wrong
answer is not a result.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import platform as _platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

REASON = "My public posts are personal and I did not share them to train AI models."
CODE = "123456"
# accounts=single: Accounts Center answers (a real account has one), as it must for the baseline's same page visits
CHECK_SPEC, OBJECT_SPEC = "eu-de,accounts=single", "eu-en,form=A,accounts=single"
# The same layout without the box (generic objection links only), and with its destinations "not available".
NOT_OFFERED_SPEC = "eu-de,box=none"
UNAVAILABLE_SPEC = "eu-de,fault=unavailable@policy+unavailable@center"
# both: at most the CPU floor printed beside it + this margin.
TARGETS = {"check": 1.15, "object": 1.25, "both_over_floor": 0.05, "not_offered": 1.5, "unknown_s": 10.0,
           "help_s": 0.15}
# The modules a check or an objection runs through: no fixed sleeps allowed there (issue, point 3).
FLOW_MODULES = ("engine", "browser", "detect", "forms", "consent", "session", "routing", "evidence", "ui",
                "guide", "flows", "report")
# asyncio.sleep(0) only yields to the event loop (no time passes): not a wait.
SLEEP = re.compile(r"\b(asyncio\.sleep\s*\((?!\s*0\s*\))|time\.sleep\s*\(|wait_for_timeout\s*\()")


class BenchFailure(RuntimeError):
    """A run ended in another verdict than expected, or a tool is missing: the benchmark has no result."""


# -- figures ---------------------------------------------------------------------------------------------------
def spread(values: list[float]) -> dict:
    values = sorted(values)
    if len(values) >= 2:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = q3 = values[0]
    return {"median": statistics.median(values), "p25": q1, "p75": q3, "min": values[0], "max": values[-1],
            "n": len(values), "runs": values}


def ratios(top: list[float], bottom: list[float]) -> dict:
    return spread([a / b for a, b in zip(top, bottom, strict=True)])


def _tree_pids() -> list[int]:
    """This process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                raw = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(raw[raw.rindex(")") + 2:].split()[1]), []).append(int(entry.name))
    todo, out = [os.getpid()], []
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def tree_rss_mb() -> float:
    """Resident memory (MB) of this process and all its descendants (Python, Playwright's driver, Chromium and
    its renderers) summed: pages shared between Chromium's processes count once per process."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in _tree_pids():
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024 / 1024


class PeakMemory:
    """The tree's highest RSS while the `with` block runs, sampled every 50 ms on a thread (used on runs that
    are not timed: the sampling costs CPU)."""

    def __enter__(self) -> PeakMemory:
        import threading

        self.peak_mb = tree_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_mb = max(self.peak_mb, tree_rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, tree_rss_mb())


def tree_cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and all its descendants (Playwright's driver, Chromium), and of this
    process alone (the engine, the routing, the replica's server threads). Exited descendants count through
    their parents' cumulative times. Linux /proc; (nan, nan) elsewhere."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        children: dict[int, list[int]] = {}
        used: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                raw = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2:].split()
            pid = int(entry.name)
            children.setdefault(int(fields[1]), []).append(pid)
            used[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        me = os.getpid()
        todo, total = [me], 0
        while todo:
            pid = todo.pop()
            total += used.get(pid, 0)
            todo += children.get(pid, [])
        return total / tick, time.process_time()
    except (OSError, ValueError):
        return float("nan"), float("nan")


# -- the machine ----------------------------------------------------------------------------------------------
def machine() -> dict:
    mem_kb = None
    cpu = None
    try:
        mem_kb = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                          if ln.startswith("MemTotal:")))
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), None)
    except (OSError, StopIteration, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores": os.cpu_count(), "cores_usable": usable, "cpu": cpu or _platform.processor() or None,
            "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "system": f"{_platform.system()} {_platform.release()}", "python": sys.version.split()[0],
            "playwright": _version("playwright"), "optout_assistant": _version("optout-assistant")}


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    try:  # read-only
        done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=False)
        return done.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def sleeps_in_flows() -> list[str]:
    found = []
    for name in FLOW_MODULES:
        path = REPO / "assistant" / f"{name}.py"
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SLEEP.search(line.split("#", 1)[0]):
                found.append(f"assistant/{name}.py:{n}: {line.strip()}")
    return found


# -- cold start -------------------------------------------------------------------------------------------------
def cold_start(runs: int, work: Path) -> dict:
    """`optout --help`, `optout doctor`, `python -c pass` as new processes, alternating; wall and CPU seconds.

    As installed: compiled bytecode cached (in a private PYTHONPYCACHEPREFIX, so nothing is written into the
    checkout; the uncounted first round fills it). `help_as_is` is `--help` in the caller's own Python
    environment: with PYTHONDONTWRITEBYTECODE=1 (as on the development machine) the project's modules have no
    .pyc and are compiled from source on every start."""
    optout = Path(sys.executable).with_name("optout")
    if not optout.exists():
        raise BenchFailure(f"{optout} is missing: run `make setup` first")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(OPTOUT_DATA_DIR=str(work / "data"), OPTOUT_CONFIG_DIR=str(work / "config"),
               PYTHONPYCACHEPREFIX=str(work / "pycache"))
    as_is = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    as_is.update(OPTOUT_DATA_DIR=str(work / "data"), OPTOUT_CONFIG_DIR=str(work / "config"))
    commands = {
        "python": ([sys.executable, "-c", "pass"], env, lambda out: True),
        "help": ([str(optout), "--help"], env, lambda out: "Usage:" in out),
        "doctor": ([str(optout), "doctor"], env, lambda out: "Everything looks ready" in out),
        "help_as_is": ([str(optout), "--help"], as_is, lambda out: "Usage:" in out),
    }
    wall: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    order = list(commands)
    for i in range(runs + 1):  # the first round fills the file and bytecode caches and is not counted
        for key in order[i % len(order):] + order[:i % len(order)]:
            argv, run_env, ok = commands[key]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, env=run_env, cwd=work,
                                  stdin=subprocess.DEVNULL, check=False)
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0 or not ok(done.stdout):
                raise BenchFailure(f"`{' '.join(argv)}` failed (exit {done.returncode}): "
                                   f"{(done.stdout + done.stderr)[-600:]}")
            if i:
                wall[key].append(seconds)
                cpu[key].append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    out = {k: {"wall": spread(wall[k]), "cpu": spread(cpu[k])} for k in commands}
    for key in ("help", "doctor", "help_as_is"):
        out[f"{key}_over_python"] = spread([h - p for h, p in zip(wall[key], wall["python"], strict=True)])
    out["caller_sets_PYTHONDONTWRITEBYTECODE"] = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    return out


# -- in-process: the assistant and the baseline ------------------------------------------------------------------
class Bench:
    def __init__(self, replica, shared, work: Path) -> None:
        self.replica, self.shared, self.work = replica, shared, work
        self.n = 0
        self.plans: dict[str, object] = {}
        self.steps: dict[str, list] = {}
        self.cpu: dict[str, list[tuple[float, float]]] = {}  # key -> (tree, python) CPU seconds per run

    def _cpu(self, key: str, before: tuple[float, float]) -> None:
        after = tree_cpu()
        self.cpu.setdefault(key, []).append((after[0] - before[0], after[1] - before[1]))

    def settings(self, spec: str, platform: str, **kw):
        from assistant import settings

        self.n += 1
        again = kw.pop("again", False)
        return settings.build(platform=platform, via=self.replica.scenario_url(spec), headless=True,
                              evidence_dir=str(self.work / "runs"), profile=str(self.work / f"profile-{self.n}"),
                              **kw).with_(again=again)

    async def assistant(self, key: str, spec: str, platform: str, expected: dict[str, str],
                        objecting: bool = False, **kw) -> tuple[float, float, list]:
        """One `optout check/object` through session.run; (seconds, evidence seconds, steps)."""
        import warm

        from assistant.ui import Person

        s = self.settings(spec, platform, **kw)
        if objecting:
            self.replica.reset()
        cpu = tree_cpu()
        outcome, seconds, evidence = await warm.run(self.shared, s, "object" if objecting else "check",
                                                    Person(interactive=False, quiet=True), objecting=objecting,
                                                    code_provider=(lambda _p: CODE) if objecting else None)
        self._cpu(key, cpu)
        got = {r.platform: r.status for r in outcome.results}
        if got != expected:
            details = "; ".join(f"{r.platform}: {r.status}: {r.detail}" for r in outcome.results)
            raise BenchFailure(f"{key}: the assistant answered {got}, expected {expected} ({details})")
        if outcome.run is None or outcome.run.status != "complete":
            raise BenchFailure(f"{key}: the run folder was not completed")
        if objecting:
            from baseline import BaselineError, check_object_posts

            try:
                check_object_posts(self.replica.posts, CODE)
            except BaselineError as exc:
                raise BenchFailure(f"{key}: {exc}") from None
        steps = [{k: st.get(k) for k in ("platform", "name", "url", "highlights")} for st in outcome.run.steps]
        steps.sort(key=lambda st: list(expected).index(st["platform"]))  # side by side: each platform's order
        if key in self.steps and steps != self.steps[key]:
            raise BenchFailure(f"{key}: this run took other steps than the first one; the baseline would not "
                               f"compare like with like:\n{self.steps[key]}\n{steps}")
        self.steps.setdefault(key, steps)
        shutil.rmtree(outcome.run.path, ignore_errors=True)
        shutil.rmtree(s.profile_dir, ignore_errors=True)
        return seconds, evidence, steps

    async def baseline(self, key: str, spec: str, objecting: bool = False) -> float:
        import baseline
        import warm

        from assistant import browser

        plan = self.plans[key]
        lease = warm.Lease(self.shared, browser.find_browser(), True, self.replica.scenario_url(spec))
        if objecting:
            self.replica.reset()
        try:
            cpu = tree_cpu()
            seconds = await baseline.run(lease, plan, None, 20000, country="IE" if objecting else None,
                                         reason=REASON if objecting else None, code=CODE)
            self._cpu(f"{key}_baseline", cpu)
            if objecting:
                baseline.check_object_posts(self.replica.posts, CODE)
        except Exception as exc:  # a Playwright error or a wrong page: no result
            raise BenchFailure(f"{key} baseline: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc
        return seconds


async def in_process(runs: int, work: Path, log) -> dict:
    import baseline

    from assistant import browser
    from assistant.replica.server import ReplicaServer

    with ReplicaServer() as replica:
        choice = browser.find_browser()
        async with browser.Browser(choice, headless=True, via=replica.url) as shared:
            b = Bench(replica, shared, work)
            fb = {"facebook": "available"}
            ig = {"instagram": "available"}
            both = {"facebook": "available", "instagram": "available"}
            obj = {"facebook": "submitted"}
            no = {"facebook": "not_offered"}
            gone = {"facebook": "unknown"}
            obj_kw = {"country": "IE", "reason": REASON, "yes": True, "again": True}  # every round objects anew

            async def check_fb():
                return await b.assistant("check", CHECK_SPEC, "facebook", fb)

            async def check_ig():
                return await b.assistant("instagram", CHECK_SPEC, "instagram", ig)

            async def check_all():
                return await b.assistant("all", CHECK_SPEC, "facebook,instagram", both)  # Meta's two, side by side

            async def object_fb():
                return await b.assistant("object", OBJECT_SPEC, "facebook", obj, objecting=True, **obj_kw)

            async def not_offered_fb():
                return await b.assistant("not_offered", NOT_OFFERED_SPEC, "facebook", no)

            async def unknown_fb():
                return await b.assistant("unknown", UNAVAILABLE_SPEC, "facebook", gone)

            # Warm-up round (not counted): caches, and the steps the baselines replay.
            log("warm-up ...")
            _, _, steps = await check_fb()
            b.plans["check"] = baseline.plan_from_steps(steps)
            _, _, steps = await object_fb()
            b.plans["object"] = baseline.plan_from_steps(steps, objecting=True)
            await check_ig()
            await check_all()
            await not_offered_fb()
            await unknown_fb()
            await b.baseline("check", CHECK_SPEC)
            await b.baseline("object", OBJECT_SPEC, objecting=True)

            t: dict[str, list[float]] = {k: [] for k in (
                "check", "check_baseline", "check_evidence", "object", "object_baseline", "object_evidence",
                "instagram", "all", "not_offered", "not_offered_check", "unknown")}

            async def pair_check(flip: bool):
                async def a():
                    s, e, _ = await check_fb()
                    t["check"].append(s)
                    t["check_evidence"].append(e)

                async def z():
                    t["check_baseline"].append(await b.baseline("check", CHECK_SPEC))

                for f in ((z, a) if flip else (a, z)):
                    await f()

            async def pair_object(flip: bool):
                async def a():
                    s, e, _ = await object_fb()
                    t["object"].append(s)
                    t["object_evidence"].append(e)

                async def z():
                    t["object_baseline"].append(await b.baseline("object", OBJECT_SPEC, objecting=True))

                for f in ((z, a) if flip else (a, z)):
                    await f()

            async def verdicts(flip: bool):
                # not_offered on the same layout as `available`, against a check of this same round
                async def a():
                    t["not_offered"].append((await not_offered_fb())[0])

                async def z():
                    t["not_offered_check"].append((await b.assistant("same_layout", CHECK_SPEC, "facebook", fb))[0])

                for f in ((z, a) if flip else (a, z)):
                    await f()
                t["unknown"].append((await unknown_fb())[0])

            async def single_ig(flip: bool):
                t["instagram"].append((await check_ig())[0])

            async def side_by_side(flip: bool):
                t["all"].append((await check_all())[0])

            b.cpu.clear()
            blocks = [pair_check, pair_object, single_ig, side_by_side, verdicts]
            for i in range(runs):
                started = time.perf_counter()
                for block in blocks[i % len(blocks):] + blocks[:i % len(blocks)]:  # rotate; flip each pair
                    await block(bool(i % 2))
                log(f"round {i + 1}/{runs}: {time.perf_counter() - started:.1f} s")
            # Peak memory: untimed runs (the sampling costs CPU), after the rounds.
            memory: dict[str, list[float]] = {"check": [], "all": []}
            for _ in range(min(runs, 3)):
                for key, platform, expected in (("check", "facebook", fb), ("all", "facebook,instagram", both)):
                    with PeakMemory() as peak:  # own keys: the timed runs' CPU figures stay paired
                        await b.assistant(f"memory_{key}", CHECK_SPEC, platform, expected)
                    memory[key].append(peak.peak_mb)
            log(f"peak memory (MB, RSS of the process tree): {memory}")
            executable = choice.executable_for(True) or "Playwright's Chromium"
            return {"browser": {"version": shared.version, "executable": executable, "source": choice.source},
                    "seam": "session.run(chromium=...)",
                    "times": t, "steps": b.steps, "peak_rss_mb": memory,
                    "cpu": {k: {"tree": [x[0] for x in v], "python": [x[1] for x in v]} for k, v in b.cpu.items()},
                    "baseline_plans": {k: {"pages": [v.url for v in p.visits], "form": p.form_url,
                                           "screenshots": p.screenshots} for k, p in b.plans.items()}}


# -- the report ---------------------------------------------------------------------------------------------------
def figures(cold: dict, hot: dict, cores: int) -> dict:
    t, cpu = hot["times"], hot["cpu"]
    singles = [f + i for f, i in zip(t["check"], t["instagram"], strict=True)]

    def tree(key: str) -> list[float]:
        return cpu[key]["tree"]

    def py_share(*keys: str) -> dict:
        return ratios([p for k in keys for p in cpu[k]["python"]], [x for k in keys for x in cpu[k]["tree"]])

    out = {
        "check": {"assistant_s": spread(t["check"]), "baseline_s": spread(t["check_baseline"]),
                  "ratio": ratios(t["check"], t["check_baseline"]), "target": TARGETS["check"]},
        "object": {"assistant_s": spread(t["object"]), "baseline_s": spread(t["object_baseline"]),
                   "ratio": ratios(t["object"], t["object_baseline"]), "target": TARGETS["object"]},
        "both": {"all_s": spread(t["all"]), "facebook_s": spread(t["check"]), "instagram_s": spread(t["instagram"]),
                 "sum_of_singles_s": spread(singles), "ratio": ratios(t["all"], singles)},
        "verdicts": {"not_offered_s": spread(t["not_offered"]), "available_s": spread(t["not_offered_check"]),
                     "ratio": ratios(t["not_offered"], t["not_offered_check"]), "target": TARGETS["not_offered"],
                     "unknown_s": spread(t["unknown"]), "target_unknown_s": TARGETS["unknown_s"]},
        "memory": {k: spread(v) for k, v in hot["peak_rss_mb"].items()},
        "evidence": {"check_share": ratios(t["check_evidence"], t["check"]),
                     "check_evidence_s": spread(t["check_evidence"]),
                     "object_share": ratios(t["object_evidence"], t["object"]),
                     "object_evidence_s": spread(t["object_evidence"])},
        "cold_start": cold | {"target_help_s": TARGETS["help_s"]},
    }
    for key in ("check", "object"):
        out[key]["cpu_s"] = {"assistant": spread(tree(key)), "baseline": spread(tree(f"{key}_baseline"))}
        out[key]["cpu_ratio"] = ratios(tree(key), tree(f"{key}_baseline"))
        out[key]["python_share_of_cpu"] = {"assistant": py_share(key), "baseline": py_share(f"{key}_baseline")}
    cpu_singles = [f + i for f, i in zip(tree("check"), tree("instagram"), strict=True)]
    out["both"]["cpu_s"] = {"all": spread(tree("all")), "sum_of_singles": spread(cpu_singles)}
    out["both"]["cpu_ratio"] = ratios(tree("all"), cpu_singles)
    out["both"]["python_share_of_cpu"] = py_share("all")
    # The best side by side can do here: all of its CPU spread over every core, nothing else running.
    out["both"]["cpu_floor"] = ratios([c / cores for c in tree("all")], singles)
    out["both"]["cores"] = cores
    out["both"]["target"] = round(out["both"]["cpu_floor"]["median"] + TARGETS["both_over_floor"], 2)
    out["verdicts"]["unknown_met"] = out["verdicts"]["unknown_s"]["median"] <= TARGETS["unknown_s"]
    for key in ("check", "object", "both", "verdicts"):
        out[key]["met"] = out[key]["ratio"]["median"] <= out[key]["target"]
    for key in ("check", "object"):
        out[key]["met_by_cpu"] = out[key]["cpu_ratio"]["median"] <= out[key]["target"]
    out["cold_start"]["help_met"] = cold["help"]["wall"]["median"] < TARGETS["help_s"]
    return out


def table(f: dict) -> str:
    def s(x: dict) -> str:
        return f"{x['median']:.2f} s"

    def r(x: dict, unit: str = "x") -> str:
        if unit == "%":
            return f"{x['median'] * 100:.0f}% [{x['p25'] * 100:.0f}-{x['p75'] * 100:.0f}%]"
        return f"{x['median']:.2f}x [{x['p25']:.2f}-{x['p75']:.2f}]"

    def met(ok: bool, cpu: dict | None = None, target: float | None = None) -> str:
        word = "met" if ok else "MISSED"
        if cpu is not None and (cpu["median"] <= target) != ok:
            word += f" (by CPU: {'met' if cpu['median'] <= target else 'missed'})"
        return word

    c, o, b, e, cs = f["check"], f["object"], f["both"], f["evidence"], f["cold_start"]
    v, m = f["verdicts"], f["memory"]

    def mb(x: dict) -> str:
        return f"peak {x['median']:.0f} MB"
    rows = [
        ("figure", "assistant", "limit", "wall ratio (median [IQR])", "CPU ratio", "target", "verdict (wall)"),
        ("check facebook eu-de", s(c["assistant_s"]), s(c["baseline_s"]), r(c["ratio"]), r(c["cpu_ratio"]),
         f"<= {c['target']}x", met(c["met"], c["cpu_ratio"], c["target"])),
        ("  memory (RSS of the process tree)", mb(m["check"]), "", "", "", "", ""),
        ("object --yes facebook form A", s(o["assistant_s"]), s(o["baseline_s"]), r(o["ratio"]), r(o["cpu_ratio"]),
         f"<= {o['target']}x", met(o["met"], o["cpu_ratio"], o["target"])),
        ("--platform all vs fb + ig", s(b["all_s"]), s(b["sum_of_singles_s"]), r(b["ratio"]), r(b["cpu_ratio"]),
         f"<= {b['target']}x (floor + {TARGETS['both_over_floor']})", met(b["met"])),
        ("  floor set by CPU / cores", "", "", r(b["cpu_floor"]), "", "", ""),
        ("  memory (RSS of the process tree)", mb(m["all"]), "", "", "", "", ""),
        ("not_offered vs available (same layout)", s(v["not_offered_s"]), s(v["available_s"]), r(v["ratio"]), "",
         f"<= {v['target']}x", met(v["met"])),
        ("unknown: destinations not available", s(v["unknown_s"]), "", "", "", f"<= {v['target_unknown_s']:.0f} s",
         met(v["unknown_met"])),
        ("cold start optout --help", s(cs["help"]["wall"]), s(cs["python"]["wall"]),
         f"+{cs['help_over_python']['median']:.2f} s over python -c pass",
         f"{cs['help']['cpu']['median']:.2f} s vs {cs['python']['cpu']['median']:.2f} s",
         f"< {cs['target_help_s']} s", met(cs["help_met"])),
        ("cold start optout doctor", s(cs["doctor"]["wall"]), s(cs["python"]["wall"]),
         f"+{cs['doctor_over_python']['median']:.2f} s over python -c pass",
         f"{cs['doctor']['cpu']['median']:.2f} s vs {cs['python']['cpu']['median']:.2f} s", "", ""),
        ("  --help in this shell" + (" (no .pyc)" if cs["caller_sets_PYTHONDONTWRITEBYTECODE"] else ""),
         s(cs["help_as_is"]["wall"]), s(cs["python"]["wall"]),
         f"+{cs['help_as_is_over_python']['median']:.2f} s over python -c pass",
         f"{cs['help_as_is']['cpu']['median']:.2f} s vs {cs['python']['cpu']['median']:.2f} s", "", ""),
        ("evidence share of check", s(e["check_evidence_s"]), "", r(e["check_share"], "%"), "", "<= 20%",
         met(e["check_share"]["median"] <= 0.20)),
        ("evidence share of object", s(e["object_evidence_s"]), "", r(e["object_share"], "%"), "", "", ""),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each kind (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 runs of each: a smoke test, not a result")
    parser.add_argument("--json", default=str(HERE / "results" / "latest.json"), metavar="PATH",
                        help="where every figure is written (default bench/results/latest.json)")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    if runs < 1:
        parser.error("--runs must be at least 1")

    def log(msg: str) -> None:
        print(f"[bench] {msg}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    for key in [k for k in os.environ if k.startswith("OPTOUT_")]:
        del os.environ[key]
    from loguru import logger

    logger.remove()  # as the CLI does: run folders get their own log; the terminal stays clean
    record = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv or sys.argv[1:])]),
              "runs": runs, "quick": args.quick, "commit": _commit(), "machine": machine(),
              "scenarios": {"check": f"{CHECK_SPEC} facebook", "object": f"{OBJECT_SPEC} facebook --yes "
                            "--country IE --reason ... (code 123456)", "both": f"{CHECK_SPEC} --platform all",
                            "not_offered": f"{NOT_OFFERED_SPEC} facebook", "unknown": f"{UNAVAILABLE_SPEC} facebook"}}
    out_path = Path(args.json)
    exit_code = 0
    with tempfile.TemporaryDirectory(prefix="optout-bench-") as tmp:
        work = Path(tmp)
        os.environ["OPTOUT_DATA_DIR"] = str(work / "data")
        os.environ["OPTOUT_CONFIG_DIR"] = str(work / "config")
        try:
            sleeps = sleeps_in_flows()
            record["sleeps_in_flows"] = sleeps
            if sleeps:
                raise BenchFailure("fixed sleeps in the flows (waits must be on conditions):\n  " + "\n  ".join(sleeps))
            log(f"cold start: {runs} runs each of --help, doctor, python -c pass, --help as this shell runs it ...")
            cold = cold_start(runs, work)
            log(f"cold start done ({time.perf_counter() - started:.0f} s)")
            log(f"in-process: {runs} rounds of check, baseline, object, baseline, instagram, all ...")
            hot = asyncio.run(in_process(runs, work, log))
            record["browser"] = hot.pop("browser")
            record |= {"figures": figures(cold, hot, record["machine"]["cores_usable"] or 1), **hot}
        except BenchFailure as exc:
            record["error"] = str(exc)
            print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
            exit_code = 1
    record["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    record["seconds"] = round(time.perf_counter() - started, 1)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if exit_code:
        print(f"(partial record in {out_path})", file=sys.stderr)
        return exit_code
    m, br = record["machine"], record["browser"]
    print(f"\noptout-assistant benchmarks: {runs} alternating runs each, headless, built-in replica via routing")
    print(f"machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, load {m['load_average_at_start']} -> "
          f"{m['load_average_at_end']}; {m['system']}; Python {m['python']}, Playwright {m['playwright']}")
    print(f"browser: Chromium {br['version']} ({br['executable']}); warm: {record['seam']}\n")
    print(table(record["figures"]))
    load = max(m["load_average_at_start"][0], m["load_average_at_end"][0])
    if load > (m["cores_usable"] or 1):
        print(f"\nnote: the load average ({load:.1f}) exceeded the {m['cores_usable']} usable cores during the run: "
              "wall times (and the side-by-side gain) suffer from other processes; the CPU columns do not.")
    if args.quick:
        print("\n(--quick: 3 runs each, a smoke test; the figures need the default 10 runs)")
    print(f"\nevery figure: {out_path}  ({record['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
