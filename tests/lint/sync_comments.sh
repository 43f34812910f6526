#!/usr/bin/env bash
# Bazel entry point for sync_comments.py (system python3; rules_python is not
# available offline).
exec python3 tests/lint/sync_comments.py c/src
