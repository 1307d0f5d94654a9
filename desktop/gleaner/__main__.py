"""Entry point: `gleaner` opens the window, `gleaner <command>` runs the command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .cli import build_parser, run

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        from .ui.app import run_app  # Qt is loaded only when the window is wanted

        return run_app(args.archive)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
