"""sts_client: the Python client library of the sts.v1 security token service.

The same contract as the C++ library (docs/CLIENT.md), wire-compatible with
it and with the STS:

  StsClient, mutual_tls_channel   Issue / Renew / Cancel / Validate, proofs of
                                  possession and computed keys made for you
  SecurityContext                 the SCT's holder: sign/seal requests,
                                  verify/open answers, auto-renewal, rollover,
                                  cancel
  Verifier                        the relying party: resolves contexts with
                                  Validate, caches keys, checks requests,
                                  protects answers
  protected_channel, VerifyingServerInterceptor, current_caller
                                  grpcio client and server interceptors
  StsError, Refusal               every refusal, with its gRPC code and its
                                  WS-Trust fault name
  Clock, SystemClock, FakeClock   injectable time
  SecretBytes                     keys, never printable

Everything is thread-safe. See README.md beside this package.
"""

try:
    from ._version import __version__
except ImportError as error:  # pragma: no cover - a source tree nobody built
    raise ImportError("sts_client was not built: install it with pip from the checkout "
                      "(client/python) or use the Bazel target //client/python:sts_client"
                      ) from error

from .clock import SYSTEM_CLOCK, Clock, FakeClock, SystemClock
from .computed_key import CK_HKDF_SHA256, CK_PSHA1
from .context import RenewalMode, SecurityContext, SecurityContextOptions
from .derivation import HKDF_SHA256, P_SHA1, DerivationOptions, Direction
from .errors import Refusal, StsError
from .instance_keys import ContextInfo
from .interceptors import (LocalRefusal, ProtectingClientInterceptor, VerifyingServerInterceptor,
                           current_caller, protected_channel)
from .receiver import ReceiverOptions
from .secret import SecretBytes
from .sts import Grant, ReleasedKey, StsApi, StsClient, Validation, mutual_tls_channel
from .verifier import Opened, Verifier, VerifierOptions, VerifierStats

__all__ = [
    "__version__",
    "CK_HKDF_SHA256", "CK_PSHA1", "HKDF_SHA256", "P_SHA1", "SYSTEM_CLOCK",
    "Clock", "ContextInfo", "DerivationOptions", "Direction", "FakeClock", "Grant",
    "LocalRefusal", "Opened", "ProtectingClientInterceptor", "ReceiverOptions", "Refusal",
    "ReleasedKey", "RenewalMode", "SecretBytes", "SecurityContext", "SecurityContextOptions",
    "StsApi", "StsClient", "StsError", "SystemClock", "Validation", "Verifier",
    "VerifierOptions", "VerifierStats", "VerifyingServerInterceptor", "current_caller",
    "mutual_tls_channel", "protected_channel",
]
