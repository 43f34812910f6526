#!/usr/bin/env bash
# tests/lint/sync_comments.py over bench/c (it checks c/src in //tests/lint).
exec python3 tests/lint/sync_comments.py bench/c
