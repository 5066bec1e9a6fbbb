"""JSON output: whole documents, or a document whose main list is streamed item by item (flat memory)."""

from __future__ import annotations

import json
from typing import IO, Any


def render_json(doc: Any) -> str:
    """A whole document, indented, with a final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


class JsonListWriter:
    """Writes `{"<key>": [item, item, ...], <trailer keys>}` as items arrive: one item per line.

    The output is one valid JSON document once `close` has run.
    """

    def __init__(self, out: IO[str], key: str = "results") -> None:
        self.out = out
        self.count = 0
        out.write("{" + json.dumps(key) + ": [")

    def add(self, item: Any) -> None:
        self.out.write(("\n  " if self.count == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False, separators=(", ", ": ")))
        self.count += 1

    def close(self, trailer: dict[str, Any] | None = None) -> None:
        self.out.write("\n]" if self.count else "]")
        for key, value in (trailer or {}).items():
            self.out.write(",\n" + json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False, indent=2))
        self.out.write("}\n")
        self.out.flush()
