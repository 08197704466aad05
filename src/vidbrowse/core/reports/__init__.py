"""What is computed over results for people: exports, stats, archive health, the overview."""
