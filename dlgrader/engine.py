"""The grading engine: one Dask task per submission, on this machine or on a cluster.

Dask distributed does the scheduling, the queue, the retries and the cluster: an
embedded ``LocalCluster`` of single-threaded worker processes by default, or any
running Dask scheduler (``Course.scheduler``: SSHCluster, dask-jobqueue on Slurm or PBS,
Kubernetes), whose workers see the course directory at the same path. A worker killed
mid-task is replaced by its nanny and the task runs again elsewhere; a submission whose
task kills ``Course.allowed_failures + 1`` workers is recorded as failed. Tasks go out
no faster than worker threads free up, so that no innocent task waits in the queue of a
worker that a submission kills.

What needs grading is decided by the gradebook: a submission with no result, or whose
files changed since its result, is graded; a run that was killed is finished by the next.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterable, Iterator

import dask
from distributed import Client, Future, LocalCluster, wait
from distributed.scheduler import KilledWorker
from tqdm.auto import tqdm

from dlgrader import gradebook, nbgrader_app, task
from dlgrader.course import Course
from dlgrader.gradebook import FAILED, GRADED, Result
from dlgrader.submissions import Submission

REFRESH_SECONDS = 10  # the progress bar moves at least this often, even while nothing ends
STATUS_CHARS = 70  # of the list of submissions being graded, on the bar


@contextlib.contextmanager
def connect(course: Course) -> Iterator[Client]:
    """A client of the course's Dask scheduler, or of a new cluster on this machine."""
    with dask.config.set({"distributed.scheduler.allowed-failures": course.allowed_failures}):
        if course.scheduler:
            with Client(course.scheduler, timeout="30s") as client:
                yield client
            return
        workers = course.workers or os.cpu_count() or 1
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=":0", silence_logs=logging.ERROR) as cluster,
            Client(cluster) as client,
        ):
            yield client


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start where the kernels would run; the message says why."""


def check_sandbox(course: Course, client: Client) -> None:
    """Raises `SandboxUnavailable` unless every worker can start sandboxed kernels."""
    from dlgrader import sandbox

    problems = {worker: problem for worker, problem in client.run(sandbox.check_available).items()
                if problem}
    if problems:
        worker, problem = next(iter(problems.items()))
        raise SandboxUnavailable(
            f"the sandbox cannot start on worker {worker} ({len(problems)} of "
            f"{len(client.scheduler_info()['workers'])}): {problem}. Grade without it, with "
            "--no-sandbox, only on a machine and account that students cannot reach.")


def prepare(course: Course, submissions: list[Submission]) -> None:
    """Puts every assignment and student in the gradebook before any task starts.

    An assignment that this gradebook has never seen is generated (as ``make release``
    does) so that nbgrader knows its cells.
    """
    assignments = sorted({s.assignment for s in submissions})
    gradebook.prepare(course, sorted({s.student for s in submissions}))
    for assignment in sorted(set(assignments) - gradebook.known_assignments(course)):
        nbgrader_app.generate_assignment(course, assignment)


def pending(course: Course, submissions: list[Submission], force: bool = False
            ) -> list[Submission]:
    """The submissions to grade: all with ``force``, else those with no result yet or
    whose files changed since their result."""
    if force:
        return list(submissions)
    done = gradebook.results(course)
    return [s for s in submissions
            if (s.student, s.assignment) not in done
            or done[s.student, s.assignment].digest != s.digest]


def _lost(course: Course, submission: Submission, error: BaseException) -> Result:
    """The result of a task that did not return one; recorded here."""
    if isinstance(error, KilledWorker):
        reason = (f"crash: its grading worker died {course.allowed_failures + 1} times while "
                  "grading it")
    else:
        reason = f"error: {type(error).__name__}: {error}"[:300]
    result = Result(submission.student, submission.assignment, submission.digest, FAILED,
                    reason)
    gradebook.record(course, result)
    return result


def run(course: Course, submissions: list[Submission], progress: bool = True,
        client: Client | None = None) -> list[Result]:
    """Grades the submissions on the engine, one task each; returns their results.

    Args:
        course: the course.
        submissions: what to grade (see `pending`); the gradebook must be `prepare`d.
        progress: show a progress bar over submissions, naming those being graded and
            moving at least every `REFRESH_SECONDS`.
        client: a client to use; by default one from `connect`.
    """
    if not submissions:
        return []
    if client is None:
        with connect(course) as new_client:
            return run(course, submissions, progress, new_client)
    if course.sandbox:
        check_sandbox(course, client)
    run_id = uuid.uuid4().hex[:8]  # a key of its own: never a result cached by Dask
    waiting = list(submissions)
    in_flight: dict[Future, Submission] = {}

    def top_up() -> None:
        # No more tasks out than worker threads: Dask sends these tasks (each its own task
        # group, so never queued on the scheduler) to workers ahead of time, and a worker
        # that a submission kills takes every task waiting in its queue with it, counting
        # the death against those innocent submissions too.
        slots = max(1, sum(client.nthreads().values()))
        while waiting and len(in_flight) < slots:
            s = waiting.pop(0)
            future = client.submit(task.grade, course, s, retries=1,
                                   key=f"grade-{s.assignment}-{s.student}-{run_id}")
            in_flight[future] = s

    results: list[Result] = []
    bar = tqdm(total=len(submissions), desc="grading", unit="submission",
               disable=not progress,
               bar_format="{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining} {postfix}")
    with bar:
        top_up()
        bar.set_postfix_str(_status(results, len(submissions), in_flight.values()))
        while in_flight:
            try:
                done = wait(list(in_flight), timeout=REFRESH_SECONDS,
                            return_when="FIRST_COMPLETED").done
            except TimeoutError:  # nothing finished yet: the bar's clock moves on
                bar.refresh()
                continue
            for future in done:
                submission = in_flight.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # the task never returned: its worker died, say
                    result = _lost(course, submission, error)
                results.append(result)
            top_up()
            bar.set_postfix_str(_status(results, len(submissions), in_flight.values()),
                                refresh=False)
            bar.update(len(done))
    return results


def _status(results: list[Result], total: int, grading: Iterable[Submission]) -> str:
    """The progress bar's note: failures, what is left, and what is being graded now."""
    failed = sum(r.status != GRADED for r in results)
    now = ", ".join(f"{s.student}/{s.assignment}" for s in grading)
    if len(now) > STATUS_CHARS:
        now = now[:STATUS_CHARS - 1] + "…"
    return f"failed {failed}, {total - len(results)} left" + (f"; now {now}" if now else "")
