"""Names the command line and the config accept, kept apart from the modules that act on them:
checking a name (building `--help`, validating the config) must not import numpy or Whoosh."""

# Fields the facet pane counts and selects; selecting a value writes it exactly (`tag:x`,
# `channel="Name"`: `channel:` would match its words).
FACET_FIELDS = ("tag", "channel", "category", "site")
# Facet fields with one value per post: ticking a second value means either of them.
ONE_VALUE_FACETS = ("channel",)
# Typo correction (query/spelling.py) is tried only for a query finding at most this many posts
# (here, not there: a search that finds more never imports the spelling module).
RARE_HITS = 2
# Orders the engine knows.
SORT_KEYS = ("relevance", "uploaded", "posted", "views", "likes", "duration", "title")
# Export formats (core/export.py writes them).
FORMATS = ("csv", "json", "md", "urls")
# Columns the app's results list can show (config `columns`, the column dialog), and its default.
# The title is always shown: the marks' flags stand before it.
RESULT_COLUMNS = (
    "title", "channel", "uploaded", "posted", "duration", "views", "likes", "dislikes", "tags",
    "categories",
)  # fmt: skip
DEFAULT_COLUMNS = ("title", "channel", "uploaded", "duration", "views")
