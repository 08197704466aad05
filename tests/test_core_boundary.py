"""The core must import without Textual, so the CLI and scripts stay light and the UI stays thin."""

import subprocess
import sys


def test_every_core_module_imports_without_textual():
    code = (
        "import importlib, pkgutil, sys\n"
        "import vidbrowse.core as core\n"
        "names = [m.name for m in pkgutil.walk_packages(core.__path__, 'vidbrowse.core.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert len(names) > 30, names\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
