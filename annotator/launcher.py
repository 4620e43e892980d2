"""The ``annotator`` console script: headless commands go to the CLI, the rest to the window.

``annotator`` alone, ``annotator gui [PATH]`` or ``annotator PATH`` open the GUI;
``annotator track|weights|bench ...`` run headless, but ``annotator bench gui``
measures the window. Keeping the choice here lets
``annotator.cli`` stay free of Qt.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

GUI_USAGE = """usage: annotator [gui] [PATH]

Opens the window on PATH (a video, a folder of frames or a .annot project),
or on the last project. Headless commands: annotator --help."""


def _no_display() -> bool:
    """On Linux without X11 or Wayland (and no Qt platform chosen) the window cannot open."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    )


# Qt's xcb platform plugin loads these at start and aborts without them; a minimal
# Linux install lacks several. Library name (for ctypes) -> Debian/Ubuntu package.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-randr": "libxcb-randr0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def missing_xcb_packages(find: Callable[[str], str | None] | None = None) -> list[str]:
    """The packages whose libraries Qt's xcb plugin needs and this Linux lacks; [] elsewhere,
    or when the window will not use xcb (Wayland, or another Qt platform chosen)."""
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return []
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or os.environ.get("WAYLAND_DISPLAY"):
        return []
    if find is None:
        import ctypes.util

        find = ctypes.util.find_library
    return [package for lib, package in XCB_LIBRARIES.items() if find(lib) is None]


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
        if any(a in ("-h", "--help") for a in args):
            sys.stdout.write(GUI_USAGE + "\n")
            return 0
    elif args and not Path(args[0]).expanduser().exists():
        # Not a command and not a file: most likely a mistyped command.
        close = difflib.get_close_matches(args[0], [*COMMANDS, "gui"], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see annotator --help"
        sys.stderr.write(f"annotator: '{args[0]}' is neither a command nor a file{hint}\n")
        return 2
    if _no_display():
        sys.stderr.write(
            "annotator: no display for the window (DISPLAY is not set); the headless "
            "commands work without one: annotator --help\n"
        )
        return 2
    missing = missing_xcb_packages()
    if missing:
        sys.stderr.write(
            "annotator: the window needs system libraries this machine lacks; install them "
            f"(Debian/Ubuntu: sudo apt install {' '.join(missing)}), or use the headless "
            "commands: annotator --help\n"
        )
        return 2
    from annotator.gui.app import main as gui_main

    return gui_main(args)
