"""Finding the posts in an archive folder and reading each one into a clean, typed Post."""
