"""rasa_sdk actions of a test project: run in process and by a real action server."""
