#!/usr/bin/env bash
# Bazel entry point for api_map.py (system python3).
exec python3 tests/lint/api_map.py .
