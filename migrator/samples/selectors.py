"""Choosing resources on the command line: `pods`, `deployments.apps`, `pods/exec`, `*/scale`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from migrator.errors import MigratorError


@dataclass(frozen=True)
class ResourceSelector:
    """`pods`, `deployments.apps`, `pods/exec`, `*/scale`, `*`: resource[.group][/subresource].

    Like a webhook rule: `pods` is the resource alone, `pods/*` its subresources. No group means any group.
    """

    resource: str
    group: str | None
    subresource: str | None

    @classmethod
    def parse(cls, text: str, option: str = "--resource") -> "ResourceSelector":
        text = text.strip()
        main, _, sub = text.partition("/")
        resource, _, group = main.partition(".")
        if not resource:
            raise MigratorError(f"{option} {text!r}: expected resource[.group][/subresource], e.g. deployments.apps")
        return cls(resource, group if "." in main else None, sub if "/" in text else None)

    def matches(self, group: str, resource: str, subresource: str) -> bool:
        if self.resource != "*" and self.resource != resource:
            return False
        if self.group is not None and self.group != group:
            return False
        if self.subresource is None:
            return not subresource  # as in webhook rules: `*` is every resource, `*/*` adds subresources
        if self.subresource == "*":
            return bool(subresource)  # `pods/*` is every subresource of pods, not pods itself
        return self.subresource == subresource


def parse_selectors(specs: Iterable[str], option: str) -> list[ResourceSelector]:
    """Comma-separated and/or repeated option values."""
    return [ResourceSelector.parse(r, option) for spec in specs for r in spec.split(",") if r.strip()]
