#!/usr/bin/env bash
# Bazel entry point for readme_examples.py (system python3).
exec python3 tests/lint/readme_examples.py .
