# Sourced by scripts/*.sh: defines `bz`, the one way our scripts call Bazel.
#
# Output location: Bazel's default output user root is $HOME/.cache/bazel, and the
# output base inside it is keyed by the workspace path, so a fresh clone in a new
# directory gets its own output base (the unpacked Bazel install is shared). If
# HOME is unset or not writable (some CI runners), fall back to $TMPDIR.
# Override with BAZEL_OUTPUT_USER_ROOT=/some/dir.

_shmring_bazel_startup=()
if [[ -n "${BAZEL_OUTPUT_USER_ROOT:-}" ]]; then
  _shmring_bazel_startup+=("--output_user_root=$BAZEL_OUTPUT_USER_ROOT")
elif [[ -z "${HOME:-}" ]] || ! mkdir -p "$HOME/.cache" 2>/dev/null || [[ ! -w "$HOME/.cache" ]]; then
  _shmring_bazel_startup+=("--output_user_root=${TMPDIR:-/tmp}/bazel-shmring-$(id -u)")
fi

bz() {
  bazel "${_shmring_bazel_startup[@]}" "$@"
}
