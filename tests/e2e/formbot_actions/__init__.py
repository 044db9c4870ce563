"""The custom action of Rasa's form example (``validate_restaurant_form``), written with rasa_sdk.

Rasa's ``examples/formbot`` ships only its data; the end-to-end tests serve this
package to it from a separate ``rasa_sdk`` action server and in the bot's process.
"""
