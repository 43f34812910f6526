"""@python_headers: the C headers of the system python3 that runs py_test.

Native py_test runs `python3` from the test's PATH (/usr/bin/python3 under
--incompatible_strict_action_env), so the extension is built against that
interpreter's headers (Debian's python3-dev, installed by
scripts/install-deps.sh). Local: nothing is downloaded.
"""

_BUILD = """\
cc_library(
    name = "python_headers",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
    visibility = ["//visibility:public"],
)
"""

def _python_headers_impl(ctx):
    python = ctx.path(ctx.attr.python)
    if not python.exists:
        fail("%s not found: run scripts/install-deps.sh" % ctx.attr.python)
    result = ctx.execute([python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"])
    include = result.stdout.strip()
    if result.return_code != 0 or not ctx.path(include + "/Python.h").exists:
        fail("no Python.h for %s (python3-dev): %s" % (ctx.attr.python, result.stderr))
    ctx.symlink(include, "include")
    ctx.file("BUILD", _BUILD)

python_headers = repository_rule(
    implementation = _python_headers_impl,
    attrs = {"python": attr.string(default = "/usr/bin/python3")},
    local = True,
)
