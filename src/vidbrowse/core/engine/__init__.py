"""The Whoosh full-text index: analysis, writing segments, reading postings and phrases."""
