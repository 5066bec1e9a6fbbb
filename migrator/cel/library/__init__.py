"""Function libraries of the Kubernetes CEL environment, as declarations the engine wires in.

Each module in this package (ip, cidr, quantity, semver, format, url, regex, lists, authz, ext_strings,
ext_sets, ext_lists, ...) exports `LIBRARY: Library`. The engine (migrator/cel/engine.py) collects them,
declares the functions and types for the type checker, and dispatches each call to the overload whose
receiver/argument classes match the runtime values (first match wins, in declaration order).

Engine side (migrator/cel/registry.py): modules are imported in name order; a module that fails to import is
logged and left out (its functions are then undeclared). Type names are parsed by migrator.cel.types.parse_type:
`int`, `list(string)`, `map(string, int)`, `optional(T)` or `optional_type(T)`, a single capital letter is a type
parameter, and a name from `Library.types` is that library's class. At run time only the outer kind of a
parameter is checked (list(int) accepts any list). Instances of a library type print their canonical form with
`str()` (what `migrator eval` shows and what `string(x)` returns). Library values may implement `cel_select(name)`
/ `cel_has(name)` for field selection and `cel_size()` for size(); `type(x)` is the name registered in `types`.
Library overloads are tried before the engine's built-ins of the same name. Results that are plain Python
values (bool, int, float, str, bytes, list, dict) are converted to celtypes.

constant_validators: when every argument of a call (the receiver of a member call is not passed) is a literal,
the engine calls each validator for that function name at compile time with the literal Python values; a
ValueError (or EvaluationError) becomes a CompileError "<name> validation failed. Reason: ...".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Overload:
    """One overload of a CEL function.

    name:     the CEL function name (`isGreaterThan`, `ip`, `sets.contains`).
    impl:     Python callable taking CEL values (celpy.celtypes or the library's own classes), returning a
              CEL value; it raises migrator.cel.EvaluationError (or returns celpy.CELEvalError) on failure.
    member:   True for `target.name(args)`: impl receives the target first.
    params:   CEL type names of the parameters, target first for members (e.g. ("kubernetes.Quantity", "string")).
              "dyn" accepts anything. Used both for runtime dispatch and by the type checker.
    result:   CEL type name of the result ("bool", "int", "list(string)", "optional(list(string))", "dyn", ...).
    """

    name: str
    impl: Callable[..., Any]
    params: tuple[str, ...]
    result: str
    member: bool = False


@dataclass
class Library:
    """A named set of overloads and the CEL object types they introduce (type name -> Python class)."""

    name: str
    overloads: list[Overload] = field(default_factory=list)
    types: dict[str, type] = field(default_factory=dict)
    # Compile-time checks of constant arguments (e.g. a constant invalid regex or quantity literal is a compile
    # error since Kubernetes 1.29): function name -> callable(args as Python constants) raising ValueError.
    constant_validators: dict[str, Callable[..., None]] = field(default_factory=dict)

    def add(self, name: str, impl: Callable[..., Any], params: tuple[str, ...], result: str, *, member: bool = False) -> None:
        self.overloads.append(Overload(name, impl, params, result, member))
