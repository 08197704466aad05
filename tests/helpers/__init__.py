"""What several test modules share: archives to test on, the CLI in a subprocess, pilot steps.

Test modules import from here (`from helpers.cli import run_cli`), never from each other:
tests/test_tests_layout.py checks it.
"""
