"""Make the helper module `dialect_env` importable from these tests (pytest runs in importlib mode)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
