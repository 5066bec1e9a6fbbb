"""Kyverno ClusterPolicy/Policy and ValidatingPolicy -> ValidatingAdmissionPolicy."""
