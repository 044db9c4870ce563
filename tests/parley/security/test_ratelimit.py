"""Rate limits: token buckets per sender, written as '30/60', '30/minute' or 'off'."""

from __future__ import annotations

import pytest

from parley.security import RateLimit, RateLimited, SenderRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("spec", "limit"),
    [
        ("30/60", RateLimit(30, 60)),
        ("30/60s", RateLimit(30, 60)),
        ("30/minute", RateLimit(30, 60)),
        ("5/2m", RateLimit(5, 120)),
        ("100/hour", RateLimit(100, 3600)),
        ("off", None),
    ],
)
def test_limits_are_written_as_messages_per_period(spec: str, limit: RateLimit | None) -> None:
    assert RateLimit.parse(spec) == limit


@pytest.mark.parametrize("spec", ["", "30", "thirty/minute", "30/fortnight", "0/60", "5/0"])
def test_a_bad_limit_is_an_error_that_says_how_to_write_one(spec: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit.parse(spec)


def test_a_burst_up_to_the_limit_passes_then_the_sender_waits_for_a_refill() -> None:
    clock = Clock()
    limiter = SenderRateLimiter(RateLimit(3, 30), clock=clock)

    assert [limiter.wait_for("rest:alice") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait_for("rest:alice") == pytest.approx(10.0)
    clock.now = 10.0
    assert limiter.wait_for("rest:alice") == 0
    assert limiter.wait_for("rest:alice") > 0


def test_senders_are_limited_separately() -> None:
    limiter = SenderRateLimiter(RateLimit(1, 60), clock=Clock())

    assert limiter.wait_for("rest:alice") == 0
    assert limiter.wait_for("rest:bob") == 0
    assert limiter.wait_for("rest:alice") > 0


def test_a_refusal_says_when_to_retry_in_whole_seconds() -> None:
    limiter = SenderRateLimiter(RateLimit(1, 60), clock=Clock())
    limiter.check("rest:alice")

    with pytest.raises(RateLimited) as refused:
        limiter.check("rest:alice")

    assert refused.value.retry_after == 60
    assert refused.value.headers() == {"Retry-After": "60"}
    assert refused.value.detail["sender"] == "alice"


def test_memory_is_bounded_by_forgetting_the_least_recent_sender() -> None:
    limiter = SenderRateLimiter(RateLimit(1, 60), clock=Clock(), max_senders=2)
    for sender in ("a", "b", "c"):
        limiter.wait_for(sender)

    assert limiter.wait_for("a") == 0  # forgotten, so a fresh bucket
    assert limiter.wait_for("c") > 0
