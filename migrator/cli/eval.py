"""`migrator eval`: evaluate one CEL expression, or a batch (JSON Lines) for conformance scoring.

Batch lines are `{"id", "expr", "vars"}`; every var is declared `dyn` (as the conformance scorer requires) and
each line gets exactly one output line: `{"id","value","type"}` or `{"id","error","phase"}` with phase
"compile", "runtime" or "input" (a line that is not a JSON object with a string `expr`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from migrator.cli.app import app

# The variables of a ValidatingAdmissionPolicy expression, typed as the API server declares them
# (pkg/admission/plugin/cel/compile.go createEnvForOpts); --batch declares every var dyn instead (scorer contract).
VAP_VARIABLES = {
    "object": "dyn",
    "oldObject": "dyn",
    "request": "kubernetes.AdmissionRequest",
    "params": "dyn",
    "namespaceObject": "kubernetes.Namespace",
}


def _load_one(path: Path, option: str) -> Any:
    """The single document of a YAML/JSON file (one clear line when missing or malformed)."""
    from migrator.errors import InputError
    from migrator.sources.documents import load_documents

    if not path.exists():
        raise InputError(str(path), "no such file", option)
    try:
        docs = load_documents(str(path), expand_lists=False)
    except InputError:
        raise
    except Exception as exc:  # yaml/json errors carry their own position text
        raise InputError(str(path), f"cannot parse: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                         option) from None
    if not docs:
        raise InputError(str(path), "empty document", option)
    if len(docs) > 1:
        raise InputError(str(path), f"expected one document, found {len(docs)}", option)
    return docs[0].obj


def _request_of(obj: Any) -> Any:
    """Accept a whole AdmissionReview or its `request`."""
    if isinstance(obj, dict) and obj.get("kind") == "AdmissionReview" and isinstance(obj.get("request"), dict):
        return obj["request"]
    return obj


def run_batch(lines: Any, out: Any) -> None:
    """Evaluate every line; a bad line yields an error line and the rest still run."""
    from migrator.cel import CompileError, Environment, EvaluationError, to_cel, to_json

    environments: dict[frozenset, Any] = {}
    for raw in lines:
        if not raw.strip():
            continue
        ident: Any = None
        try:
            req = json.loads(raw)
            if not isinstance(req, dict):
                raise ValueError("line is not a JSON object")
            ident = req.get("id")
            expr = req.get("expr")
            variables = req.get("vars") or {}
            if not isinstance(expr, str):
                raise ValueError("'expr' must be a string")
            if not isinstance(variables, dict):
                raise ValueError("'vars' must be an object")
        except ValueError as exc:
            out.write(json.dumps({"id": ident, "error": f"invalid batch line: {exc}", "phase": "input"}) + "\n")
            continue
        key = frozenset(variables)
        env = environments.get(key)
        if env is None:
            env = environments[key] = Environment({name: "dyn" for name in variables})
        try:
            program = env.compile(expr)
        except CompileError as exc:
            out.write(json.dumps({"id": ident, "error": str(exc), "phase": "compile"}) + "\n")
            continue
        try:
            value, typ = to_json(program.evaluate({k: to_cel(v) for k, v in variables.items()}))
            line = json.dumps({"id": ident, "value": value, "type": typ})
        except EvaluationError as exc:
            line = json.dumps({"id": ident, "error": str(exc), "phase": "runtime"})
        except Exception as exc:  # never let one vector stop the batch
            line = json.dumps({"id": ident, "error": f"{type(exc).__name__}: {exc}", "phase": "runtime"})
        out.write(line + "\n")
    out.flush()


@app.command("eval")
def eval_command(
    expr: Optional[str] = typer.Argument(None, help="CEL expression"),
    batch: Optional[Path] = typer.Option(None, "--batch", help="JSON Lines of {id, expr, vars}; '-' for stdin"),
    object_file: Optional[Path] = typer.Option(None, "--object", help="YAML/JSON bound to `object`"),
    old_object_file: Optional[Path] = typer.Option(None, "--old-object", help="YAML/JSON bound to `oldObject`"),
    request_file: Optional[Path] = typer.Option(None, "--request", help="AdmissionReview or its request"),
    params_file: Optional[Path] = typer.Option(None, "--params", help="YAML/JSON bound to `params`"),
    namespace_file: Optional[Path] = typer.Option(None, "--namespace-object", help="Namespace bound to `namespaceObject`"),
    authorizer_file: Optional[Path] = typer.Option(None, "--authorizer",
                                                   help="Authorizer rules (YAML/JSON); allow-all by default"),
    show_type: bool = typer.Option(False, "--type", help="Also print the CEL type of the result"),
) -> None:
    """Evaluate CEL as the Kubernetes API server would (ValidatingAdmissionPolicy environment)."""
    from migrator.errors import InputError, MigratorError

    if batch is not None:
        if expr is not None:
            raise InputError(None, "give an expression or --batch FILE, not both")
        if str(batch) == "-":
            run_batch(sys.stdin, sys.stdout)
            return
        if not batch.exists():
            raise InputError(str(batch), "no such file", "--batch")
        with open(batch, encoding="utf-8") as fh:
            run_batch(fh, sys.stdout)
        return
    if expr is None:
        raise InputError(None, "give an expression or --batch FILE")

    from migrator.cel import CompileError, Environment, EvaluationError, load_authorizer, to_cel, to_json

    declarations: dict[str, Any] = dict(VAP_VARIABLES)
    bound: dict[str, Any] = {name: None for name in VAP_VARIABLES}
    try:
        authorizer = load_authorizer(str(authorizer_file) if authorizer_file is not None else None)
    except ImportError:  # the authz library is not installed in this build
        authorizer = None
    except FileNotFoundError:
        raise InputError(str(authorizer_file), "no such file", "--authorizer") from None
    if authorizer is not None:
        declarations["authorizer"] = "kubernetes.authorization.Authorizer"
        declarations["authorizer.requestResource"] = "kubernetes.authorization.ResourceCheck"
    for name, path in (("object", object_file), ("oldObject", old_object_file), ("request", request_file),
                       ("params", params_file), ("namespaceObject", namespace_file)):
        if path is not None:
            option = "--" + {"oldObject": "old-object", "namespaceObject": "namespace-object"}.get(name, name)
            obj = _load_one(path, option)
            bound[name] = _request_of(obj) if name == "request" else obj
    try:
        program = Environment(declarations).compile(expr)
    except CompileError as exc:
        raise InputError("<expression>", f"does not compile: {exc}") from None
    try:
        activation = {k: to_cel(v) for k, v in bound.items()}
        if authorizer is not None:
            activation["authorizer"] = authorizer
        value, typ = to_json(program.evaluate(activation))
    except EvaluationError as exc:
        err = MigratorError(f"evaluation error: {exc}")
        err.exit_code = 1
        raise err from None
    print(json.dumps(value))
    if show_type:
        print(typ)
