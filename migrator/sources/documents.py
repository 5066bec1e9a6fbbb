"""YAML and JSON streams read with positions, so every error can name the file and the place.

Kubernetes reads YAML through JSON (sigs.k8s.io/yaml): timestamps stay strings, so our loader
does not turn `2024-01-01` into a date either.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from migrator.errors import InputError

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
DOCUMENT_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubeYamlLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loader that keeps timestamps as strings, as Kubernetes' YAML-to-JSON reading does."""


KubeYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Document:
    """One parsed document and where it came from."""

    path: str
    index: int  # position in its stream, 0-based; list items keep their list's index
    line: int  # 1-based line where the document starts (0 when unknown)
    obj: Any
    item: int | None = None  # index inside a `kind: List`, when it came from one

    @property
    def where(self) -> str:
        """Human position: 'document 3 (line 40)' or 'document 1, items[2]'."""
        text = f"document {self.index + 1}"
        if self.item is not None:
            text += f", items[{self.item}]"
        if self.line:
            text += f" (line {self.line})"
        return text

    @property
    def ref(self) -> str:
        """Stable reference used in reports: `file` for a lone document, `file#N` inside a stream."""
        return f"{self.path}#{self.index}" if self.index or self.item is not None else self.path


def open_text(path: str | os.PathLike) -> io.TextIOBase:
    """Open a text file, transparently un-gzipping `.gz` files."""
    p = str(path)
    try:
        if p.endswith(".gz"):
            return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8")
        return open(p, encoding="utf-8")
    except FileNotFoundError:
        raise InputError(p, "no such file") from None
    except IsADirectoryError:
        raise InputError(p, "is a directory, expected a file") from None
    except PermissionError:
        raise InputError(p, "permission denied") from None


def read_text(path: str | os.PathLike) -> str:
    """Whole file as text; errors become InputError naming the file."""
    with open_text(path) as fh:
        try:
            return fh.read()
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            raise InputError(str(path), f"cannot read: {exc}") from None


def strip_gz(name: str) -> str:
    """A file name without its `.gz` ending (the name that says what the content is)."""
    return name[:-3] if name.endswith(".gz") else name


def walk_files(
    root: str | os.PathLike, *, keep_dir: Callable[[str], bool], keep_file: Callable[[str], bool]
) -> list[str]:
    """The files under folder `root` whose name `keep_file` keeps, in folders whose name `keep_dir` keeps, as one
    sorted list of paths."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if keep_dir(d))
        found.extend(os.path.join(dirpath, fn) for fn in filenames if keep_file(fn))
    return sorted(found)


def not_hidden(name: str) -> bool:
    """A name that does not start with a dot (hidden files and folders, `.git`, are left out of folder walks)."""
    return not name.startswith(".")


def find_files(paths: Iterable[str | os.PathLike], suffixes: tuple[str, ...] = DOCUMENT_SUFFIXES) -> list[str]:
    """Files named directly, plus those under named folders (recursively) whose name ends in one of `suffixes`
    (optionally followed by `.gz`). A path that does not exist is an InputError."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(walk_files(p, keep_dir=not_hidden, keep_file=lambda fn: strip_gz(fn).endswith(suffixes)))
        elif p.exists():
            out.append(str(p))
        else:
            raise InputError(str(p), "no such file or directory")
    return out


def parse_yaml_stream(text: str, path: str) -> Iterator[tuple[int, int, Any]]:
    """Yield (index, start line, object) per YAML document; a syntax error raises InputError with its line."""
    loader = KubeYamlLoader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else 0
            obj = loader.construct_document(node) if node is not None else None
            yield index, line, obj
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(path, f"invalid YAML: {exc.problem or exc.context}", where) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def parse_json_text(text: str, path: str) -> Iterator[tuple[int, int, Any]]:
    """A JSON file holds one document, or JSON Lines (one document per non-empty line)."""
    stripped = text.strip()
    if not stripped:
        return
    try:
        yield 0, 1, json.loads(stripped)
        return
    except json.JSONDecodeError as whole_err:
        first_error = whole_err
    # Not one JSON value: try JSON Lines.
    index = 0
    lines = text.splitlines()
    if len([ln for ln in lines if ln.strip()]) < 2:
        raise InputError(path, f"invalid JSON: {first_error.msg}", f"line {first_error.lineno}, column {first_error.colno}")
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", f"line {lineno}, column {exc.colno}") from None
        yield index, lineno, obj
        index += 1


def iter_raw_documents(path: str) -> Iterator[tuple[int, int, Any]]:
    """(index, line, object) for every document of one file, by its suffix (JSON vs YAML; YAML otherwise)."""
    text = read_text(path)
    name = strip_gz(path)
    if name.endswith(JSON_SUFFIXES):
        yield from parse_json_text(text, path)
    else:
        yield from parse_yaml_stream(text, path)


def is_list_kind(obj: Any) -> bool:
    """`kind: List` and typed lists such as `PodList` (what `kubectl get -o yaml` writes)."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("kind"), str)
        and obj["kind"].endswith("List")
        and isinstance(obj.get("items"), list)
    )


def load_documents(path: str, *, expand_lists: bool = True, skip_empty: bool = True) -> list[Document]:
    """All documents of one file. `kind: List` documents are expanded into their items."""
    docs: list[Document] = []
    for index, line, obj in iter_raw_documents(path):
        if obj is None and skip_empty:
            continue
        if expand_lists and is_list_kind(obj):
            for i, item in enumerate(obj["items"]):
                docs.append(Document(path, index, line, item, item=i))
        else:
            docs.append(Document(path, index, line, obj))
    return docs


def iter_documents(paths: Iterable[str], suffixes: tuple[str, ...] = DOCUMENT_SUFFIXES, **kw: Any) -> Iterator[Document]:
    """Documents of every file found under `paths` (see find_files), in a stable order."""
    for f in find_files(paths, suffixes):
        yield from load_documents(f, **kw)


def dump_yaml(objs: Iterable[Any]) -> str:
    """A multi-document YAML stream, keys in the order given, block style, unicode kept."""
    return yaml.dump_all(
        list(objs), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120
    )


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe dumper that writes multi-line strings (CEL expressions) as literal blocks."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)
