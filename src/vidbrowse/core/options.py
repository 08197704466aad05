"""Names the command line and the config accept, kept apart from the modules that act on them:
checking a name (building `--help`, validating the config) must not import numpy or Whoosh."""

# Fields the facet pane counts and selects. A channel is matched by its words, so selecting one
# writes `channel:"Name"`, a phrase in that field.
FACET_FIELDS = ("tag", "channel", "category")
# Orders the engine knows.
SORT_KEYS = ("relevance", "uploaded", "posted", "views", "likes", "duration", "title")
# Export formats (core/export.py writes them).
FORMATS = ("csv", "json", "md", "urls")
