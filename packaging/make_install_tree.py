#!/usr/bin/python3
"""Lays out one component of the installed client library and its Debian package.

    make_install_tree.py --manifest FILE --tree DIR --deb FILE

The manifest (JSON, written by //packaging:package.bzl) names the component,
the version file, the libraries, the headers Bazel knows with the path code
includes them by, the public headers to start from, the protos and the
templates. Under DIR/usr it writes:

    include/sts-client/...          the public headers and every header of this
                                    repository they include, transitively (and no
                                    other: internal headers stay out)
    lib/<multiarch>/lib<c>.so.<v>   the shared library, with its SONAME link and
                                    the lib<c>.so link the linker looks for
    lib/<multiarch>/lib<c>.a        the static library
    share/sts-client/proto/...      the .proto files
    and the templates (pkg-config and CMake files), @VERSION@ and friends filled in.

Then FILE, the Debian package of exactly that tree (dpkg-deb), whose Depends are
the Debian packages that hold the libraries the shared library loads, and the
-dev packages its headers need. Refuses, naming the file, a public header that
includes a header of this repository no target provides, and a version that is
not MAJOR.MINOR.PATCH.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

VERSION_RE = re.compile(r"^([0-9]+)\.([0-9]+)\.([0-9]+)([.+-][0-9A-Za-z.+-]+)?$")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
# Include paths of this repository's own code: anything under them must be
# installed; other quoted includes (absl/, grpcpp/, google/protobuf/) come from
# the Debian packages the component depends on.
OWN_PREFIXES = ("client/", "sts/", "tests/", "proto/", "third_party/")
INCLUDE_ROOT = "include/sts-client"


class Refused(Exception):
    """Bad input: the message says which file and why."""


def read_version(path):
    with open(path, encoding="ascii") as f:
        version = f.read().strip()
    match = VERSION_RE.match(version)
    if not match:
        raise Refused(f"{path} does not hold a version like 1.2.3: {version!r}")
    major, minor = int(match.group(1)), int(match.group(2))
    return {
        "VERSION": version,
        "MAJOR": str(major),
        "MINOR": str(minor),
        "PATCH": str(int(match.group(3))),
        # What CMake compares (it reads no suffix).
        "VERSION_NUMBERS": ".".join(str(int(match.group(i))) for i in (1, 2, 3)),
        # The SONAME's version: MAJOR.MINOR before 1.0, MAJOR after
        # (docs/USING.md, "Versions"; packaging/soname.sh says the same).
        "ABI_VERSION": f"{major}.{minor}" if major == 0 else f"{major}",
        # Debian sorts "~" before the release it precedes (1.0.0~rc1 < 1.0.0);
        # "-" would start a Debian revision.
        "DEB_VERSION": version.replace("-", "~"),
    }


def header_closure(roots, available, excluded_roots=()):
    """The include paths of `roots` and of every header of ours they include,
    transitively, minus what `excluded_roots` already bring (another
    component's). `available` maps include path -> file."""

    def walk(start, refuse_missing):
        seen, stack = set(), list(start)
        while stack:
            include = stack.pop()
            if include in seen:
                continue
            if include not in available:
                raise Refused(f"public header {include} is not a header of the installed targets")
            seen.add(include)
            with open(available[include], encoding="utf-8") as f:
                text = f.read()
            for included in INCLUDE_RE.findall(text):
                if included in available:
                    stack.append(included)
                elif included.startswith(OWN_PREFIXES) and refuse_missing:
                    raise Refused(f"{include} includes {included}, which no installed target "
                                  "provides: add its target to the component, or keep the "
                                  "public header from including it")
        return seen

    excluded = walk(excluded_roots, refuse_missing=False) if excluded_roots else set()
    return sorted(walk(roots, refuse_missing=True) - excluded)


def dpkg_architecture(variable):
    return subprocess.run(["dpkg-architecture", "-q" + variable], check=True,
                          capture_output=True, text=True).stdout.strip()


def deb_architecture():
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()


def pkg_config(*args):
    result = subprocess.run(["pkg-config", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise Refused(f"pkg-config {' '.join(args)}: {result.stderr.strip()}")
    return shlex.split(result.stdout)


def dependency_flags(modules):
    """What the Debian libraries `modules` (pkg-config) need, resolved now, as
    CMake lists: a CMake project then needs neither pkg-config nor the
    seconds it takes to walk Abseil's modules at every configure. The
    package's Depends pin the exact libraries these flags were taken from.
    The witnesses are the modules' .pc files, one per -dev package, for the
    CMake package to check they are installed."""
    witnesses = [os.path.join(pkg_config("--variable=pcfiledir", m)[0], m + ".pc") for m in modules]
    return {
        "DEPS_INCLUDE_DIRS": ";".join(f[2:] for f in pkg_config("--cflags-only-I", *modules)),
        "DEPS_COMPILE_OPTIONS": ";".join(pkg_config("--cflags-only-other", *modules)),
        "DEPS_LINK": ";".join(pkg_config("--libs", *modules)),
        "DEPS_WITNESSES": ";".join(witnesses),
    }


def needed_packages(shared_library, arch_dir, own_sonames):
    """The Debian packages holding the libraries `shared_library` loads
    (its NEEDED entries, as the dynamic loader finds them), like
    dpkg-shlibdeps without a source package."""
    dynamic = subprocess.run(["readelf", "-d", shared_library], check=True, capture_output=True,
                             text=True).stdout
    packages = set()
    for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic):
        if soname in own_sonames:
            continue
        candidates = [os.path.join(d, soname) for d in (f"/usr/lib/{arch_dir}", f"/lib/{arch_dir}",
                                                          "/usr/lib", "/lib")]
        path = next((c for c in candidates if os.path.exists(c)), None)
        if path is None:
            raise Refused(f"{shared_library} needs {soname}, which is not installed here")
        owner = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:
            # /lib is /usr/lib on merged-/usr systems; dpkg knows one of the two.
            other = path[4:] if path.startswith("/usr/") else "/usr" + path
            owner = subprocess.run(["dpkg-query", "-S", other], capture_output=True, text=True)
        if owner.returncode != 0:
            raise Refused(f"no Debian package holds {path} ({soname}, needed by {shared_library})")
        packages.add(owner.stdout.split(":")[0].strip())
    return packages


def fill(template, values):
    def value(match):
        name = match.group(1)
        if name not in values:
            raise Refused(f"unknown placeholder @{name}@")
        return values[name]

    return re.sub(r"@([A-Z_]+)@", value, template)


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(data)
    os.chmod(path, mode)


def copy(source, path, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(source, path)
    os.chmod(path, mode)


def make_tree(manifest, tree):
    values = read_version(manifest["version_file"])
    arch_dir = dpkg_architecture("DEB_HOST_MULTIARCH")
    values.update(MULTIARCH=arch_dir, ARCH=deb_architecture(),
                  SIZEOF_VOID_P=str(int(dpkg_architecture("DEB_HOST_ARCH_BITS")) // 8))
    values.update(manifest["substitutions"])
    values.update(dependency_flags(manifest["pkg_config_modules"]))
    usr = os.path.join(tree, "usr")
    library = manifest["library"]

    headers = header_closure(manifest["roots"], manifest["headers"], manifest["excluded_roots"])
    for include in headers:
        copy(manifest["headers"][include], os.path.join(usr, INCLUDE_ROOT, include))

    lib = os.path.join(usr, "lib", arch_dir)
    real = f"lib{library}.so.{values['VERSION']}"
    soname = f"lib{library}.so.{values['ABI_VERSION']}"
    copy(manifest["shared_library"], os.path.join(lib, real))
    os.symlink(real, os.path.join(lib, soname))
    os.symlink(soname, os.path.join(lib, f"lib{library}.so"))
    copy(manifest["archive"], os.path.join(lib, f"lib{library}.a"))

    for include, source in manifest["protos"].items():
        copy(source, os.path.join(usr, "share/sts-client/proto", include))

    for source, destination in manifest["templates"].items():
        with open(source, encoding="utf-8") as f:
            text = f.read()
        write(os.path.join(usr, fill(destination, values)), fill(text, values))

    own_sonames = {fill(s, values) for s in manifest["own_sonames"]} | {soname}
    runtime = needed_packages(manifest["shared_library"], arch_dir, own_sonames)
    depends = sorted(runtime | set(manifest["dev_packages"]))
    values["DEPENDS"] = ", ".join([fill(d, values) for d in manifest["depends_first"]] + depends)
    with open(manifest["control"], encoding="utf-8") as f:
        control = fill(f.read(), values)
    return control


def make_deb(tree, control, deb):
    with tempfile.TemporaryDirectory() as staging:
        root = os.path.join(staging, "root")
        shutil.copytree(tree, root, symlinks=True)
        for directory, _, _ in os.walk(root):
            os.chmod(directory, 0o755)
        write(os.path.join(root, "DEBIAN/control"), control)
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, deb],
                       check=True, stdout=subprocess.DEVNULL)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--tree", required=True)
    parser.add_argument("--deb", required=True)
    args = parser.parse_args(argv)
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    try:
        control = make_tree(manifest, args.tree)
        make_deb(args.tree, control, args.deb)
    except Refused as refusal:
        print(f"make_install_tree.py: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
