"""Turn what a sandboxed run left behind into an outcome class, its evidence and advice.

Nothing the submission sent back is trusted: the harness's report only names what happened inside
the process, and the predictions are read without unpickling and checked here.
"""

from __future__ import annotations

import json
import signal

from tiltyard.runner import harness
from tiltyard.runner.errors import SandboxFailure
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import LimitsMode, Outcome, RunResult, SandboxMode
from tiltyard.runner.process import FinishedProcess
from tiltyard.runner.seam import Harness, Verdict

# A process that died of a crash signal while this close to its memory budget ran out of memory.
MEMORY_NEAR_LIMIT = 0.8
STAGE_WORDS = {"import": "while your file was being imported"}  # a harness adds its own stages
CRASH_SIGNALS = {signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS}


def judge(finished: FinishedProcess, harness_: Harness, *, budget: SandboxLimits, mode: SandboxMode,
          limits_mode: LimitsMode = LimitsMode.RLIMITS, stopped: Verdict | None = None) -> RunResult:
    """``stopped``: the verdict an interactive run's grader side ended the run with; it wins over
    whatever the process did after it was told to stop."""
    verdict = stopped if stopped is not None else _classify(finished, harness_, budget=budget)
    return RunResult(
        outcome=verdict.outcome, message=verdict.message, traceback_tail=verdict.traceback_tail,
        wall_s=round(finished.wall_s, 3), cpu_s=round(finished.cpu_s, 3),
        peak_memory_mb=round(finished.peak_memory_mb, 1), budget=budget, sandbox=mode,
        limits_enforced_by=limits_mode,
        stdout_tail=finished.stdout.text(), stderr_tail=finished.stderr.text(),
        stdout_bytes=finished.stdout.total, stderr_bytes=finished.stderr.total,
        classes=verdict.classes, predictions=verdict.predictions)


def _classify(finished: FinishedProcess, harness_: Harness, *, budget: SandboxLimits) -> Verdict:
    if finished.killed_for == "wall_time":
        return Verdict(Outcome.TIMEOUT, _wall_timeout_message(finished, budget, harness_.reproduce))
    if finished.killed_for == "memory":
        return Verdict(Outcome.MEMORY_EXCEEDED, _memory_message(budget, "during the run", whole_tree=True))
    if finished.killed_for == "cpu_time":
        return Verdict(Outcome.TIMEOUT, _cpu_timeout_message(budget, "during the run", whole_tree=True))
    if finished.killed_for == "result_too_large":
        return Verdict(Outcome.INVALID_OUTPUT,
                        f"Your code sent back more than {budget.memory_mb} MB, far more than its answer "
                        "needs. Return only what the challenge asks for and write nothing else to the "
                        "result channel.")
    body = finished.result[len(harness.STARTED_MARKER):]
    header_line, _, payload = body.partition(b"\n")
    if not header_line:
        return _without_report(finished, budget, harness_.entry_point)
    try:
        header = json.loads(header_line)
        status = header["status"]
        finished.peak_memory_mb = max(finished.peak_memory_mb, float(header.get("peak_memory_mb", 0)))
    except (ValueError, KeyError, TypeError):
        return Verdict(Outcome.INVALID_OUTPUT, "The run's result could not be read: something other than the "
                        "harness wrote to its result channel. Do not write to inherited file descriptors.")
    stage = {**STAGE_WORDS, **harness_.stage_words}.get(header.get("stage"), "during the run")
    if status == "ok":
        return harness_.check_output(header, payload)
    if status == "cpu_exceeded":
        return Verdict(Outcome.TIMEOUT, _cpu_timeout_message(budget, stage))
    if status == "memory_exceeded":
        return Verdict(Outcome.MEMORY_EXCEEDED, _memory_message(budget, stage))
    if status in ("exited_early", "no_predictions"):
        return Verdict(Outcome.NO_OUTPUT, f"Your code produced no {harness_.output_noun}: "
                       f"{header.get('detail')} {stage}. "
                       f"Let {harness_.entry_point} return what it should, and do not call sys.exit() "
                       "or return None.")
    if status == "exception" and header.get("stage") == "setup":
        raise SandboxFailure("The sandbox could not prepare the run before the submission's code started",
                             got=f"{header.get('exception_type')}: {header.get('exception_message')}",
                             hint="check that numpy, pandas and pyarrow import in the worker's environment")
    if status == "exception":
        return _exception_verdict(header, stage, budget, harness_.reproduce)
    return Verdict(Outcome.INVALID_OUTPUT, f"The run reported an unknown status {status!r}; do not write to "
                    "inherited file descriptors.")


