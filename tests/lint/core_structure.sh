#!/usr/bin/env bash
# Bazel entry point for core_structure.py (system python3; rules_python is
# not available offline).
exec python3 tests/lint/core_structure.py c/src
