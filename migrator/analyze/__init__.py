"""`migrator analyze`: find the admission webhooks that can take a cluster down, and what can move to CEL.

One loaded Inventory (migrator.sources.cluster) goes through one module per family of checks; each returns
Findings. `analyzer.analyze()` runs them all and builds the result the report renderers print.
"""
