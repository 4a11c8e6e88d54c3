"""C++ code for .proto files from Debian's protoc and grpc_cpp_plugin.

Bazel 4 cannot fetch rules_proto offline, so a genrule runs the system
compilers. Protos import each other relative to the package they live in
(e.g. "sts/v1/token.proto" inside //proto), so C++ includes the generated
headers the same way: #include "sts/v1/sts.grpc.pb.h".
"""

def cc_grpc_proto(name, srcs, proto_deps = [], deps = [], grpc = True, visibility = None):
    """Generates and compiles C++ (and gRPC) code for `srcs`.

    Args:
      name: the cc_library to create.
      srcs: .proto files of this package, paths relative to the package.
      proto_deps: filegroups of .proto files that `srcs` import (same root).
      deps: cc_library targets of the generated code of those imports.
      grpc: also generate gRPC service stubs.
      visibility: of the cc_library.
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]

    pkg = native.package_name()
    grpc_flags = ""
    if grpc:
        grpc_flags = "--grpc_out=$(GENDIR)/{pkg} --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin ".format(pkg = pkg)
    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = ("/usr/bin/protoc -I{pkg} -I$(GENDIR)/{pkg} --cpp_out=$(GENDIR)/{pkg} " + grpc_flags +
               " ".join(["{pkg}/" + s for s in srcs])).format(pkg = pkg or "."),
        message = "protoc " + name,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        deps = deps + ["@system//:grpc"],
        visibility = visibility,
    )
