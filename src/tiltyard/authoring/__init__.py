"""Authoring: an author's folder (``author.toml``, a story, a data file) becomes a bundle.

``init`` writes the folder from a CSV, ``inspect`` profiles it and says what the checker would
refuse, ``corrupt`` dry-runs the ``[[corrupt]]`` recipe, ``build`` writes the bundle through the
table kind's builder; ``export`` takes a built table bundle elsewhere (Codabench, Kaggle, Croissant,
Frictionless). The built-in challenges in ``tiltyard.catalog.specs`` are made the same way.
"""
