"""A repository of the C/C++ libraries this project takes from Debian packages.

Every library is described by its pkg-config modules, so link flags, include
directories and defines come from the installed package, never from a copy
kept here. A missing package fails the build at once with the apt-get line that
fixes it. The libraries come in groups (GROUPS): a workspace asks for the ones
it builds (another team's, through client_deps.bzl: the client's only), and
only their packages need be installed.
"""

# Libraries that link OpenSSL 3's libcrypto (or are it): incompatible with
# --config=boringssl, so a target that would load both libcrypto is skipped
# by `bazel test //...` and refused when named, instead of clashing at run
# time.
_LINK_OPENSSL = ["grpc", "grpc_reflection", "libcrypto", "libssl", "xmlsec"]

# Who needs which library, so that a workspace installs only the packages of
# what it builds (a team that links the client library needs neither Redis's
# client nor the test frameworks):
#   client  the client library (client/, proto/) and //tests/harness:in_process_sts
#   soap    client/soap, the SOAP/XML component of the client library
#   server  sts_server and its tools (sts/)
#   test    the test frameworks and the benchmark library
GROUPS = ["client", "soap", "server", "test"]

# target name -> (group, pkg-config modules, extra linkopts, Debian package)
_LIBRARIES = {
    "grpc": ("client", ["grpc++", "protobuf"], [], "libgrpc++-dev"),
    "protobuf": ("client", ["protobuf"], [], "libprotobuf-dev"),
    "libcrypto": ("client", ["libcrypto"], [], "libssl-dev"),
    "absl": ("client", [
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_time",
        "absl_synchronization",
        "absl_hash",
        "absl_raw_hash_set",
        "absl_cleanup",
    ], [], "libabsl-dev"),
    "libxml2": ("soap", ["libxml-2.0"], [], "libxml2-dev"),
    "xmlsec": ("soap", ["xmlsec1-openssl"], [], "libxmlsec1-dev"),
    "libssl": ("server", ["libssl"], [], "libssl-dev"),
    "grpc_reflection": ("server", [], ["-lgrpc++_reflection"], "libgrpc++-dev"),
    "absl_flags": ("server", ["absl_flags", "absl_flags_parse", "absl_flags_usage"], [], "libabsl-dev"),
    "hiredis": ("server", ["hiredis"], [], "libhiredis-dev"),
    "prometheus": ("server", ["prometheus-cpp-core", "prometheus-cpp-pull"], [], "prometheus-cpp-dev"),
    "gtest": ("test", ["gtest"], [], "libgtest-dev"),
    "gtest_main": ("test", ["gtest_main", "gmock"], [], "libgtest-dev libgmock-dev"),
    "benchmark": ("test", ["benchmark"], ["-lbenchmark_main"], "libbenchmark-dev"),
}

# The pkg-config modules and Debian packages of a group, for the files that
# describe the installed client library (//packaging: sts-client.pc, the CMake
# package, the Debian package's Depends).
def group_modules(group):
    """The pkg-config modules of `group`'s libraries."""
    modules = {}  # ordered, each once
    for g, group_modules, _, _ in _LIBRARIES.values():
        if g == group:
            for m in group_modules:
                modules[m] = True
    return modules.keys()

def group_packages(group):
    """The Debian packages of `group`'s libraries."""
    return sorted({p: True for g, _, _, packages in _LIBRARIES.values() if g == group for p in packages.split(" ")}.keys())

# Libraries with no pkg-config module, installed under a directory of their
# own: target -> (include dir, library under /usr/lib/<multiarch>/, Debian
# package). Android's BoringSSL sits beside OpenSSL 3 under android/: its
# headers are exposed ahead of /usr/include (whose openssl/ they shadow) and
# its libcrypto.so.0 is linked by path and found at run time through an rpath,
# so it can never be mistaken for OpenSSL's libcrypto.so.3. Select it with
# --config=boringssl (.bazelrc); see client/crypto/README.md. These are
# optional: when one is not installed, only a build that uses it fails.
_UNLISTED = {
    "boringssl": ("/usr/include/android", "android/libcrypto.so.0", "android-libboringssl-dev"),
}

def _absolute(label):
    """`label` as the generated repository must spell it: with its
    repository, "@" alone for the main one (str() would drop it)."""
    return "@{}//{}:{}".format(label.workspace_name, label.package, label.name)

# In the repository that holds this file (the main one, or @sts when it is
# another workspace's external repository).
_BORINGSSL = _absolute(Label("//third_party:boringssl"))
_INCOMPATIBLE = _absolute(Label("//third_party:incompatible"))

