"""Rules that turn the client library's Bazel targets into what is installed:
a shared and a static library of exactly the same objects."""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _linker_inputs(targets):
    return [
        linker_input
        for target in targets
        for linker_input in target[CcInfo].linking_context.linker_inputs.to_list()
    ]

def _own_objects_and_flags(ctx):
    """The objects of this repository's libraries that `deps` link and
    `builds_on` does not (in link order, each once), and every link flag they
    carry (the Debian libraries' -l options from pkg-config, -pthread, ...)."""
    provided = {
        linker_input.owner: True
        for linker_input in _linker_inputs(ctx.attr.builds_on)
    }
    objects = {}
    flags = []
    for linker_input in _linker_inputs(ctx.attr.deps):
        # The flags of all: what this library's own objects call in the
        # Debian libraries, it must name itself.
        flags.extend(linker_input.user_link_flags)
        if linker_input.owner in provided or linker_input.owner.workspace_name != ctx.label.workspace_name:
            continue
        for library in linker_input.libraries:
            # The toolchain compiles position-independent code only
            # (pic_objects); `objects` would be for one that does not.
            for o in library.pic_objects or library.objects or []:
                objects[o] = True
    return objects.keys(), flags

_BUILDS_ON = attr.label_list(
    providers = [CcInfo],
    doc = "targets whose objects are in another library (the component this one builds on)",
)

def _cc_archive_impl(ctx):
    objects, _ = _own_objects_and_flags(ctx)
    out = ctx.actions.declare_file(ctx.label.name)
    args = ctx.actions.args()
    # q, not r: objects of different packages may share a file name
    # (client/wire/fault.o, client/soap/fault.o), and r would keep only one.
    args.add("qcsD")
    args.add(out)
    args.add_all(objects)
    ctx.actions.run(
        executable = "/usr/bin/ar",
        arguments = [args],
        inputs = objects,
        outputs = [out],
        mnemonic = "CcArchive",
        progress_message = "Archiving " + out.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

cc_archive = rule(
    implementation = _cc_archive_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "builds_on": _BUILDS_ON,
    },
    doc = "lib<name>.a: every object of this repository that `deps` link.",
)

def _cc_whole_shared_library_impl(ctx):
    objects, flags = _own_objects_and_flags(ctx)
    cc_toolchain = find_cpp_toolchain(ctx)
    feature_configuration = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    soname = ctx.file.soname_option
    link_with = [ctx.file.link_with] if ctx.file.link_with else []
    linking_outputs = cc_common.link(
        actions = ctx.actions,
        feature_configuration = feature_configuration,
        cc_toolchain = cc_toolchain,
        # Objects, not archives: each is linked in whether or not anything
        # in the library calls it, as a library for others must be.
        compilation_outputs = cc_common.create_compilation_outputs(
            objects = depset(objects),
            pic_objects = depset(objects),
        ),
        # Every symbol of ours is defined here, the rest by the Debian
        # libraries it names (NEEDED): an object missing from `deps` fails
        # the link instead of the program that loads the library.
        user_link_flags = ["-Wl,@" + soname.path, "-Wl,--no-undefined"] +
                          [f.path for f in link_with] + flags,
        additional_inputs = [soname] + link_with,
        name = ctx.attr.library,
        output_type = "dynamic_library",
    )
    library = linking_outputs.library_to_link.resolved_symlink_dynamic_library or \
              linking_outputs.library_to_link.dynamic_library
    return [DefaultInfo(files = depset([library]))]

cc_whole_shared_library = rule(
    implementation = _cc_whole_shared_library_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "builds_on": _BUILDS_ON,
        "link_with": attr.label(
            allow_single_file = True,
            doc = "the shared library of `builds_on`, which this one loads",
        ),
        "library": attr.string(mandatory = True, doc = "lib<library>.so"),
        "soname_option": attr.label(
            allow_single_file = True,
            mandatory = True,
            doc = "a file holding the linker option -soname=... (soname.sh)",
        ),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    doc = "lib<library>.so: every object of this repository that `deps` link, " +
          "linked against the Debian libraries they name.",
)

def _include_path(f):
    """How code includes header `f`: by its path in the repository, except
    the generated protobuf headers, which cc_grpc_proto makes includable
    relative to their package ("sts/v1/sts.pb.h", not "proto/sts/v1/...")."""
    path = f.short_path
    if path.startswith("../"):  # another workspace's external repository
        path = path.split("/", 2)[2]
    if path.endswith(".pb.h") and f.owner.package:
        path = path[len(f.owner.package) + 1:]
    return path

