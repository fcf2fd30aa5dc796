"""Serve the gateway as ``gateway serve`` does (Granian), configured from GATEWAY_*.

Usage: ``python bench/gateway_server.py --port 8100 --workers 2``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.serving import run_granian


def main() -> None:
    """Parse the address and worker count, then serve until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    run_granian(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
