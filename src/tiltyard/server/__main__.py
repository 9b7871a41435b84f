"""`python -m tiltyard.server [HOST] [PORT]`: the arena without building the catalog first
(tests, benchmarks and process managers use it; people use `tiltyard serve`)."""

import sys

import uvicorn

from tiltyard.server import create_app

if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    uvicorn.run(create_app(serving=True), host=host, port=port, workers=1, log_level="warning")
