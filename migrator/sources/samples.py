"""Recorded AdmissionReview samples, streamed: one per file or many per stream (multi-document YAML, JSON Lines, .gz).

Samples are read lazily so memory stays flat however many there are. A bad sample in a stream (corrupt JSON
line, not an AdmissionReview, missing request fields) becomes a `Sample` with `error` set and the rest of the
stream still runs; a YAML syntax error or a truncated gzip ends its file with one error sample.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from migrator.errors import InputError
from migrator.sources.documents import JSON_SUFFIXES, KubeYamlLoader, find_files, open_text, strip_gz

REVIEW_API_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")
STREAM_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Sample:
    """One AdmissionReview (or the reason it could not be read).

    ref: the name reports use: the file name relative to the folder given (or the file as given), plus `#N`
    (0-based) when the file is a stream of several documents.
    """

    ref: str
    path: str
    line: int
    request: dict | None = None
    expected_allowed: bool | None = None  # response.allowed when the sample recorded the webhook's decision
    error: str | None = None

    @property
    def location(self) -> str:
        """`file: line N` for error lines."""
        return f"{self.path}: line {self.line}" if self.line else self.path

    @property
    def uid(self) -> str | None:
        return (self.request or {}).get("uid")


def _gvk_error(value: Any, field: str, keys: tuple[str, ...]) -> str | None:
    if not isinstance(value, dict):
        return f"request.{field}: Required value"
    for key in keys:
        if not isinstance(value.get(key, ""), str):
            return f"request.{field}.{key}: expected a string"
    if not value.get(keys[-1]):
        return f"request.{field}.{keys[-1]}: Required value"
    return None


def check_review(obj: Any) -> tuple[dict | None, bool | None, str | None]:
    """(request, expected_allowed, error) of one parsed document."""
    if not isinstance(obj, dict):
        return None, None, f"not an AdmissionReview (a {type(obj).__name__}, expected an object)"
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind != "AdmissionReview" or api_version not in REVIEW_API_VERSIONS:
        return None, None, f"not an AdmissionReview (apiVersion {api_version!r}, kind {kind!r})"
    request = obj.get("request")
    if not isinstance(request, dict):
        return None, None, "request: Required value"
    for field, keys in (("kind", ("group", "version", "kind")), ("resource", ("group", "version", "resource"))):
        err = _gvk_error(request.get(field), field, keys)
        if err:
            return None, None, err
    op = request.get("operation")
    if op not in OPERATIONS:
        return None, None, f"request.operation: Unsupported value: {op!r}: supported values: {', '.join(OPERATIONS)}"
    for field in ("object", "oldObject"):
        if request.get(field) is not None and not isinstance(request[field], dict):
            return None, None, f"request.{field}: expected an object"
    for field in ("name", "namespace", "subResource", "uid"):
        if request.get(field) is not None and not isinstance(request[field], str):
            return None, None, f"request.{field}: expected a string"
    expected = None
    response = obj.get("response")
    if isinstance(response, dict) and isinstance(response.get("allowed"), bool):
        expected = response["allowed"]
    return request, expected, None


def _sample(ref: str, path: str, line: int, obj: Any) -> Sample:
    request, expected, error = check_review(obj)
    return Sample(ref, path, line, request, expected, error)


def _read_errors() -> tuple[type[BaseException], ...]:
    return (EOFError, gzip.BadGzipFile, zlib.error, OSError, UnicodeDecodeError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "compressed file ended before the end-of-stream marker was reached (truncated gzip)"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    return f"cannot read: {exc}"


def _iter_json_lines(path: str, name: str) -> Iterator[Sample]:
    """JSON Lines, one line at a time; a corrupt line is one error sample."""
    index = 0
    lineno = 0
    with open_text(path) as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                ref = f"{name}#{index}"
                index += 1
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Sample(ref, path, lineno, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
                    continue
                yield _sample(ref, path, lineno, obj)
        except _read_errors() as exc:
            yield Sample(f"{name}#{index}", path, lineno + 1, error=_describe(exc))


def _iter_json_file(path: str, name: str) -> Iterator[Sample]:
    """A .json file: one document, or JSON Lines when the whole text is not one JSON value."""
    try:
        with open_text(path) as fh:
            text = fh.read()
    except _read_errors() as exc:
        yield Sample(name, path, 0, error=_describe(exc))
        return
    stripped = text.strip()
    if not stripped:
        return
    try:
        obj = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if len([ln for ln in text.splitlines() if ln.strip()]) < 2:
            yield Sample(name, path, exc.lineno, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
            return
        index = 0
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            ref = f"{name}#{index}"
            index += 1
            try:
                yield _sample(ref, path, lineno, json.loads(line))
            except json.JSONDecodeError as err:
                yield Sample(ref, path, lineno, error=f"invalid JSON: {err.msg} (column {err.colno})")
        return
    yield from _expand(name, path, 1, obj, stream=False)


def _expand(name: str, path: str, line: int, obj: Any, *, stream: bool, index: int = 0) -> Iterator[Sample]:
    """A document that is a `kind: List` of AdmissionReviews yields each item (`name#index.item`); a JSON array
    of reviews in a lone document yields each element (`name#i`)."""
    if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
        for i, item in enumerate(obj["items"]):
            yield _sample(f"{name}#{index}.{i}", path, line, item)
        return
    if isinstance(obj, list) and not stream:
        for i, item in enumerate(obj):
            yield _sample(f"{name}#{i}", path, line, item)
        return
    yield _sample(f"{name}#{index}" if stream else name, path, line, obj)


def _yaml_documents(loader: Any) -> Iterator[tuple[int, Any]]:
    while loader.check_node():
        node = loader.get_node()
        if node is None:
            continue
        obj = loader.construct_document(node)
        if obj is not None:
            yield node.start_mark.line + 1, obj


def _iter_yaml(path: str, name: str) -> Iterator[Sample]:
    """A YAML stream, one document at a time (one look-ahead: a lone document is named by its file alone)."""
    fh = open_text(path)
    loader = KubeYamlLoader(fh)
    docs = _yaml_documents(loader)
    held: tuple[int, Any] | None = None
    index = 0
    try:
        try:
            held = next(docs, None)
            if held is None:
                return
            second = next(docs, None)
            if second is None:
                yield from _expand(name, path, held[0], held[1], stream=False)
                return
            first, held = held, None
            yield from _expand(name, path, first[0], first[1], stream=True, index=0)
            yield from _expand(name, path, second[0], second[1], stream=True, index=1)
            index = 2
            for line, obj in docs:
                yield from _expand(name, path, line, obj, stream=True, index=index)
                index += 1
        except yaml.MarkedYAMLError as exc:
            if held is not None:
                yield from _expand(name, path, held[0], held[1], stream=True, index=0)
                index = 1
            mark = exc.problem_mark or exc.context_mark
            ref = f"{name}#{index}" if index else name
            yield Sample(ref, path, mark.line + 1 if mark else 0, error=f"invalid YAML: {exc.problem or exc.context}" + (f" (column {mark.column + 1})" if mark else ""))
        except _read_errors() as exc:
            if held is not None:
                yield from _expand(name, path, held[0], held[1], stream=True, index=0)
                index = 1
            yield Sample(f"{name}#{index}" if index else name, path, 0, error=_describe(exc))
    finally:
        loader.dispose()
        fh.close()


def iter_file_samples(path: str, name: str | None = None) -> Iterator[Sample]:
    """Every sample of one file, by its suffix (optionally `.gz`)."""
    name = name or path
    plain = strip_gz(path)
    if plain.endswith(STREAM_SUFFIXES):
        yield from _iter_json_lines(path, name)
    elif plain.endswith(JSON_SUFFIXES):
        yield from _iter_json_file(path, name)
    else:
        yield from _iter_yaml(path, name)


def sample_files(paths: Iterable[str | os.PathLike]) -> list[tuple[str, str]]:
    """(file, report name) for every sample file under `paths`: names are relative to a folder given, or the
    file path as given. A missing path is an InputError."""
    out: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in find_files([p]):
                out.append((f, os.path.relpath(f, p)))
        elif p.exists():
            out.append((str(p), str(raw)))
        else:
            raise InputError(str(raw), "no such file or directory")
    return out


def iter_samples(paths: Iterable[str | os.PathLike]) -> Iterator[Sample]:
    """Samples of every file under `paths`, in a stable order (files sorted within each folder)."""
    for path, name in sample_files(paths):
        yield from iter_file_samples(path, name)
