"""Exit 0 when the service behind a postgres:// or redis:// URL accepts a TCP connection."""

import socket
import sys
from urllib.parse import urlsplit

DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "redis": 6379}

url = urlsplit(sys.argv[1])
try:
    with socket.create_connection(
        (url.hostname or "127.0.0.1", url.port or DEFAULT_PORTS.get(url.scheme, 0)), timeout=3
    ):
        pass
except OSError:
    sys.exit(1)
