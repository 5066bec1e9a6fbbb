"""Readers for everything migrator takes in: YAML/JSON streams, policies, webhooks, clusters, samples, logs."""
