"""vidbrowse: search, filter and review an offline archive of video posts."""

__version__ = "0.1.0"
