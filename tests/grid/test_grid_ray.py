"""A grid on a real local Ray cluster of two nodes (`ray start --head` plus `ray start --address`),
each started here in its own session and stopped by its process group afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from grid_specs import SPEC

from tiltyard.grid.plan import plan
from tiltyard.grid.run import predictions_dir, run_plan
from tiltyard.runner import queue
from tiltyard.runner.sandbox import bubblewrap_problem

RAY = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
pytestmark = [pytest.mark.slow,  # two `ray start` and their stops take a minute or more
              pytest.mark.skipif(RAY is None, reason="ray is not installed"),
              pytest.mark.skipif(bubblewrap_problem() is not None, reason=f"no sandbox: {bubblewrap_problem()}")]
START_SECONDS = 90
# A cluster of this test only, on this machine: no token to share between its nodes and the driver.
LOCAL_ONLY = {"RAY_AUTH_MODE": "disabled"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(arguments: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([RAY, "start", "--block", "--num-cpus", "1", "--disable-usage-stats", *arguments],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **LOCAL_ONLY})


def _stop(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def two_node_cluster():
    import ray

    saved = {name: os.environ.get(name) for name in LOCAL_ONLY}
    os.environ.update(LOCAL_ONLY)

    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="ray-grid-", dir="/tmp"))
    head = _start(["--head", "--port", str(port), "--include-dashboard=false", "--temp-dir", str(temp)],
                  temp / "head.log")
    nodes = [head]
    try:
        address = f"{ray.util.get_node_ip_address()}:{port}"
        deadline = time.monotonic() + START_SECONDS
        second_started = False
        while time.monotonic() < deadline:
            if head.poll() is not None:
                pytest.fail(f"ray start --head exited: {(temp / 'head.log').read_text()[-2000:]}")
            if not second_started and "Ray runtime started" in (temp / "head.log").read_text():
                nodes.append(_start(["--address", address], temp / "node.log"))
                second_started = True
            if second_started:
                ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
                alive = [n for n in ray.nodes() if n["Alive"]]
                ray.shutdown()
                if len(alive) == 2:
                    break
            time.sleep(1)
        else:
            pytest.fail("the two-node Ray cluster did not come up in time")
        yield address
    finally:
        for node in reversed(nodes):
            _stop(node)
        shutil.rmtree(temp, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_grid_runs_on_a_two_node_ray_cluster(home, two_node_cluster, write_spec):
    the_plan = plan(write_spec(SPEC), predictions_dir=str(predictions_dir()))
    summary = run_plan(the_plan, executor="ray", address=two_node_cluster)
    assert (summary.ran, summary.left) == (4, 0)
    assert summary.outcomes == {"ok": 4}
    workers = {job.result["worker"] for job in queue.jobs_by_key(the_plan.keys).values()}
    assert len(workers) == 2  # both nodes took cells
    # Run again on the local pool: the cells done on Ray are not run twice.
    again = run_plan(the_plan)
    assert (again.ran, again.already_done) == (0, 4)


def test_a_cell_bigger_than_every_node_is_refused(home, two_node_cluster, write_spec):
    from tiltyard.grid.spec import GridError

    spec = write_spec(SPEC.replace("memory_mb = 1024", "memory_mb = 10000000"))
    with pytest.raises(GridError, match="No node of the Ray cluster can hold one cell"):
        run_plan(plan(spec), executor="ray", address=two_node_cluster)
