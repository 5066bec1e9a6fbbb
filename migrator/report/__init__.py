"""Renderers shared by every command, one file per format: table (rich), json, junit, sarif.

They know formats, not commands: a command adapts its results to them (see migrator/verify/output.py).
"""
