"""Benchmarks against the real stack (Daphne, Celery, PostgreSQL, Redis, fake Twilio).

Run with `bash bench/run.sh`; figures go to stdout as a table. Not part of the test suite.
"""
