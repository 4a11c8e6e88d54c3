"""C++ code for .proto files from Debian's protoc and grpc_cpp_plugin.

Bazel 4 cannot fetch rules_proto offline, so genrules run the system
compilers. Protos import each other relative to the package they live in
(e.g. "sts/v1/token.proto" inside //proto), so C++ includes the generated
headers the same way: #include "sts/v1/sts.grpc.pb.h".

Every path given to protoc is the one Bazel provides ($(execpaths), $(RULEDIR)
and the package's workspace root), so the rules work the same in this
repository and when it is an external repository of another workspace
(@sts//proto:sts_cc), where sources live under external/sts/. Another
workspace may call it for its own protos too (docs/USING.md):
load("@sts//proto:cc_grpc_proto.bzl", "cc_grpc_proto").
"""

# The Debian libraries the generated code links, as labels of this repository
# (third_party/BUILD.bazel says why not "@system//..."), so that another
# workspace can generate the stubs of its own services with this macro.
_PROTOBUF = Label("//third_party:protobuf")
_GRPC = Label("//third_party:grpc")

def _proto_root():
    """The calling package's directory as protoc must see it: "proto" here,
    "external/sts/proto" from another workspace."""
    pkg = native.package_name()
    root = Label(native.repository_name() + "//" + pkg + ":BUILD").workspace_root
    return "/".join([p for p in [root, pkg] if p]) or "."

def _protoc(name, srcs, proto_deps, outs, plugin_flags, message):
    native.genrule(
        name = name,
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = " ".join([
            "/usr/bin/protoc",
            "-I" + _proto_root(),
            plugin_flags,
        ] + ["$(execpath {})".format(s) for s in srcs]),
        message = message,
    )

def _includes():
    """The package's directory, so that code includes the generated headers as
    protoc names them. A workspace's root package needs none (its root is on
    the quote include path already), and Bazel refuses "." there."""
    return ["."] if native.package_name() else []

def cc_grpc_proto(name, srcs, proto_deps = [], deps = [], grpc = True, visibility = None):
    """Generates and compiles C++ (and gRPC) code for `srcs`.

    Two libraries, so that code which only handles the messages never links
    gRPC (nor, through it, OpenSSL):
      <name>_messages  the messages alone, on protobuf only;
      <name>           the gRPC service stubs, with the messages as a dep.
    With grpc = False there are no stubs and <name> is the messages library.

    Args:
      name: the cc_library to create (see above).
      srcs: .proto files of this package, paths relative to the package.
      proto_deps: filegroups of .proto files that `srcs` import (same root).
      deps: messages libraries (<dep>_messages, or grpc = False targets) of
        the generated code of those imports.
      grpc: also generate gRPC service stubs.
      visibility: of both libraries.
    """
    bases = [src[:-len(".proto")] for src in srcs]
    messages = name + "_messages" if grpc else name
    pb_outs = [b + ext for b in bases for ext in [".pb.h", ".pb.cc"]]
    _protoc(
        name = messages + "_gen",
        srcs = srcs,
        proto_deps = proto_deps,
        outs = pb_outs,
        plugin_flags = "--cpp_out=$(RULEDIR)",
        message = "protoc " + messages,
    )
    native.cc_library(
        name = messages,
        srcs = [o for o in pb_outs if o.endswith(".cc")],
        hdrs = [o for o in pb_outs if o.endswith(".h")],
        includes = _includes(),
        deps = deps + [_PROTOBUF],
        visibility = visibility,
    )
    if not grpc:
        return

    grpc_outs = [b + ext for b in bases for ext in [".grpc.pb.h", ".grpc.pb.cc"]]
    _protoc(
        name = name + "_grpc_gen",
        srcs = srcs,
        proto_deps = proto_deps,
        outs = grpc_outs,
        plugin_flags = "--grpc_out=$(RULEDIR) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
        message = "protoc " + name + " (gRPC)",
    )
    native.cc_library(
        name = name,
        srcs = [o for o in grpc_outs if o.endswith(".cc")],
        hdrs = [o for o in grpc_outs if o.endswith(".h")],
        includes = _includes(),
        deps = [":" + messages, _GRPC],
        visibility = visibility,
    )