def _pkg_config(ctx, args, package):
    result = ctx.execute(["pkg-config"] + args)
    if result.return_code != 0:
        fail("pkg-config {} failed ({}). Install it: apt-get install -y {}".format(
            " ".join(args),
            result.stderr.strip(),
            package,
        ))
    return result.stdout.strip().split(" ") if result.stdout.strip() else []

def _failing_library(build, name, message):
    """A cc_library `name` whose build fails, printing `message`: whether it
    is built itself (its source) or compiled against (its header)."""
    build.append("genrule(")
    build.append('    name = "{}_unavailable",'.format(name))
    build.append('    outs = ["{0}_unavailable.h", "{0}_unavailable.cc"],'.format(name))
    build.append("    cmd = {},".format(repr("echo '{}' >&2; exit 1".format(message.replace("'", "")))))
    build.append(")")
    build.append("")
    build.append('cc_library(name = "{0}", srcs = ["{0}_unavailable.cc"], hdrs = ["{0}_unavailable.h"])'.format(name))
    build.append("")

def _system_libs_impl(ctx):
    build = [
        "# Generated by //third_party:system_libs.bzl from pkg-config; do not edit.",
        'package(default_visibility = ["//visibility:public"])',
        "",
    ]
    for group in ctx.attr.groups:
        if group not in GROUPS:
            fail("system_libs: unknown group \"{}\" (the groups are {})".format(
                group,
                ", ".join(GROUPS),
            ))
    linked_dirs = {}
    for name, (group, modules, extra_linkopts, package) in _LIBRARIES.items():
        if group not in ctx.attr.groups:
            # Neither looked up nor required: a build that needs it fails
            # with what to change, instead of every workspace installing
            # every package.
            _failing_library(build, name, "@{}//:{} is in the \"{}\" group, which this workspace did not ask for: add \"{}\" to the groups of {} in its WORKSPACE (and apt-get install -y {})".format(
                ctx.name,
                name,
                group,
                group,
                ctx.name,
                package,
            ))
            continue
        linkopts = []
        defines = []
        includes = []
        if modules:
            linkopts = _pkg_config(ctx, ["--libs"] + modules, package)
            for flag in _pkg_config(ctx, ["--cflags"] + modules, package):
                if flag.startswith("-D"):
                    defines.append(flag[2:])
                elif flag.startswith("-I"):
                    # Headers outside /usr/include's top level are exposed by a
                    # symlink so dependants get them through `includes`.
                    path = flag[2:]
                    alias = "include" + path.replace("/", "_")
                    if alias not in linked_dirs:
                        ctx.symlink(path, alias)
                        linked_dirs[alias] = True
                    includes.append(alias)
        linkopts = linkopts + extra_linkopts
        build.append("cc_library(")
        build.append('    name = "{}",'.format(name))
        if includes:
            build.append("    hdrs = glob([{}]),".format(
                ", ".join(['"{}/**/*.h"'.format(i) for i in includes]),
            ))
            build.append("    includes = {},".format(repr(includes)))
        build.append("    defines = {},".format(repr(defines)))
        build.append("    linkopts = {},".format(repr(linkopts)))
        if name in _LINK_OPENSSL:
            build.append("    target_compatible_with = select({{{}: [{}], {}: []}}),".format(
                repr(_BORINGSSL),
                repr(_INCOMPATIBLE),
                repr("//conditions:default"),
            ))
        build.append(")")
        build.append("")
    multiarch = ctx.execute(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).stdout.strip()
    for name, (include_dir, library, package) in _UNLISTED.items():
        library = "/usr/lib/{}/{}".format(multiarch, library)
        missing = [p for p in [include_dir, library] if not ctx.path(p).exists]
        if missing:
            # Optional: only a build that selects it fails, with the fix.
            _failing_library(build, name, "{} is missing. Install it: apt-get install -y {}".format(
                " and ".join(missing),
                package,
            ))
            continue
        alias = "include" + include_dir.replace("/", "_")
        ctx.symlink(include_dir, alias)
        library_dir = library[:library.rindex("/")]
        build.append("cc_library(")
        build.append('    name = "{}",'.format(name))
        build.append('    hdrs = glob(["{}/**/*.h"]),'.format(alias))
        build.append("    includes = {},".format(repr([alias])))
        build.append("    linkopts = {},".format(repr([
            "-Wl," + library,
            "-Wl,-rpath," + library_dir,
        ])))
        build.append(")")
        build.append("")
    ctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(ctx.name))
    ctx.file("BUILD.bazel", "\n".join(build))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
    attrs = {
        "groups": attr.string_list(
            default = GROUPS,
            doc = "The groups (GROUPS) whose libraries are looked up; the others' targets fail when built.",
        ),
    },
    doc = "C/C++ libraries from Debian packages, described by pkg-config.",
)
