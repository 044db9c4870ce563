"""The built-in NLU components; ``nlu.registry`` maps config.yml names to them."""
