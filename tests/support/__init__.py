"""Helpers the test suites share (fixtures stay in conftest.py files).

`factories` for test data, `waiting.wait_until` to wait for a condition, `clients` for API
clients signed in as someone, `processes` for real server processes, `chromium` for the
browser, `live` to capture the live events an action emits.
"""
