"""Helpers shared by several test directories, imported as ``tests.support.<module>``.

They live here rather than in a ``conftest.py``: pytest imports every conftest under the one
name ``conftest``, so ``from conftest import ...`` finds whichever it imported last when a run
names several directories.
"""
