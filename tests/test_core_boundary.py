"""The core must import without Textual, so the CLI and scripts stay light and the UI stays thin."""

import subprocess
import sys


def test_core_imports_without_textual():
    code = (
        "import sys\n"
        "import vidbrowse.core.library, vidbrowse.core.search, vidbrowse.core.query\n"
        "import vidbrowse.core.post, vidbrowse.core.columns\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
