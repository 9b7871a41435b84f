"""The built-in catalog: one module per real dataset, each exposing ``BUILDER`` (a
:class:`~tiltyard.kinds.table.builder.TableSpec`). They are registered like anyone's
challenges, as entry points in the ``tiltyard.challenges`` group (see pyproject.toml), and
imported only to build, so listing and loading challenges stays quick."""
