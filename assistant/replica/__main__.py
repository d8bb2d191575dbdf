"""``python -m assistant.replica [--port 8765]``: serve the replica until interrupted."""

from __future__ import annotations

import argparse
import threading

from .server import ReplicaServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m assistant.replica", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--captures-dir", default=None, help="folder of real captures (default: shared/real-pages)")
    args = parser.parse_args(argv)
    server = ReplicaServer(args.host, args.port, args.captures_dir).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
