"""migrator: move Kubernetes admission webhooks and Kyverno policies to ValidatingAdmissionPolicy.

The pipeline reads left to right through the sub-packages:
sources -> translate -> cel -> admission -> verify/analyze -> report/pr; cli wires them.
"""

__version__ = "0.1.0"
