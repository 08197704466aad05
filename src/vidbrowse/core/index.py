"""The Whoosh full-text index: only words live here (title, body, channel, tag words).

Everything else (dates, counts, exact tags, sorting, facets) lives in the columns.
"""

from __future__ import annotations

from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.fields import NUMERIC, TEXT, Schema
from whoosh.support.charset import accent_map

# Stemmed, lower-cased, accent-folded: "Café" finds "cafe", "running" finds "run".
ANALYZER = StemmingAnalyzer() | CharsetFilter(accent_map)

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 1

SCHEMA = Schema(
    # docnum → rowid goes through this column; rowid is the store's primary key.
    rowid=NUMERIC(int, bits=64, signed=False, stored=False, unique=True, sortable=True),
    title=TEXT(analyzer=ANALYZER, field_boost=3.0),
    channel=TEXT(analyzer=ANALYZER, field_boost=1.5),
    tags=TEXT(analyzer=ANALYZER, field_boost=1.5),
    text=TEXT(analyzer=ANALYZER),
)
