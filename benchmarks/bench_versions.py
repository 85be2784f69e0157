"""This model's cost per step against an earlier version's, each measured against an empty Mesa model.

Goal (issue "model 2"): one run at most 1.5 times model 1's cost per step. The
earlier version is read from git (``--against REF``, default the last commit of
model 1) into a temporary folder; both versions run in child processes, taking
turns, and each times its own runs side by side with an empty Mesa model of the
same agents and steps, in CPU time (time spent waiting for a core on a shared
machine does not count). The figure compared is each version's cost per step
divided by the empty model's, so machine noise cancels out of the ratio.

Usage: ``python -m benchmarks.bench_versions [--against REF] [--rounds N] [--record]``;
``--record`` adds the run to docs/model_speed.json and rewrites its table in
docs/performance.md (:mod:`benchmarks.speed_record`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import speed_record

ROOT = Path(__file__).resolve().parents[1]
MODEL_1 = "536ccaf"  # the last commit of model 1 (complete information)
SCENARIOS = ("classroom_basic", "new_start_2021", "new_start_2021_no_transition")
RUNS = 30

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import mesa, sim
from sim.calendar import Calendar

class Idle(mesa.Agent):
    def step(self):
        pass

class Empty(mesa.Model):
    def __init__(self, n_agents, n_steps, rng=None):
        super().__init__(rng=rng)
        self.n_steps = n_steps
        for _ in range(n_agents):
            Idle(self)
    def step(self):
        self.agents.shuffle_do("step")
        if self.steps >= self.n_steps:
            self.running = False

def timed(fn, runs):
    start = time.process_time()
    for i in range(runs):
        fn(i)
    return (time.process_time() - start) / runs

out = {}
for name in sys.argv[3].split(","):
    scn = sim.load_scenario(name)
    steps, agents = Calendar(scn.calendar).n_steps, len(scn.states)
    ours = lambda i: sim.ArmsControlModel(scn, rng=i).run()
    def empty(i):
        m = Empty(agents, steps, rng=i)
        while m.running:
            m.step()
    ours(0); empty(0)
    runs = int(sys.argv[2])
    a = [timed(ours, runs) for _ in range(3)]
    b = [timed(empty, runs) for _ in range(3)]
    out[name] = {"steps": steps, "us_per_step": statistics.median(a) / steps * 1e6, "vs_empty": statistics.median(a) / statistics.median(b)}
print(json.dumps(out))
"""


def checkout(ref: str, where: Path) -> Path:
    """The project's files at a git ref, unpacked into a folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def measure(source: Path, names: list[str], runs: int) -> dict:
    """Per scenario: microseconds per step and the ratio to the empty model, in a child process."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(runs), ",".join(names)],
        check=True,
        capture_output=True,
        text=True,
        cwd=source,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--against", default=MODEL_1, help="git ref of the earlier version (default: model 1)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of each version, taking turns"
    )
    parser.add_argument(
        "--record", action="store_true", help="add the run to the docs' table of measured runs"
    )
    args = parser.parse_args(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        old = checkout(args.against, Path(tmp))
        names = [n for n in SCENARIOS if (old / "scenarios" / f"{n}.yaml").exists()]
        rounds: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            rounds["old"].append(measure(old, names, RUNS))
            rounds["new"].append(measure(ROOT, names, RUNS))
    print(
        f"{'scenario':<30} {'steps':>5} {'earlier x empty':>16} {'now x empty':>12} {'now / earlier':>14}"
    )
    scenarios = []
    for name in names:
        old_ratio = statistics.median(r[name]["vs_empty"] for r in rounds["old"])
        new_ratio = statistics.median(r[name]["vs_empty"] for r in rounds["new"])
        new_steps = rounds["new"][0][name]["steps"]
        per_step = (
            new_ratio / old_ratio
        )  # each is per step already: the empty model runs the same steps and agents
        print(f"{name:<30} {new_steps:>5} {old_ratio:>16.1f} {new_ratio:>12.1f} {per_step:>14.2f}")
        scenarios.append(
            {"scenario": name, "earlier": old_ratio, "now": new_ratio, "ratio": per_step}
        )
    if args.record:
        against = "model 1" if args.against == MODEL_1 else args.against
        speed_record.record(
            "bench_versions", {"against": f"{against} ({args.against})", "scenarios": scenarios}
        )


if __name__ == "__main__":
    main()
