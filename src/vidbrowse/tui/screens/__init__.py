"""The app's screens: the main one (query, filters, results, detail) and those pushed over it."""
