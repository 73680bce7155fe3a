"""The embedded MongoDB-wire server (SecantusDB's `secantusd-py`), used when no
MONGODB_URI is set.

It runs as its own process (it is GPL-2.0: never imported). Several app
processes (the CLI, two gunicorn workers) share one server per data
directory: a file lock serialises start-up, a state file names the server's
pid and port and the processes attached to it, and the last process to detach
stops it. A second server on the same directory would refuse to start anyway
(WiredTiger's own lock); the file lock makes us never try.
"""
import atexit
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pymongo

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def server_command():
    exe = shutil.which("secantusd-py") or str(Path(sys.executable).with_name("secantusd-py"))
    return exe


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uri_for(port):
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def pid_alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0): reap it if it is one.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def wait_until_up(port, timeout=START_TIMEOUT_S, proc=None):
    """Wait for TCP, then for a ping, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"embedded database exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            client = pymongo.MongoClient(uri_for(port), serverSelectionTimeoutMS=2000)
            try:
                client.admin.command("ping")
                return
            finally:
                client.close()
        except (OSError, pymongo.errors.PyMongoError):
            time.sleep(0.05)
    raise TimeoutError(f"embedded database did not answer on port {port} within {timeout}s")


def start_server(storage, port, log_path=None):
    """Start one server process and wait until it answers. Returns the Popen."""
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    cmd = [
        server_command(), "--host", "127.0.0.1", "--port", str(port),
        "--storage-path", str(storage), "--sync-on-commit", "--log-level", "WARNING",
    ]
    # Its own session, so a Ctrl-C aimed at the app does not kill the database
    # mid-write: the app stops it cleanly instead.
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=str(Path(storage).parent) if storage != ":memory:" else None)
    if log_path:
        log.close()
    try:
        wait_until_up(port, proc=proc)
    except Exception:
        stop_pid(proc.pid)
        raise
    return proc


def stop_pid(pid, timeout=STOP_TIMEOUT_S):
    """SIGTERM, wait, then SIGKILL as a last resort."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class SharedServer:
    """The server for one var/ directory, shared by every process using it."""

    def __init__(self, var_dir):
        self.var_dir = Path(var_dir)
        self.storage = self.var_dir / "db"
        self.state_path = self.var_dir / "embedded.json"
        self.lock_path = self.var_dir / "embedded.lock"
        self.log_path = self.var_dir / "embedded.log"

    @contextmanager
    def _locked(self):
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read_state(self):
        try:
            return json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _write_state(self, state):
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_path)

    def attach(self, supervise=True):
        """Make sure the server runs, register this process, return its URI.
        With `supervise`, a thread of this process restarts the server (same
        data, same port) if it dies, so the app recovers by itself."""
        with self._locked():
            state = self._start_if_needed(self._read_state())
            clients = [p for p in state.get("clients", []) if pid_alive(p)]
            if os.getpid() not in clients:
                clients.append(os.getpid())
            state["clients"] = clients
            self._write_state(state)
        atexit.register(self.detach, os.getpid())
        _exit_cleanly_on_sigterm()
        if supervise:
            self._supervisor = Supervisor(self)
            self._supervisor.start()
        return uri_for(state["port"])

    def _start_if_needed(self, state):
        """`state` with a running server: the one it names if it answers,
        else a new one on the same port (the URI every attached process
        holds) keeping the list of attached processes: a process that finds
        the server dead must not drop the others, or its leaving would stop
        a server they use."""
        if pid_alive(state.get("pid")) and _answers(state.get("port")):
            return state
        if state.get("pid") and pid_alive(state["pid"]):
            stop_pid(state["pid"])
        port = state.get("port") or free_port()
        try:
            proc = start_server(self.storage, port, self.log_path)
        except (RuntimeError, TimeoutError):
            port = free_port()  # the old port is taken by something else
            proc = start_server(self.storage, port, self.log_path)
        return {**state, "pid": proc.pid, "port": port, "clients": state.get("clients", [])}

    def restart_if_dead(self):
        """Under the lock: start the server again when it no longer answers.
        Returns True when this call restarted it."""
        with self._locked():
            state = self._read_state()
            if not state or (pid_alive(state.get("pid")) and _listening(state.get("port"))):
                return False  # detached meanwhile, or another process restarted it
            self._write_state(self._start_if_needed(state))
            return True

    def detach(self, owner_pid=None):
        """Unregister this process; the last one out stops the server."""
        if owner_pid is not None and owner_pid != os.getpid():
            return  # a forked child inherited the atexit hook: not ours
        supervisor = getattr(self, "_supervisor", None)
        if supervisor is not None:
            supervisor.stop()
        with self._locked():
            state = self._read_state()
            if not state:
                return
            clients = [p for p in state.get("clients", []) if pid_alive(p) and p != os.getpid()]
            if clients:
                state["clients"] = clients
                self._write_state(state)
                return
            stop_pid(state["pid"])
            self.state_path.unlink(missing_ok=True)


class Supervisor(threading.Thread):
    """Checks twice a second that the server still listens; restarts it
    (same storage, same port) when it does not. Every attached process runs
    one; the file lock makes sure only one of them restarts it."""

    INTERVAL_S = 0.5

    def __init__(self, server):
        super().__init__(name="embedded-db-supervisor", daemon=True)
        self.server = server
        self.pid = os.getpid()
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()

    def run(self):
        while not self._halt.wait(self.INTERVAL_S):
            if os.getpid() != self.pid:
                return  # a forked child: its own attach supervises
            state = self.server._read_state()
            if not state or _listening(state.get("port")):
                continue
            try:
                if self.server.restart_if_dead():
                    print(f"embedded database restarted (pid {self.server._read_state().get('pid')})",
                          file=sys.stderr, flush=True)
            except Exception as exc:  # keep supervising: the next tick tries again
                print(f"embedded database restart failed: {exc}", file=sys.stderr, flush=True)


def _listening(port):
    if not port:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _exit_cleanly_on_sigterm():
    """A plain SIGTERM kills Python without running atexit, which would leave
    the database running with nobody to stop it. Turn it into a normal exit,
    unless something (gunicorn) already handles SIGTERM its own way."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _answers(port):
    if not port:
        return False
    try:
        wait_until_up(port, timeout=2)
        return True
    except (TimeoutError, RuntimeError):
        return False


def main(argv=None):
    """`python -m webapp.embedded VAR_DIR`: run the shared server in the
    foreground until interrupted (handy for a shell and a gunicorn beside)."""
    var_dir = (argv or sys.argv[1:] or ["var"])[0]
    server = SharedServer(var_dir)
    print(server.attach(), flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
