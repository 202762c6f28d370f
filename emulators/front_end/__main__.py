"""`python -m emulators.front_end [--host H] [--health-port P] --route PUBLIC:FUNCTION ...`"""

import argparse
import sys

from emulators.front_end.server import serve


def _route(text: str) -> tuple[int, int]:
    public, _, function = text.partition(":")
    return int(public), int(function)


parser = argparse.ArgumentParser(prog="front_end", description="Cloud Run's front end in front of local functions.")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--health-port", type=int, help="where the front end answers /health itself")
parser.add_argument("--route", type=_route, action="append", required=True, help="PUBLIC_PORT:FUNCTION_PORT")
args = parser.parse_args()
sys.exit(serve(dict(args.route), args.host, args.health_port))
