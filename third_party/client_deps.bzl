"""The one call another Bazel workspace makes to build the client library.

A team's WORKSPACE, with this repository checked out at CHECKOUT:

    local_repository(
        name = "sts",
        path = "CHECKOUT",
        # This repository's BUILD files name their Debian libraries @system;
        # the mapping points them at the repository sts_client_deps makes, so
        # the team's own @system (if any) is left alone.
        repo_mapping = {"@system": "@sts_system"},
    )

    load("@sts//third_party:client_deps.bzl", "sts_client_deps")

    sts_client_deps()

and its .bazelrc needs `build --cxxopt=-std=c++17 --host_cxxopt=-std=c++17`
(Bazel 4's toolchain defaults to C++11; Abseil's headers need C++17).
docs/USING.md is the whole guide; tests/consumers/bazel is a workspace that
does exactly this and is built by tests/run_all.sh.
"""

load(":system_libs.bzl", "GROUPS", "system_libs")

# Repositories Bazel 4's @bazel_tools loads and would download: the offline
# stand-ins this repository keeps under third_party/.
_STANDINS = ["rules_cc", "rules_java", "remote_coverage_tools"]

def _standin_impl(ctx):
    # third_party/ of the checkout, wherever the consumer keeps it.
    source = ctx.path(ctx.attr._third_party).dirname.get_child(ctx.name)
    if not source.exists:
        fail("sts_client_deps: {} is missing from the checkout".format(source))
    for child in source.readdir():
        ctx.symlink(child, child.basename)

_standin = repository_rule(
    implementation = _standin_impl,
    local = True,
    attrs = {
        "_third_party": attr.label(default = Label("//third_party:BUILD.bazel")),
    },
    doc = "This checkout's offline copy of the repository of the same name.",
)

def sts_client_deps(name = "sts_system", groups = ["client"]):
    """Declares what building @sts//client/... needs, offline.

    The Debian libraries of the requested groups (third_party/system_libs.bzl:
    "client" always; "soap" for @sts//client/soap; "test" for gtest and
    gmock, e.g. @sts_system//:gtest_main), found by pkg-config, so only their
    -dev packages must be installed; and the stand-ins of the repositories
    Bazel 4 would otherwise download, unless the workspace declares its own.

    Args:
      name: the repository of the Debian libraries; the one that
        local_repository's repo_mapping maps "@system" to.
      groups: the library groups to set up; must include "client".
    """
    if "client" not in groups:
        fail("sts_client_deps: groups must include \"client\" (got {}; the groups are {})".format(
            groups,
            ", ".join(GROUPS),
        ))
    for standin in _STANDINS:
        if not native.existing_rule(standin):
            _standin(name = standin)
    system_libs(name = name, groups = groups)
