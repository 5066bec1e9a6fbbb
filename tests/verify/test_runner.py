"""The runner streams: results come out while samples are still being read, in input order, with a bounded
number of samples in flight (so memory does not grow with the number of samples)."""

from __future__ import annotations

from migrator.admission.dispatcher import build_dispatcher
from migrator.sources.documents import Document
from migrator.sources.samples import Sample
from migrator.sources.vap import PolicySet, read_binding, read_policy
from migrator.verify import runner


def dispatcher():
    ps = PolicySet()
    policy = read_policy(Document("p.yaml", 0, 1, {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p"},
        "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["pods"]}]},
                 "validations": [{"expression": "object.metadata.name.endsWith('0')"}]},
    }))
    ps.policies["p"] = policy
    ps.bindings.append(read_binding(Document("p.yaml", 1, 1, {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "b"},
        "spec": {"policyName": "p", "validationActions": ["Deny"]},
    })))
    return build_dispatcher(ps)


def samples(count, consumed):
    for i in range(count):
        consumed.append(i)
        request = {
            "uid": str(i), "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default", "name": f"p{i}",
            "operation": "CREATE", "object": {"metadata": {"name": f"p{i}"}},
        }
        yield Sample(f"s#{i}", "s", i + 1, request, i % 10 == 0)


def test_in_process_results_stream_in_order():
    consumed: list[int] = []
    outcomes = runner.run(samples(1000, consumed), dispatcher(), jobs=1)
    first, _flags, invalid = next(outcomes)
    assert first["sample"] == "s#0" and first["allowed"] is True and not invalid
    assert len(consumed) <= runner.CHUNK  # the rest is not read yet
    rest = [o[0] for o in outcomes]
    assert [r["sample"] for r in rest] == [f"s#{i}" for i in range(1, 1000)]
    assert all(r["agree"] for r in [first, *rest])


def test_pool_keeps_a_bounded_window_and_input_order():
    consumed: list[int] = []
    jobs = 2
    outcomes = runner.run(samples(3000, consumed), dispatcher(), jobs=jobs)
    first = next(outcomes)[0]
    assert first["sample"] == "s#0"
    window = runner.CHUNK * (jobs * runner.IN_FLIGHT_PER_JOB + 1)
    assert len(consumed) <= window < 3000
    names = [first["sample"]] + [o[0]["sample"] for o in outcomes]
    assert names == [f"s#{i}" for i in range(3000)]


def test_small_runs_stay_in_process(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a handful of samples")

    monkeypatch.setattr(runner, "_run_pool", no_pool)
    consumed: list[int] = []
    assert len(list(runner.run(samples(10, consumed), dispatcher(), jobs=4))) == 10
