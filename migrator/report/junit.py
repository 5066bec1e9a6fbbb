"""JUnit XML (the schema CI systems read: testsuites/testsuite/testcase with failure, error, system-out).

Test cases are spooled to a temporary file as they arrive, so memory stays flat; the suite header, which
carries the counts, is written when the suite closes.
"""

from __future__ import annotations

import tempfile
from typing import IO
from xml.sax.saxutils import escape, quoteattr


def _text(value: str) -> str:
    # XML 1.0 forbids most control characters even when escaped.
    return escape("".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20))


def _attr(value: str) -> str:
    return quoteattr("".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20))


class JUnitWriter:
    """One <testsuite> inside <testsuites>; add cases, then close()."""

    def __init__(self, out: IO[str], suite: str) -> None:
        self.out = out
        self.suite = suite
        self.tests = self.failures = self.errors = self.skipped = 0
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(
        self,
        name: str,
        classname: str,
        *,
        failure: tuple[str, str] | None = None,  # (message, details)
        error: tuple[str, str] | None = None,
        skipped: str | None = None,
        output: str | None = None,
    ) -> None:
        self.tests += 1
        parts = [f"    <testcase name={_attr(name)} classname={_attr(classname)}>"]
        if failure is not None:
            self.failures += 1
            parts.append(f"      <failure message={_attr(failure[0])} type=\"failure\">{_text(failure[1])}</failure>")
        if error is not None:
            self.errors += 1
            parts.append(f"      <error message={_attr(error[0])} type=\"error\">{_text(error[1])}</error>")
        if skipped is not None and failure is None and error is None:
            self.skipped += 1
            parts.append(f"      <skipped message={_attr(skipped)}/>")
        if output:
            parts.append(f"      <system-out>{_text(output)}</system-out>")
        parts.append("    </testcase>\n")
        self._spool.write("\n".join(parts))

    def close(self) -> None:
        out = self.out
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        counts = f'tests="{self.tests}" failures="{self.failures}" errors="{self.errors}" skipped="{self.skipped}"'
        out.write(f"<testsuites name={_attr(self.suite)} {counts}>\n")
        out.write(f"  <testsuite name={_attr(self.suite)} {counts}>\n")
        self._spool.seek(0)
        for chunk in iter(lambda: self._spool.read(65536), ""):
            out.write(chunk)
        self._spool.close()
        out.write("  </testsuite>\n</testsuites>\n")
        out.flush()
