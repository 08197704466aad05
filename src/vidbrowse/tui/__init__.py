"""The Textual app. Imported only when the TUI starts, so the CLI stays light."""
