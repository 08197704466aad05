"""The core of vidbrowse: parsing, indexing, querying, facets. It never imports Textual."""
