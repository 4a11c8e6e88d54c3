#!/usr/bin/python3
"""Build-time generation for the sts_client package: its version module and
its sts.v1 stubs, both made from the checkout, never copied into it.

  sts_client/_version.py        __version__, read from the repository's VERSION
  sts_client/proto/*_pb2.py     sts.v1 messages, from proto/sts/v1/*.proto
  sts_client/proto/sts_pb2_grpc.py   the SecurityTokenService stub
  sts_client/proto/rpc_status_pb2.py the google.rpc.Status envelope

The stubs live under sts_client.proto and import each other relatively, so
they never shadow a `sts` or `google.rpc` package of the application.
google/rpc/status.proto is compiled under the proto package
`sts_client.internal.rpc`: same field numbers, so the same wire format, but no
second registration of google.rpc.Status beside googleapis-common-protos.

Used by setup.py (pip install) and by Bazel (//client/python:generated):

  codegen.py --proto_root PROTO_DIR --version_file VERSION --out PACKAGE_PARENT
  codegen.py --proto_files proto/sts/v1/sts.proto ... --version_file ... --out ...

It needs Debian's /usr/bin/protoc and /usr/bin/grpc_python_plugin.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

PROTOC = "/usr/bin/protoc"
GRPC_PLUGIN = "/usr/bin/grpc_python_plugin"

# The sts.v1 files, in the order nothing matters for; paths under proto/.
STS_PROTOS = [
    "sts/v1/fault.proto",
    "sts/v1/proof.proto",
    "sts/v1/protected_message.proto",
    "sts/v1/sts.proto",
    "sts/v1/token.proto",
]
SERVICE_PROTO = "sts/v1/sts.proto"
STATUS_PROTO = "google/rpc/status.proto"
STATUS_PACKAGE = "sts_client.internal.rpc"

# Every file codegen writes, relative to the output directory (Bazel declares
# exactly these).
OUTPUTS = (
    ["sts_client/_version.py", "sts_client/proto/__init__.py",
     "sts_client/proto/sts_pb2_grpc.py", "sts_client/proto/rpc_status_pb2.py"]
    + ["sts_client/proto/" + os.path.basename(p)[:-len(".proto")] + "_pb2.py"
       for p in STS_PROTOS])

_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]+)?$")

_PROTO_INIT = '''"""sts.v1 messages and the SecurityTokenService stub, generated from the
checkout's proto/ when this package was built (never edit).

  fault_pb2              sts.v1.Fault, the detail every refusal carries
  proof_pb2              sts.v1.ProofOfPossession
  protected_message_pb2  sts.v1.ProtectedMessage, sts.v1.KeyDerivation
  sts_pb2, sts_pb2_grpc  the four RPCs' messages and SecurityTokenServiceStub
  token_pb2              SecurityContextToken, Lifetime, BinarySecret, ...
  rpc_status_pb2         the google.rpc.Status envelope (wire-compatible;
                         proto package sts_client.internal.rpc)
"""
'''


def read_version(version_file):
    """The version string in VERSION (one line), checked for shape."""
    with open(version_file, encoding="ascii") as f:
        version = f.read().strip()
    if not _VERSION_RE.match(version):
        raise SystemExit(f"codegen: {version_file} does not hold a version like 1.2.3: {version!r}")
    return version


def _protoc(args):
    for tool in (PROTOC, GRPC_PLUGIN):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"codegen: {tool} is missing (apt-get install protobuf-compiler "
                             "protobuf-compiler-grpc)")
    subprocess.run([PROTOC] + args, check=True)


def _relative_imports(source, module):
    """Rewrites `from sts.v1 import x_pb2` to `from . import x_pb2` and the
    module name the classes record to the real one; refuses any other import
    of generated code this package does not ship."""
    out = []
    for line in source.splitlines(keepends=True):
        # The classes' __module__ (repr, pickling): where they really live.
        line = re.sub(r"^(_builder\.BuildTopDescriptorsAndMessages\(DESCRIPTOR, )'[A-Za-z0-9_.]+'",
                      r"\1__name__", line)
        if line.startswith("from sts.v1 import "):
            line = "from . import " + line[len("from sts.v1 import "):]
        elif (line.startswith(("from ", "import "))
              and not line.startswith(("from google.protobuf", "import grpc", "from . import"))):
            raise SystemExit(f"codegen: unexpected import in {module}: {line.strip()}")
        out.append(line)
    return "".join(out)


def generate(proto_root, version_file, out_dir):
    """Writes OUTPUTS under out_dir."""
    version = read_version(version_file)
    package = os.path.join(out_dir, "sts_client")
    proto_out = os.path.join(package, "proto")
    os.makedirs(proto_out, exist_ok=True)
    with open(os.path.join(package, "_version.py"), "w", encoding="ascii") as f:
        f.write("# Generated from the repository's VERSION when the package was built.\n")
        f.write(f"__version__ = {version!r}\n")
    with open(os.path.join(proto_out, "__init__.py"), "w", encoding="ascii") as f:
        f.write(_PROTO_INIT)

    with tempfile.TemporaryDirectory() as tmp:
        gen = os.path.join(tmp, "gen")
        os.makedirs(gen)
        _protoc(["-I", proto_root, "--python_out=" + gen] + STS_PROTOS)
        _protoc(["-I", proto_root, "--grpc_python_out=" + gen,
                 "--plugin=protoc-gen-grpc_python=" + GRPC_PLUGIN, SERVICE_PROTO])
        # The status envelope under our own proto package and file name.
        status_dir = os.path.join(tmp, "status", "sts_client_internal")
        os.makedirs(status_dir)
        with open(os.path.join(proto_root, STATUS_PROTO), encoding="utf-8") as f:
            text = f.read()
        renamed, count = re.subn(r"(?m)^package google\.rpc;$", f"package {STATUS_PACKAGE};", text)
        if count != 1:
            raise SystemExit(f"codegen: {STATUS_PROTO} does not declare `package google.rpc;`")
        with open(os.path.join(status_dir, "rpc_status.proto"), "w", encoding="utf-8") as f:
            f.write(renamed)
        _protoc(["-I", os.path.join(tmp, "status"), "--python_out=" + gen,
                 "sts_client_internal/rpc_status.proto"])

        generated = [(os.path.join(gen, p[:-len(".proto")] + "_pb2.py"),
                      os.path.basename(p)[:-len(".proto")] + "_pb2.py") for p in STS_PROTOS]
        generated.append((os.path.join(gen, "sts/v1/sts_pb2_grpc.py"), "sts_pb2_grpc.py"))
        generated.append((os.path.join(gen, "sts_client_internal/rpc_status_pb2.py"),
                          "rpc_status_pb2.py"))
        for source_path, name in generated:
            with open(source_path, encoding="utf-8") as f:
                source = f.read()
            with open(os.path.join(proto_out, name), "w", encoding="utf-8") as f:
                f.write(_relative_imports(source, name))
    return version


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--proto_root", help="the checkout's proto/ directory")
    where.add_argument("--proto_files", nargs="+",
                       help="the checkout's .proto files (the root is found from them)")
    parser.add_argument("--version_file", required=True, help="the checkout's VERSION file")
    parser.add_argument("--out", required=True, help="directory to write sts_client/... into")
    args = parser.parse_args(argv)
    root = args.proto_root
    if root is None:
        suffix = "/" + SERVICE_PROTO
        roots = [p[:-len(suffix)] for p in args.proto_files if p.endswith(suffix)]
        if len(roots) != 1:
            raise SystemExit(f"codegen: exactly one of --proto_files must end in {suffix}")
        root = roots[0]
    generate(root, args.version_file, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