def _without_report(finished: FinishedProcess, budget: SandboxLimits, entry_point: str) -> Verdict:
    """The harness never reported: the process was killed by the kernel or ended itself early."""
    killed_by = finished.signal
    if killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and finished.cpu_s >= budget.cpu_seconds):
        return Verdict(Outcome.TIMEOUT, _cpu_timeout_message(budget, "during the run"))
    if killed_by == signal.SIGXFSZ:
        return Verdict(Outcome.FORBIDDEN, f"Your code wrote a file larger than {budget.scratch_mb} MB, the "
                        "size of the scratch folder, and was stopped. Keep files in scratch small, or keep "
                        "data in memory.")
    if killed_by in CRASH_SIGNALS and finished.peak_memory_mb >= MEMORY_NEAR_LIMIT * budget.memory_mb:
        return Verdict(Outcome.MEMORY_EXCEEDED, _memory_message(budget, "during the run"))
    if killed_by is not None:
        name = signal.Signals(killed_by).name
        return Verdict(Outcome.EXCEPTION, f"Your code crashed with signal {name} (usually a bug in a compiled "
                        "extension, or a library killing the process). The end of its stderr is below; "
                        "reproduce it locally with the same library versions.")
    return Verdict(Outcome.NO_OUTPUT, f"The process ended with exit code {finished.exit_code} before "
                   "it sent anything back (sys.exit, os._exit or a library ending the process). Let "
                   f"{entry_point} return and leave running it to the grader.")


def _exception_verdict(header: dict, stage: str, budget: SandboxLimits, reproduce: str) -> Verdict:
    kind, text = header.get("exception_type"), header.get("exception_message", "")
    violation = header.get("violation")
    if violation == "processes":
        return Verdict(Outcome.EXCEPTION, f"Your code tried to run more processes or threads at once than its "
                        f"budget of {budget.processes} allows {stage} ({kind}: {text}), and could not start "
                        f"more. Use at most {budget.threads} threads or jobs (n_jobs={budget.threads}) and "
                        "start no processes of your own.", traceback_tail=header.get("learner_traceback"))
    if violation and violation.startswith("network"):
        return Verdict(Outcome.FORBIDDEN, f"Your code tried to reach the network {stage} ({violation}, "
                        f"{kind}: {text}). Code submissions run offline: load nothing at run time, learn from "
                        "the data passed to fit, and keep any fixed parameters in your file.",
                        traceback_tail=header.get("learner_traceback"))
    if violation:
        return Verdict(Outcome.FORBIDDEN, f"Your code tried to use a path the sandbox does not allow {stage} "
                        f"({violation}). A code submission sees only the data passed to fit and predict, "
                        "a private writable scratch folder (the working directory, also $TMPDIR) and the "
                        "Python environment, read-only. Read no files and write only to scratch.",
                        traceback_tail=header.get("learner_traceback"))
    if kind == "ContractError":
        return Verdict(Outcome.EXCEPTION, text)
    where = "" if header.get("learner_traceback") else " (inside a library; none of your lines were on the stack)"
    return Verdict(Outcome.EXCEPTION, f"Your code raised {kind} {stage}{where}: {text}. Reproduce it locally "
                   f"({reproduce}), fix it, and submit again.",
                    traceback_tail=header.get("learner_traceback"))


def _wall_timeout_message(finished: FinishedProcess, budget: SandboxLimits, reproduce: str) -> str:
    printed = finished.stdout.total + finished.stderr.total
    note = f" It printed {printed / 2**20:.0f} MB meanwhile; printing in a loop slows a run." if printed > 2**24 else ""
    return (f"Your code ran longer than the wall-time budget of {budget.wall_seconds:g} s and was stopped "
            f"(CPU time used: {finished.cpu_s:.1f} s).{note} Make your code cheaper (fewer or smaller "
            f"models, fewer features, a subsample), and time it locally ({reproduce}).")


def _cpu_timeout_message(budget: SandboxLimits, stage: str, *, whole_tree: bool = False) -> str:
    counted = "all its processes and threads together" if whole_tree else "all threads count"
    return (f"Your code used more than its CPU budget of {budget.cpu_seconds:g} s {stage} ({counted}) "
            f"and was stopped. Make fitting cheaper (fewer or smaller models, fewer features, a "
            f"subsample); it may use {budget.threads} threads.")


def _memory_message(budget: SandboxLimits, stage: str, *, whole_tree: bool = False) -> str:
    counted = (" (all its processes together: processes it starts share the budget, so start none or "
               "split the budget between them)") if whole_tree else ""
    return (f"Your code needed more than its memory budget of {budget.memory_mb} MB {stage}{counted}. "
            "Use smaller "
            "types (float32, categories), avoid copies of the data (no concatenation in loops), and prefer "
            "models whose size does not grow with the data (fewer, shallower trees).")
