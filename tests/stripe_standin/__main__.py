"""`python -m tests.stripe_standin --port 12111`: run the stand-in Stripe server."""

import argparse

from tests.stripe_standin.server import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description="A stand-in Stripe HTTP server for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    args = parser.parse_args()
    server = make_server(args.host, args.port)
    print(f"stripe stand-in listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
