"""Authoring: an author's own data made into a challenge, and a built table bundle taken
elsewhere (``tiltyard.authoring.export``: Codabench, Kaggle, Croissant, Frictionless)."""
