"""Refuse to serve an open management API beyond this machine unless told to.

With ``--enable-api`` the management API can read every conversation (customers'
emails, orders) and write events into them. On a loopback address only local
processes reach it; on any other address, without ``--auth-token`` or
``--jwt-secret``, anyone on the network could. :func:`check_exposure` stops
``parley run`` before it loads anything, unless ``--insecure`` says this is meant.
"""

from __future__ import annotations

import ipaddress

from parley.errors import ConfigError
from parley.security import ApiSecurity

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address to bind) is reachable only from this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, security: ApiSecurity, insecure: bool) -> None:
    """Raise :class:`ConfigError` for an open management API on a non-loopback ``host``."""
    if not security.api_enabled or security.auth.enabled or insecure or is_loopback(host):
        return
    raise ConfigError(
        f"--enable-api on {host} without --auth-token or --jwt-secret would let anyone who "
        "can reach this port read and change every conversation. Set a token, bind to "
        "127.0.0.1, or pass --insecure if this network is trusted."
    )
