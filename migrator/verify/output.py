"""`verify` results to the shared renderers: json (streamed), table (people), junit (CI).

Each output takes results one at a time and the summary at the end; none holds every result. The table keeps
what it shows first (disagreements, then samples with errors) plus the first few others.
"""

from __future__ import annotations

from typing import IO, Any

from migrator.report.json import JsonListWriter
from migrator.report.junit import JUnitWriter
from migrator.report.table import make_console, print_table
from migrator.verify.results import Summary

FORMATS = ("table", "json", "junit")
TABLE_OTHER_ROWS = 50  # agreeing / unexpected samples shown after the disagreements
TABLE_MAX_ROWS = 2000


def _verdict(allowed: bool | None) -> str:
    return "-" if allowed is None else ("allowed" if allowed else "denied")


class JsonOutput:
    def __init__(self, out: IO[str]) -> None:
        self.writer = JsonListWriter(out, "results")

    def add(self, result: dict[str, Any]) -> None:
        self.writer.add(result)

    def close(self, summary: Summary) -> None:
        self.writer.close({"summary": summary.to_json()})


class JUnitOutput:
    """One test case per sample: a failure when the policies disagree with the recorded decision, an error
    when the sample could not be read or an expression failed."""

    def __init__(self, out: IO[str]) -> None:
        self.writer = JUnitWriter(out, "migrator verify")

    def add(self, result: dict[str, Any]) -> None:
        name = result["sample"]
        classname = "verify." + (name.rsplit("/", 1)[0].replace("/", ".") if "/" in name else "samples")
        failure = error = None
        lines = []
        if result["message"]:
            lines.append(result["message"])
        lines += result["warnings"]
        lines += [f"audit annotation {k}: {v}" for k, v in result["audit_annotations"].items()]
        if result["agree"] is False:
            text = (
                f"recorded decision: {_verdict(result['expected_allowed'])}; "
                f"ValidatingAdmissionPolicies: {_verdict(result['allowed'])}"
            )
            failure = (text, "\n".join([text, *lines]))
        if result["errors"]:
            error = (result["errors"][0], "\n".join(result["errors"]))
        skipped = "no recorded decision" if result["agree"] is None and not result["errors"] else None
        self.writer.add(name, classname, failure=failure, error=error, skipped=skipped, output="\n".join(lines) or None)

    def close(self, summary: Summary) -> None:
        self.writer.close()


class TableOutput:
    """Disagreements first, with the message the user would see; then samples with errors; then a few others;
    then the per-policy summary and the totals."""

    def __init__(self, out: IO[str]) -> None:
        self.console = make_console(out)
        self.disagreements: list[dict[str, Any]] = []
        self.with_errors: list[dict[str, Any]] = []
        self.others: list[dict[str, Any]] = []
        self.hidden = 0

    def add(self, result: dict[str, Any]) -> None:
        row = _row(result)
        if result["agree"] is False:
            bucket = self.disagreements
        elif result["errors"]:
            bucket = self.with_errors
        else:
            bucket = self.others
        limit = TABLE_OTHER_ROWS if bucket is self.others else TABLE_MAX_ROWS
        if len(bucket) < limit:
            bucket.append(row)
        else:
            self.hidden += 1

    def close(self, summary: Summary) -> None:
        rows = self.disagreements + self.with_errors + self.others
        print_table(
            self.console,
            "Samples (disagreements first)",
            [("Sample", {"no_wrap": False}), "Policies", "Recorded", "Agree", ("What the user sees", {"ratio": 3})],
            rows,
            empty="No samples found.",
        )
        if self.hidden:
            self.console.print(f"... {self.hidden} more samples not shown (use --format json for all of them)")
        if summary.policies:
            print_table(
                self.console,
                "Per policy",
                ["Policy", "Matched", "Denied", "Warned", "Audited", "Disagreements", "Errors"],
                (
                    (name, s.matched, s.denied, s.warned, s.audited, s.disagreements, s.errors)
                    for name, s in sorted(summary.policies.items())
                ),
            )
        self.console.print(
            f"{summary.samples} samples: {summary.agree} agree, {summary.disagree} disagree, "
            f"{summary.no_expectation} without a recorded decision, {summary.errors} with errors"
            + (f" ({summary.invalid} unreadable)" if summary.invalid else "")
        )


def _row(result: dict[str, Any]) -> tuple:
    agree = {True: "yes", False: "NO", None: "-"}[result["agree"]]
    seen = []
    if result["message"]:
        seen.append(result["message"])
    seen += result["warnings"]
    seen += result["errors"] if result["allowed"] is None or not seen else []
    if not seen and any("Audit" in v["actions"] for v in result["violations"]):
        seen.append("(audit only) " + "; ".join(v["message"] for v in result["violations"]))
    return (result["sample"], _verdict(result["allowed"]), _verdict(result["expected_allowed"]), agree, "\n".join(seen))


def make_output(fmt: str, out: IO[str]) -> Any:
    return {"json": JsonOutput, "table": TableOutput, "junit": JUnitOutput}[fmt](out)
