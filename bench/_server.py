"""What every bench starts with: the database named by MONGODB_URI /
MONGODB_DB when set, else a throwaway embedded server in memory, and
afterwards the bench's own database dropped and the server stopped."""
import contextlib
import os

from webapp import db, embedded


@contextlib.contextmanager
def database(prefix):
    """Yield (uri, database name): MONGODB_URI / MONGODB_DB when set, else an
    embedded server and a database named after `prefix` and this process.
    A database named by MONGODB_DB is kept; one made here is dropped."""
    proc = None
    uri = os.environ.get("MONGODB_URI")
    name = os.environ.get("MONGODB_DB") or f"{prefix}_{os.getpid()}"
    if not uri:
        proc = embedded.start_server(":memory:", embedded.free_port())
        uri = embedded.uri_for(proc.args[proc.args.index("--port") + 1])
    try:
        yield uri, name
    finally:
        if not os.environ.get("MONGODB_DB"):
            db.client_for(uri).drop_database(name)
        if proc is not None:
            embedded.stop_pid(proc.pid)
