"""The `ems` command: the GUI by default (`ems` = `ems gui`), `ems demo` and `ems headless` without one."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace

from app.config import AppConfig, ConfigError, load_config
from app.display import HELP, display_problem
from app.gc_policy import apply_gc_policy
from app.tca_cli import add_tca_parser, run_tca
from app.venues_cli import add_venues_parser, run_venues

NO_DISPLAY_RC = 2


def _gui_options(parser: argparse.ArgumentParser, *, on_subcommand: bool) -> None:
    """The GUI's options, on `ems` itself and on `ems gui` (there they must not reset what `ems` got)."""
    unset = argparse.SUPPRESS if on_subcommand else None
    group = parser.add_argument_group("GUI options (ems, ems gui)")
    group.add_argument("--screenshot", metavar="PNG", default=unset,
                       help="save a screenshot of the main window to this PNG after --quit-after seconds "
                            "(default 3) and exit")
    group.add_argument("--quit-after", metavar="SECONDS", type=float, default=unset,
                       help="quit after this many wall-clock seconds")
    group.add_argument("--no-close-prompt", action="store_true", default=unset,
                       help="close without asking while orders work ([gui] confirm_close = false)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ems", description="Execution Management System. Without a command: the GUI (ems gui).",
        epilog="No display? xvfb-run -a ems, or ems demo / ems headless.")
    parser.add_argument("--config", help="TOML configuration file (defaults: resources/default_config.toml)")
    parser.add_argument("--db", help="journal database path (default: one per day under the user data dir)")
    parser.add_argument("--speed", type=float, help="market time speed multiplier for the simulated market")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="scripted TWAP session in virtual time; prints a JSON summary")
    demo.add_argument("--seconds", type=int, default=60, help="market seconds to simulate")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--db", dest="demo_db", help="keep the journal at this path")
    headless = sub.add_parser("headless", help="the engine without GUI until SIGTERM")
    headless.add_argument("--config", dest="headless_config", required=True)
    headless.add_argument("--db", dest="headless_db")
    gui = sub.add_parser("gui", help="the trader GUI (the default)")
    for flag, kind, text in (("--config", str, "TOML configuration file"), ("--db", str, "journal database path"),
                             ("--speed", float, "market time speed multiplier")):
        gui.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=f"{text} (as before the command)")
    _gui_options(parser, on_subcommand=False)
    _gui_options(gui, on_subcommand=True)
    add_tca_parser(sub)
    add_venues_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    apply_gc_policy()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "demo":
            from app.demo import run_demo

            summary = run_demo(args.seconds, args.seed, args.demo_db or args.db,
                               load_config(args.config) if args.config else None)
            json.dump(summary, sys.stdout, indent=2)
            sys.stdout.write("\n")
            return 0
        if args.command == "tca":
            return run_tca(args)
        if args.command == "venues":
            return run_venues(args)
        if args.command == "headless":
            from app.headless import run_headless

            config = load_config(args.headless_config, journal_override=args.headless_db or args.db)
            asyncio.run(run_headless(_with_speed(config, args.speed)))
            return 0
        config = load_config(args.config, journal_override=args.db)
        problem = display_problem()
        if problem is not None:  # before Qt, whose answer is an abort with a misleading hint
            print(HELP.format(problem=problem), file=sys.stderr)
            return NO_DISPLAY_RC
        from app.gui import run_gui

        return run_gui(_with_speed(config, args.speed), screenshot=args.screenshot, quit_after=args.quit_after,
                       close_prompt=False if args.no_close_prompt else None)
    except ConfigError as err:
        print(f"ems: configuration error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"ems: {err}", file=sys.stderr)
        return 2


def _with_speed(config: AppConfig, speed: float | None) -> AppConfig:
    if speed is None:
        return config
    if speed <= 0:
        raise ConfigError(f"--speed must be positive, got {speed}")
    return replace(config, market=replace(config.market, speed=speed))


if __name__ == "__main__":
    sys.exit(main())
