"""`migrator verify`: run the ValidatingAdmissionPolicies over recorded AdmissionReviews and compare decisions.

load (policies, params, namespaces) -> compile once -> stream samples through admission (in parallel) ->
stream results to the chosen output -> exit code from the summary.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, Any, Sequence

from migrator.errors import MigratorError


@dataclass
class VerifyOptions:
    samples: Sequence[str]
    policies: Sequence[str]
    namespaces: Sequence[str] = ()
    params: Sequence[str] = ()
    authorizer: str | None = None
    format: str = "table"
    jobs: int | None = None
    progress: bool = True  # shown only when stderr is a terminal


def load_dispatcher(options: VerifyOptions, err: IO[str] | None = None) -> Any:
    """Policies, params and namespaces read and compiled; compile errors are bad input (each on its own line)."""
    err = err or sys.stderr
    from migrator.admission import build_dispatcher
    from migrator.sources.vap import load_objects, load_policy_set

    policy_set = load_policy_set(options.policies)
    if policy_set.skipped:
        kinds = ", ".join(f"{k} x{n}" for k, n in sorted(policy_set.skipped.items()))
        print(f"migrator: note: ignored documents that are not ValidatingAdmissionPolicy/Binding: {kinds}", file=err)
    if not policy_set.policies:
        print(f"migrator: note: no ValidatingAdmissionPolicy found in {', '.join(options.policies)}", file=err)
    else:
        unbound = sorted(set(policy_set.policies) - {b.policy_name for b in policy_set.bindings})
        if unbound:
            print(f"migrator: note: policies without a binding never apply: {', '.join(unbound)}", file=err)
    params = load_objects(options.params, "params") if options.params else []
    namespaces = load_objects(options.namespaces, "namespaces") if options.namespaces else []
    for ns in namespaces:
        if ns.kind != "Namespace":
            raise MigratorError(f"{ns.origin}: expected a Namespace, got {ns.kind}")
    authorizer = _load_authorizer(options.authorizer)
    dispatcher = build_dispatcher(policy_set, params=params, namespaces=namespaces, authorizer=authorizer)
    errors = dispatcher.compile_errors
    if errors:
        for e in errors[:-1]:
            print(f"migrator: {e}", file=err)
        raise MigratorError(str(errors[-1]))
    return dispatcher


def _load_authorizer(path: str | None) -> Any:
    """The `authorizer` variable: allow-all by default, or the rules of `path` (migrator.cel.library.authz)."""
    try:
        from migrator.cel.library.authz import load_authorizer
    except ImportError:  # pragma: no cover - a CEL environment without the authz library
        if path is not None:
            raise MigratorError(f"{path}: --authorizer is not supported by this build's CEL environment") from None
        return None
    return load_authorizer(path)


def verify(options: VerifyOptions, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run verify; returns the exit code (0 all agree, 1 some disagree, 2 a sample was bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    from migrator.sources.samples import iter_file_samples, sample_files
    from migrator.verify.output import make_output
    from migrator.verify.results import Summary
    from migrator.verify.runner import default_jobs, run

    dispatcher = load_dispatcher(options, err)
    files = sample_files(options.samples)
    samples = (s for path, name in files for s in iter_file_samples(path, name))
    summary = Summary()
    summary.add_policies([h.policy.name for h in dispatcher.hooks])
    output = make_output(options.format, out)
    jobs = options.jobs or default_jobs()
    progress = _progress(err, len(files)) if options.progress else None
    try:
        for result, flags, invalid in run(samples, dispatcher, jobs):
            if invalid:
                print(f"migrator: {result['errors'][0]}", file=err)
            summary.add(result, flags, invalid)
            output.add(result)
            if progress is not None:
                progress.update(summary.samples)
    finally:
        if progress is not None:
            progress.stop()
    output.close(summary)
    return summary.exit_code


class _Progress:
    """A rich progress line on stderr: samples done (the total is unknown while streaming)."""

    def __init__(self, err: IO[str], files: int) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(), TextColumn("verify: {task.fields[samples]} samples from {task.fields[files]} files"),
            TimeElapsedColumn(), console=Console(file=err), transient=True,
        )
        self._task = self._progress.add_task("verify", total=None, samples=0, files=files)
        self._progress.start()

    def update(self, samples: int) -> None:
        if samples % 16 == 0:
            self._progress.update(self._task, samples=samples)

    def stop(self) -> None:
        self._progress.stop()


def _progress(err: IO[str], files: int) -> _Progress | None:
    if not (hasattr(err, "isatty") and err.isatty()):
        return None
    return _Progress(err, files)
