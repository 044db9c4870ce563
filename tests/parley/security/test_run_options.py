"""``parley run``'s security options are checked before anything is loaded."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from parley.cli import cli
from parley.commands import security_settings
from parley.security import ApiAuth, ApiSecurity, RateLimit


def test_the_options_become_the_servers_security_settings() -> None:
    settings = security_settings("tok", "sec", "HS512", "30/minute")

    assert settings == ApiSecurity(
        auth=ApiAuth(token="tok", jwt_secret="sec", jwt_method="HS512"),
        rate_limit=RateLimit(30, 60),
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--rate-limit", "5/fortnight"], "invalid rate limit '5/fortnight'"),
        (["--auth-token", ""], "must not be empty"),
        (["--jwt-method", "RS256"], "'RS256' is not one of"),
    ],
    ids=["bad-rate-limit", "empty-token", "unsupported-jwt-method"],
)
def test_bad_options_are_refused_with_a_usage_error(options: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["run", "--project", "/nonexistent", *options])

    assert result.exit_code == 2
    assert message in result.output
