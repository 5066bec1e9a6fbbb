"""Collect the Kubernetes function libraries (migrator/cel/library/*.py) and dispatch calls to their overloads.

A library module exports `LIBRARY: Library` (contract in migrator/cel/library/__init__.py). A module that fails
to import is reported once on the `migrator.cel` logger and left out: its functions are then undeclared, exactly
as if the library did not exist.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

from migrator.cel import types as T
from migrator.cel.library import Library, Overload

log = logging.getLogger("migrator.cel")


def _predicate(t: T.CelType, library_types: dict[str, type]) -> Callable[[Any], bool]:
    """Runtime test of one declared parameter type (outer kind only: list(int) accepts any list)."""
    name = t.name
    if t.is_dyn or t.is_param:
        return lambda v: True
    cls = library_types.get(name)
    if cls is not None:
        return lambda v: isinstance(v, cls)
    if name == "null_type":
        return lambda v: v is None
    return lambda v: T.runtime_type_name(v) == name


@dataclass
class BoundOverload:
    overload: Overload
    param_types: tuple[T.CelType, ...]
    result_type: T.CelType
    predicates: tuple[Callable[[Any], bool], ...]
    library: str

    def accepts(self, args: tuple[Any, ...]) -> bool:
        if len(args) != len(self.predicates):
            return False
        for pred, arg in zip(self.predicates, args):
            if not pred(arg):
                return False
        return True


@dataclass
class Registry:
    """All library overloads, indexed by (function name, member?)."""

    libraries: list[Library] = field(default_factory=list)
    functions: dict[tuple[str, bool], list[BoundOverload]] = field(default_factory=dict)
    types: dict[str, type] = field(default_factory=dict)
    constant_validators: dict[str, list[Callable[..., None]]] = field(default_factory=dict)

    def add(self, library: Library) -> None:
        self.libraries.append(library)
        from migrator.cel import runtime

        for name, cls in library.types.items():
            self.types[name] = cls
            T.register_runtime_type(cls, name)
            runtime.register_library_class(cls)  # never mistaken for a string/int even if it subclasses one
        for fname, validator in library.constant_validators.items():
            self.constant_validators.setdefault(fname, []).append(validator)
        for ov in library.overloads:
            try:
                params = tuple(T.parse_type(p) for p in ov.params)
                result = T.parse_type(ov.result)
            except ValueError as exc:
                log.warning("library %s: overload %s skipped: %s", library.name, ov.name, exc)
                continue
            preds = tuple(_predicate(p, self.types) for p in params)
            self.functions.setdefault((ov.name, ov.member), []).append(
                BoundOverload(ov, params, result, preds, library.name)
            )

    def overloads(self, name: str, member: bool) -> list[BoundOverload]:
        return self.functions.get((name, member), [])

    def has_function(self, name: str) -> bool:
        return (name, False) in self.functions or (name, True) in self.functions


_REGISTRY: Registry | None = None


def load_registry() -> Registry:
    """Import every library module once per process."""
    global _REGISTRY
    if _REGISTRY is not None:
        return _REGISTRY
    import migrator.cel.library as package

    registry = Registry()
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except Exception as exc:  # a half-written library must not take the engine down
            log.warning("CEL library %s not loaded: %s: %s", info.name, type(exc).__name__, exc)
            continue
        library = getattr(module, "LIBRARY", None)
        if isinstance(library, Library):
            registry.add(library)
    # Re-resolve predicates now that every library type is known (a library may name another's type).
    for bound_list in registry.functions.values():
        for bound in bound_list:
            bound.predicates = tuple(_predicate(p, registry.types) for p in bound.param_types)
    _REGISTRY = registry
    return registry
