#!/usr/bin/env bash
# The README's first command: set up the machine, build, make a development
# PKI on first run (in .dev/pki, git-ignored), and run the STS on localhost in
# the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

sts/dev/setup_host.sh
bazel build -c opt //sts:sts_server //client/stsctl:stsctl
sts/dev/make_pki.sh dev .dev/pki

cat <<MSG

  The STS is starting on 127.0.0.1:8443 (mutual TLS) with the development PKI
  in .dev/pki. In another terminal, from this directory:

    bazel-bin/client/stsctl/stsctl issue --applies-to spiffe://sts.dev/relying-party

  then: stsctl validate | renew | cancel   (stsctl --help for more)
  Health, no certificate needed:  bazel-bin/client/stsctl/stsctl health --insecure --addr 127.0.0.1:8081

MSG
exec bazel-bin/sts/sts_server --config sts/dev/dev.textproto \
  --client_ca .dev/pki/ca.pem --cert .dev/pki/server.pem --key .dev/pki/server.key
