"""Parley Outfitters' business actions, written with ``rasa_sdk`` (the reference bot's actions).

* :mod:`shop_actions.db`: the shop's SQL database (customers, products, orders,
  returns, support tickets) through async SQLAlchemy; SQLite file by default,
  any URL through ``PARLEY_SHOP_DB_URL``; created and filled with demo data on
  first use.
* :mod:`shop_actions.shop`: the business rules (what can be cancelled, returned...).
* :mod:`shop_actions.actions`: the ``rasa_sdk`` actions and form validators the
  dialogue calls.

Run them inside the bot (``endpoints.yml``: ``action_endpoint: {actions_module:
shop_actions}``) or on an action server (``parley run actions``). ``python -m
shop_actions seed`` (re)creates the demo data.
"""
