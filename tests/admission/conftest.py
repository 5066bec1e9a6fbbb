"""Builders for policies, bindings and requests, so each test states only what it is about."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from migrator.admission.dispatcher import build_dispatcher
from migrator.sources.documents import Document
from migrator.sources.vap import ParamObject, Origin, PolicySet, read_binding, read_policy

POD_RULE = {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}


def policy_doc(name="p", *, rules=None, validations=None, **spec):
    body = {"matchConstraints": {"resourceRules": rules or [POD_RULE]}}
    if validations is None and "auditAnnotations" not in spec:
        validations = [{"expression": "true"}]
    if validations is not None:
        body["validations"] = validations
    for key, value in spec.items():
        if key == "matchConstraints":
            body["matchConstraints"].update(value)
        else:
            body[key] = value
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": body,
    }


def binding_doc(name="b", policy="p", actions=("Deny",), **spec):
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": {"policyName": policy, "validationActions": list(actions), **spec},
    }


def pod(name="web", namespace="default", labels=None, image="nginx:1.25", **extra):
    meta = {"name": name, "namespace": namespace}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [{"name": "c", "image": image}]}, **extra}


def request(obj=None, *, old=None, operation="CREATE", kind=("", "v1", "Pod"), resource=("", "v1", "pods"),
            namespace="default", name=None, sub="", **extra):
    req = {
        "uid": "u1",
        "kind": {"group": kind[0], "version": kind[1], "kind": kind[2]},
        "resource": {"group": resource[0], "version": resource[1], "resource": resource[2]},
        "name": name if name is not None else ((obj or old or {}).get("metadata", {}).get("name", "")),
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": "alice", "groups": ["devs"]},
        "object": obj,
        "oldObject": old,
    }
    if sub:
        req["subResource"] = sub
    req.update(extra)
    return req


def make_policy_set(*docs):
    ps = PolicySet()
    for i, doc in enumerate(docs):
        document = Document("test.yaml", i, 1, copy.deepcopy(doc))
        if doc["kind"] == "ValidatingAdmissionPolicy":
            p = read_policy(document)
            ps.policies[p.name] = p
        else:
            ps.bindings.append(read_binding(document))
    ps.bindings.sort(key=lambda b: b.name)
    return ps


def param(obj):
    meta = obj.get("metadata", {})
    api = obj.get("apiVersion", "v1")
    return ParamObject(api.rpartition("/")[0] if "/" in api else "", obj["kind"], meta["name"], meta.get("namespace", ""),
                       dict(meta.get("labels") or {}), obj, Origin("params.yaml", "document 1"))


def dispatcher(*docs, params=(), namespaces=()):
    return build_dispatcher(make_policy_set(*docs), params=[param(p) for p in params], namespaces=[param(n) for n in namespaces])


@pytest.fixture
def vap():
    """The builders above, as one object (test modules cannot import conftest in importlib mode)."""
    return SimpleNamespace(
        policy=policy_doc, binding=binding_doc, pod=pod, request=request, policy_set=make_policy_set,
        param=param, dispatcher=dispatcher, POD_RULE=POD_RULE,
    )