def _headers(ctx, targets):
    """include path -> exec path of this repository's headers `targets` see."""
    headers = {}
    for target in targets:
        for f in target[CcInfo].compilation_context.headers.to_list():
            if f.owner.workspace_name != ctx.label.workspace_name:
                continue
            include = _include_path(f)
            if headers.get(include, f.path) != f.path:
                fail("two headers are included as {}: {} and {}".format(include, headers[include], f.path))
            headers[include] = f.path
    return headers

def _roots(targets):
    return [
        _include_path(f)
        for target in targets
        for f in target[CcInfo].compilation_context.direct_public_headers
    ]

def _install_component_impl(ctx):
    tree = ctx.actions.declare_directory(ctx.label.name)
    deb = ctx.actions.declare_file(ctx.label.name + ".deb")
    protos = {
        path[len(ctx.attr.proto_root) + 1:]: source
        for path, source in [(_include_path(f), f.path) for f in ctx.files.protos]
    }
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest.json")
    ctx.actions.write(manifest, struct(
        library = ctx.attr.library,
        version_file = ctx.file.version_file.path,
        shared_library = ctx.file.shared_library.path,
        archive = ctx.file.archive.path,
        headers = _headers(ctx, ctx.attr.public + ctx.attr.builds_on),
        roots = _roots(ctx.attr.public),
        excluded_roots = _roots(ctx.attr.builds_on),
        protos = protos,
        templates = {t.path: destination for t, destination in [
            (target.files.to_list()[0], destination)
            for target, destination in ctx.attr.templates.items()
        ]},
        substitutions = ctx.attr.substitutions,
        pkg_config_modules = ctx.attr.pkg_config_modules,
        control = ctx.file.control.path,
        dev_packages = ctx.attr.dev_packages,
        depends_first = ctx.attr.depends_first,
        own_sonames = ctx.attr.own_sonames,
    ).to_json())
    inputs = depset(
        [manifest, ctx.file.version_file, ctx.file.shared_library, ctx.file.archive, ctx.file.control] +
        ctx.files.protos + ctx.files.templates,
        transitive = [t[CcInfo].compilation_context.headers for t in ctx.attr.public + ctx.attr.builds_on],
    )
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = ["--manifest", manifest.path, "--tree", tree.path, "--deb", deb.path],
        inputs = inputs,
        outputs = [tree, deb],
        mnemonic = "InstallTree",
        progress_message = "Laying out " + ctx.attr.library + " and its Debian package",
    )
    return [
        DefaultInfo(files = depset([tree, deb]), runfiles = ctx.runfiles(files = [tree, deb])),
        OutputGroupInfo(tree = depset([tree]), deb = depset([deb])),
    ]

install_component = rule(
    implementation = _install_component_impl,
    attrs = {
        "library": attr.string(mandatory = True, doc = "the library's name: lib<library>.so, .a"),
        "public": attr.label_list(
            providers = [CcInfo],
            doc = "the targets whose headers (hdrs) are this component's public headers",
        ),
        "builds_on": attr.label_list(
            providers = [CcInfo],
            doc = "the public targets of the component this one needs (its headers are not repeated)",
        ),
        "shared_library": attr.label(allow_single_file = True, mandatory = True),
        "archive": attr.label(allow_single_file = True, mandatory = True),
        "protos": attr.label_list(allow_files = [".proto"]),
        "proto_root": attr.string(default = "proto", doc = "the package the protos are imported relative to"),
        "templates": attr.label_keyed_string_dict(
            allow_files = True,
            doc = "template -> its path under usr/ (placeholders allowed in both)",
        ),
        "substitutions": attr.string_dict(doc = "more @PLACEHOLDER@ values for the templates"),
        "pkg_config_modules": attr.string_list(
            doc = "the Debian libraries' pkg-config modules, resolved into @DEPS_...@ for CMake",
        ),
        "control": attr.label(allow_single_file = True, mandatory = True, doc = "DEBIAN/control template"),
        "dev_packages": attr.string_list(doc = "Debian -dev packages the headers need"),
        "depends_first": attr.string_list(doc = "Depends written first (the component this one builds on)"),
        "own_sonames": attr.string_list(doc = "SONAMEs of ours the library loads (not Debian's)"),
        "version_file": attr.label(allow_single_file = True, default = "//:VERSION"),
        "_tool": attr.label(
            default = ":make_install_tree",
            executable = True,
            cfg = "exec",
        ),
    },
    doc = "<name>/usr/...: one component of the installed client library; <name>.deb: its Debian package.",
)
