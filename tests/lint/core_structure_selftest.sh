#!/usr/bin/env bash
# Bazel entry point for core_structure_selftest.py: the lint refuses each
# kind of defect it is for (system python3).
exec python3 tests/lint/core_structure_selftest.py
