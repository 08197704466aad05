"""An opened archive: its store, its index and its columns, kept up to date."""
