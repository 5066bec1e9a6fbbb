"""Translate Kyverno policies and webhook scopes into ValidatingAdmissionPolicy + binding objects."""
