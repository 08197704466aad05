"""The query language and its evaluation: which posts, in what order, with facet counts."""
