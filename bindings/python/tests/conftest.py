"""pytest configuration: the tests import the `weft` package from the build
tree (CTest sets PYTHONPATH to <build>/bindings/python). Modules whose C
area has not been built are skipped, not failed."""
import importlib

import pytest


def require(module):
    """Imports weft.<module> or skips the calling test module."""
    try:
        return importlib.import_module("weft." + module)
    except (ImportError, AttributeError) as e:  # the area is not in this build
        pytest.skip("weft.%s not available: %s" % (module, e), allow_module_level=True)
