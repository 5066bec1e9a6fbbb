"""`migrator pr`: convert output -> a reviewable git branch and GitHub pull request with a staged rollout.

inputs (read and check the convert/verify/analyze outputs) -> rollout (stage the bindings) -> plan (read-only:
base, branch, files, safety checks) -> description (jinja2) -> publish (worktree commit, ref update, push, REST).
"""
