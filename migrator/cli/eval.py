"""`migrator eval`: evaluate one CEL expression, or a batch (JSON Lines) for conformance scoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from migrator.cli.app import app


@app.command("eval")
def eval_command(
    expr: Optional[str] = typer.Argument(None, help="CEL expression"),
    batch: Optional[Path] = typer.Option(None, "--batch", help="JSON Lines of {id, expr, vars}"),
) -> None:
    """Evaluate CEL as the Kubernetes API server would."""
    from migrator.cel import CompileError, Environment, EvaluationError, to_cel, to_json

    if batch is not None:
        for line in batch.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            req = json.loads(line)
            variables = req.get("vars") or {}
            env = Environment({k: "dyn" for k in variables})
            try:
                prog = env.compile(req["expr"])
            except CompileError as exc:
                print(json.dumps({"id": req["id"], "error": str(exc), "phase": "compile"}))
                continue
            try:
                value, typ = to_json(prog.evaluate({k: to_cel(v) for k, v in variables.items()}))
                print(json.dumps({"id": req["id"], "value": value, "type": typ}))
            except EvaluationError as exc:
                print(json.dumps({"id": req["id"], "error": str(exc), "phase": "runtime"}))
        return
    if expr is None:
        raise typer.BadParameter("give an expression or --batch FILE")
    prog = Environment({}).compile(expr)
    print(json.dumps(to_json(prog.evaluate({}))[0]))
