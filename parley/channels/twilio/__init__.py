"""The Twilio channel (``twilio:`` in ``credentials.yml``): SMS and WhatsApp."""

from parley.channels.twilio.channel import TwilioInput, TwilioSettings, sms_messages

__all__ = ["TwilioInput", "TwilioSettings", "sms_messages"]
