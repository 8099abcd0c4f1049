"""The `ems` command: the GUI by default, `ems demo` and `ems headless` without one."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace

from app.config import AppConfig, ConfigError, load_config
from app.gc_policy import apply_gc_policy


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ems", description="Execution Management System")
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
    gui.add_argument("--screenshot", help="save a screenshot of the main window to this PNG and exit")
    gui.add_argument("--quit-after", type=float, help="quit after this many wall-clock seconds")
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
        if args.command == "headless":
            from app.headless import run_headless

            config = load_config(args.headless_config, journal_override=args.headless_db or args.db)
            asyncio.run(run_headless(_with_speed(config, args.speed)))
            return 0
        from app.gui import run_gui

        config = load_config(args.config, journal_override=args.db)
        return run_gui(_with_speed(config, args.speed), screenshot=getattr(args, "screenshot", None),
                       quit_after=getattr(args, "quit_after", None))
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
