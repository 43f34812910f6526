#!/usr/bin/env bash
# Bazel entry point for sync_comments_selftest.py: the lint refuses each kind
# of broken pair (system python3; rules_python is not available offline).
exec python3 tests/lint/sync_comments_selftest.py
