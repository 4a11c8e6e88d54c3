#!/usr/bin/python3
"""P_SHA1 and the WS-SecureConversation derived key, written from the specs
alone (WS-SC 1.3 section 7, "Key Derivation"; P_SHA1 as TLS 1.0, RFC 2246
section 5, defines P_hash):

  P_SHA1(secret, seed) = HMAC_SHA1(secret, A(1) + seed) +
                         HMAC_SHA1(secret, A(2) + seed) + ...
  A(0) = seed, A(i) = HMAC_SHA1(secret, A(i-1))

  derived key = P_SHA1(secret = the SCT's key, seed = label + nonce),
                bytes [start, start + length), start = Offset, or
                Generation * Length; default label
                "WS-SecureConversationWS-SecureConversation".

Nothing of the C++ library is shared. Usable as a module or as a command:
  psha1.py --secret-hex HEX --nonce-b64 B64 --length N [--offset N |
           --generation N] [--label TEXT] --out FILE
"""

import argparse
import base64
import hashlib
import hmac

DEFAULT_LABEL = b"WS-SecureConversationWS-SecureConversation"


def p_sha1(secret, seed, length):
    out, a = b"", seed
    while len(out) < length:
        a = hmac.new(secret, a, hashlib.sha1).digest()
        out += hmac.new(secret, a + seed, hashlib.sha1).digest()
    return out[:length]


def derived_key(secret, nonce, length, offset=0, generation=None, label=DEFAULT_LABEL):
    start = generation * length if generation is not None else offset
    return p_sha1(secret, label + nonce, start + length)[start:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-hex", required=True)
    parser.add_argument("--nonce-b64", required=True)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--generation", type=int)
    parser.add_argument("--label", default=DEFAULT_LABEL.decode())
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    key = derived_key(bytes.fromhex(args.secret_hex), base64.b64decode(args.nonce_b64),
                      args.length, args.offset, args.generation, args.label.encode())
    with open(args.out, "wb") as f:
        f.write(key)


if __name__ == "__main__":
    main()
