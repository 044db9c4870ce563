"""The Slack channel (``slack:`` in ``credentials.yml``)."""

from parley.channels.slack.channel import SlackInput, SlackSettings
from parley.channels.slack.events import Granularity, verify_signature
from parley.channels.slack.output import SlackOutput, slack_messages

__all__ = [
    "Granularity",
    "SlackInput",
    "SlackOutput",
    "SlackSettings",
    "slack_messages",
    "verify_signature",
]
