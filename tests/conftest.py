"""How the suite shares out among parallel workers (`make test` runs it with pytest-xdist).

Each test belongs to a group, and the tests of one group run in one worker, one
after another:

- by default its module, so that a module's shared fixtures and caches (a backtest,
  an ensemble, the research pages' commands) are built once, as in a serial run;
- tests that read or write a shared resource get that resource's group instead,
  so that no two of them ever run at once (see ``SHARED``).

The groups are given by a scheduler made here from the test ids (pytest-xdist's own
``xdist_group`` markers are not applied with pytest 9.2, which ignores the ids that
xdist rewrites). Without ``-n`` nothing changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# group name -> (what the tests share, the modules or module::test names that use it)
SHARED: dict[str, tuple[str, tuple[str, ...]]] = {
    "screenshots": (
        "docs/images/*.png: the browser tests write them, test_dashboard_docs reads them; "
        "one Chromium at a time on two cores",
        (
            "browser/test_dashboard_browser.py",
            "browser/test_classroom_browser.py",
            "browser/test_hostile_browser.py",
            "test_dashboard_docs.py",
        ),
    ),
    "processes": (
        "process pools, Dask clusters and killed sweeps: each counts the processes it "
        "started or needs the cores it starts them on",
        (
            "browser/test_dashboard_sockets.py",
            "test_sweep.py::test_same_table_on_one_worker_two_workers_and_a_dask_cluster",
            "test_sweep.py::test_a_sweep_killed_midway_resumes_with_every_run_exactly_once",
            "test_sampling.py::test_same_table_on_one_worker_two_workers_and_a_dask_cluster",
            "test_sampling.py::test_a_sampled_sweep_killed_midway_resumes",
            "test_hostile.py::test_a_killed_sweep_leaves_no_worker_behind",
            "test_hostile.py::test_a_dask_sweep_without_workers_stops_with_a_message",
        ),
    ),
}


def group_of(nodeid: str) -> str:
    """The group of a test id ("tests/x.py::test_y[z]"): its shared resource's, else its module's."""
    path, _, rest = nodeid.partition("::")
    module = path.removeprefix("tests/")
    name = f"{module}::{rest.split('[', 1)[0]}"
    for group, (_why, members) in SHARED.items():
        if module in members or name in members:
            return group
    return module


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a parallel run whose scheduler would ignore the groups."""
    workers = config.getoption("numprocesses", default=None)
    dist = config.getoption("dist", default="no")
    if workers and dist not in GROUPED and not hasattr(config, "workerinput"):
        raise pytest.UsageError(
            f"--dist {dist} ignores the groups of tests/conftest.py (tests that must not run "
            f"at once); use --dist loadgroup, as `make test` does"
        )


GROUPED = ("load", "loadgroup")  # -n alone means --dist load

# The groups that take longest (pytest --durations), handed out first so that no worker is
# left with a long one at the end; the others follow in the order they are collected.
LONGEST_FIRST = (
    "screenshots",
    "test_research_docs.py",
    "test_private_information.py",
    "test_validation.py",
    "processes",
)


def _rank(nodeid: str) -> int:
    group = group_of(nodeid)
    return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker, put the longest groups first: the scheduler hands groups out in this order."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: _rank(item.nodeid))  # stable: the order within a group stays


@pytest.hookimpl(optionalhook=True)  # pytest without pytest-xdist runs the tests serially
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Send each group of tests (see `group_of`) to one worker, the largest groups first."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    if config.getoption("dist") in GROUPED:
        config.option.loadscopereorder = False  # keep the order above, not the largest count first
        return GroupScheduling(config, log)
    return None
