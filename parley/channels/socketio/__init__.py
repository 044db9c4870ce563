"""The Socket.IO channel (``socketio:`` in ``credentials.yml``) of Rasa's web-chat widgets."""

from parley.channels.socketio.channel import SocketIOInput, SocketIOSettings
from parley.channels.socketio.output import SocketIOOutput, socketio_messages

__all__ = ["SocketIOInput", "SocketIOOutput", "SocketIOSettings", "socketio_messages"]
