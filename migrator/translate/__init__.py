"""Translate Kyverno policies and webhook scopes into ValidatingAdmissionPolicy + binding objects.

Entry point for other commands: `convert_documents(docs, mode="keep") -> list[PolicyConversion]`
(model in migrator/translate/model.py; `conversion.migratable` is true when every rule converted).
"""

from __future__ import annotations

from typing import Any, Iterable


def convert_documents(docs: Iterable[Any], mode: str = "keep") -> list[Any]:
    """Convert every Kyverno policy among `docs` (migrator.sources.documents.Document); other documents are ignored."""
    from migrator.translate.kyverno.policy import convert_documents as _convert

    return _convert(docs, mode)
