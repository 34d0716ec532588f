"""Shared test helpers."""
import importlib
import os
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.fixture(scope="session")
def example():
    """example(name) -> examples/<name>.py imported as a module (its functions are what the example runs)."""
    def load(name):
        sys.path.insert(0, EXAMPLES)
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(EXAMPLES)
    return load
