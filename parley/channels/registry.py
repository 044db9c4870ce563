"""Channels by their ``credentials.yml`` name, and building them from that file.

Every channel name Rasa 3.x accepts either builds a working channel or is
skipped with a warning that names it (:data:`RASA_CHANNELS`), so
a Rasa project's ``credentials.yml`` never stops the server. A dotted class
path that cannot be imported is skipped with a warning too. A name that is
neither Parley's nor Rasa's (a typo) stays an error.

Built-in channels are added to :data:`CHANNELS` below. Other channels join
without touching this module, in any of three ways:

* a module registers its class when imported: ``@CHANNELS.register("slack")``;
* an installed package lists it under the ``parley.channels`` entry-point group;
* ``credentials.yml`` names the class by dotted path (``addons.channels.MyInput:``), as in Rasa.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any, cast

from parley.channels.interfaces import InputChannel
from parley.errors import ChannelError
from plugins import Registry

logger = logging.getLogger(__name__)

CHANNELS: Registry[type[InputChannel]] = Registry("channel")
# By import path: a channel's client library (Slack's SDK, Socket.IO, aiohttp, ...) is
# imported only when credentials.yml names the channel.
CHANNELS.add_lazy("rest", "parley.channels.rest:RestInput")
CHANNELS.add_lazy("slack", "parley.channels.slack:SlackInput")
CHANNELS.add_lazy("webchat", "parley.channels.webchat:WebChatInput")
CHANNELS.add_lazy("socketio", "parley.channels.socketio:SocketIOInput")
CHANNELS.add_lazy("telegram", "parley.channels.telegram:TelegramInput")
CHANNELS.add_lazy("twilio", "parley.channels.twilio:TwilioInput")
CHANNELS.add_lazy("facebook", "parley.channels.facebook:FacebookInput")
CHANNELS.add_lazy("botframework", "parley.channels.botframework:BotFrameworkInput")
CHANNELS.add_lazy("callback", "parley.channels.callback:CallbackInput")

ENTRY_POINT_GROUP = "parley.channels"

# Every channel name of Rasa 3.x (and Rasa Pro), with what it connects. Those not in
# CHANNELS are skipped with a warning.
RASA_CHANNELS: Mapping[str, str] = {
    "rasa": "Rasa X / Rasa Enterprise's chat (RasaChatInput), which asks the Rasa X server at "
    "'url' who the user is",
    "callback": "Rasa's callback channel (replies POSTed to a URL)",
    "cmdline": "Rasa's command-line channel (use 'parley shell')",
    "mattermost": "Mattermost",
    "rocketchat": "Rocket.Chat",
    "webexteams": "Cisco Webex Teams",
    "hangouts": "Google Hangouts Chat",
    "twilio_voice": "Twilio Voice",
    "audiocodes": "AudioCodes VoiceAI Connect (Rasa Pro)",
    "vier_cvg": "VIER Cognitive Voice Gateway (Rasa Pro)",
    "genesys": "Genesys Cloud (Rasa Pro)",
    "jambonz": "Jambonz (Rasa Pro)",
    "studio_chat": "Rasa Studio's chat (Rasa Pro)",
    "browser_audio": "Rasa Pro's browser audio",
    "facebook": "Facebook Messenger",
    "telegram": "Telegram",
    "twilio": "Twilio SMS / WhatsApp",
    "botframework": "Microsoft Bot Framework",
    "socketio": "Socket.IO web chat widgets",
    "rest": "Rasa's REST webhook",
    "slack": "Slack",
}

# Keys Rasa's channels accept that mean nothing to Parley's: dropped with a warning.
RASA_KEYS_WITHOUT_EFFECT: Mapping[str, frozenset[str]] = {
    "slack": frozenset(
        {
            "proxy",
            "slack_retry_reason_header",
            "slack_retry_number_header",
            "errors_ignore_retry",
        }
    ),
}


def channel_class(name: str) -> type[InputChannel]:
    """The channel class for a ``credentials.yml`` key; :class:`ChannelError` if there is none.

    :class:`UnavailableChannel` (a :class:`ChannelError`) when the name is Rasa's but
    Parley has no such channel, or is a dotted class path that does not import.
    """
    if name in CHANNELS:
        return CHANNELS.get(name)
    if "." in name:
        return _import_class(name)
    found = entry_points(group=ENTRY_POINT_GROUP, name=name)
    for entry_point in found:
        return _checked(name, entry_point.load())
    if name in RASA_CHANNELS:
        raise UnavailableChannel(
            f"{name!r} ({RASA_CHANNELS[name]}) is a Rasa channel that Parley does not have"
        )
    raise ChannelError(
        f"unknown channel {name!r}; known: {', '.join(CHANNELS)} "
        f"(or a dotted class path such as 'addons.channels.MyInput')"
    )


def channels_from_credentials(
    credentials: Mapping[str, Any] | None, source: str = "credentials.yml"
) -> list[InputChannel]:
    """One channel per entry of a parsed ``credentials.yml``, in file order.

    ``None`` (an empty file) gives no channels. Each entry's value is passed to the
    channel's ``from_credentials``. A Rasa channel Parley does not have, and a dotted
    class path that does not import, are skipped with a warning naming them; a
    misspelt name or invalid settings of a channel Parley has are errors.
    """
    if credentials is None:
        return []
    if not isinstance(credentials, Mapping):
        raise ChannelError(f"{source}: expected a mapping of channel names to settings")
    channels: list[InputChannel] = []
    for name, settings in credentials.items():
        if settings is not None and not isinstance(settings, Mapping):
            raise ChannelError(f"{source}: settings of channel {name!r} must be a mapping")
        settings = _without_rasa_only_keys(str(name), settings, source)
        try:
            channels.append(channel_class(str(name)).from_credentials(settings))
        except UnavailableChannel as e:
            logger.warning("%s: %s; Parley ignores this entry and skips it", source, e)
        except ChannelError as e:
            raise ChannelError(f"{source}: {e}") from e
    return channels


def _without_rasa_only_keys(
    name: str, settings: Mapping[str, Any] | None, source: str
) -> Mapping[str, Any] | None:
    ignored = sorted(set(settings or {}) & RASA_KEYS_WITHOUT_EFFECT.get(name, frozenset()))
    if not ignored or settings is None:
        return settings
    logger.warning(
        "%s: %s of the %r channel %s no effect in Parley; ignored",
        source,
        ", ".join(map(repr, ignored)),
        name,
        "has" if len(ignored) == 1 else "have",
    )
    return {key: value for key, value in settings.items() if key not in ignored}


class UnavailableChannel(ChannelError):
    """A channel ``credentials.yml`` names that this installation cannot provide."""


def _import_class(path: str) -> type[InputChannel]:
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UnavailableChannel(
            f"channel {path!r}: cannot import module {module_name!r}: {e}"
        ) from e
    try:
        found = getattr(module, class_name)
    except AttributeError as e:
        raise UnavailableChannel(f"channel {path!r}: {module_name!r} has no {class_name!r}") from e
    return _checked(path, found)


def _checked(name: str, found: Any) -> type[InputChannel]:
    needed = ("name", "from_credentials", "router")
    if not (isinstance(found, type) and all(hasattr(found, attr) for attr in needed)):
        raise ChannelError(
            f"channel {name!r}: {found!r} is not an input channel class "
            f"(it needs {', '.join(needed)})"
        )
    return cast(type[InputChannel], found)
