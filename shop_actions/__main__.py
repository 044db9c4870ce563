"""``python -m shop_actions seed [--url URL]``: create the shop's tables and fresh demo data."""

from __future__ import annotations

import argparse
import asyncio

from .db import DATABASE_URL_ENV, ShopDatabase, configured_url


async def _seed(url: str) -> None:
    database = ShopDatabase.connect(url)
    try:
        await database.reset()
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shop_actions")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="drop the shop tables and load the demo data")
    seed.add_argument("--url", help=f"SQLAlchemy URL (default: ${DATABASE_URL_ENV} or shop.db)")
    args = parser.parse_args()
    url = args.url or configured_url()
    asyncio.run(_seed(url))
    print(f"Demo shop data written to {url}")


if __name__ == "__main__":
    main()
