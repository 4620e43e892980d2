"""The ``annotator`` console script: headless commands go to the CLI, the rest to the window.

``annotator`` alone, ``annotator gui [PATH]`` or ``annotator PATH`` open the GUI;
``annotator track|weights|bench ...`` run headless, but ``annotator bench gui``
measures the window. Keeping the choice here lets
``annotator.cli`` stay free of Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["bench", "gui"]:  # the one benchmark that needs Qt
        from annotator.gui.bench import main as gui_bench

        return gui_bench(args[2:])
    from annotator.cli import COMMANDS

    if args and (args[0] in COMMANDS or args[0].startswith("-")):
        from annotator.cli import main as cli_main

        return cli_main(args)
    if args and args[0] == "gui":
        args = args[1:]
    from annotator.gui.app import main as gui_main

    return gui_main(args)
