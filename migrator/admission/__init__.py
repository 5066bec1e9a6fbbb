"""The API server's ValidatingAdmissionPolicy plugin, in Python (k8s.io/apiserver pkg/admission/plugin/policy).

matching.py (does a request match criteria) -> policy_matcher.py (a policy's matchConstraints, a binding's
matchResources) -> params.py (paramRef lookup) -> validator.py (one policy x binding x param -> decisions) ->
dispatcher.py (the only loop: every policy and binding, validationActions, the request's decision).
Matching knows nothing about CEL; the validator knows nothing about bindings' actions.
"""

from migrator.admission.decision import AdmissionDecision, Violation
from migrator.admission.dispatcher import Dispatcher, build_dispatcher

__all__ = ["AdmissionDecision", "Dispatcher", "Violation", "build_dispatcher"]
