"""The Textual app. Imported only when the TUI starts, so the CLI stays light."""

from vidbrowse.cells import use_terminal_widths

use_terminal_widths()  # before any width is measured: Hindi's vowel signs take a cell, as on screen
