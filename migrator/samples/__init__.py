"""Turning what a cluster already has into recorded AdmissionReview samples for `migrator verify`.

Three sources, one output shape (see review.py): API server audit logs (from_audit), existing objects
(from_cluster) and Kyverno CLI test suites (from_kyverno_test); writer.py writes them to a folder or a
JSON Lines stream.
"""
