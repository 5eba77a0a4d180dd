"""Finding the tudi binary and running it under Processing's feedback."""

import os
import queue
import shlex
import shutil
import subprocess
import threading

from qgis.core import QgsProcessingException

from processing.core.ProcessingConfig import ProcessingConfig

# The setting (Settings → Options → Processing → Providers → tudi).
BINARY_SETTING = "TUDI_BINARY"

HOW_TO_INSTALL = (
    "Install it from the tudi repository with `cargo install --path . --locked` "
    "(it goes to ~/.cargo/bin), or set its path in "
    "Settings → Options → Processing → Providers → tudi."
)


def find_tudi():
    """The binary set in the settings, else `tudi` on the PATH, else in
    ~/.cargo/bin (where cargo installs it; QGIS started from a desktop menu
    often has no ~/.cargo/bin on its PATH)."""
    configured = str(ProcessingConfig.getSetting(BINARY_SETTING) or "").strip()
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise QgsProcessingException(
            f"The tudi binary set in the settings, {configured}, is not an executable file. "
            + HOW_TO_INSTALL
        )
    cargo_bin = os.path.join(os.path.expanduser("~"), ".cargo", "bin")
    found = shutil.which("tudi") or shutil.which("tudi", path=cargo_bin)
    if found:
        return found
    raise QgsProcessingException(
        "The tudi binary was not found: it is not on the PATH nor in ~/.cargo/bin. " + HOW_TO_INSTALL
    )


def _pump(stream, name, lines):
    """Reads a pipe in its own thread, so neither pipe can fill and block tudi."""
    for raw in iter(stream.readline, b""):
        lines.put((name, raw.decode("utf-8", errors="replace").rstrip("\r\n")))
    stream.close()
    lines.put((name, None))


def run(args, feedback, stdout_path=None):
    """Runs `tudi ARGS`; its output lines go to the Processing log as they
    come (stdout to `stdout_path` instead when given). Cancelling stops
    tudi (SIGTERM: it removes its unfinished staging folder) and returns
    None. A failure raises QgsProcessingException with tudi's message;
    success returns the lines tudi printed (stdout's, else stderr's)."""
    command = [find_tudi()] + [str(a) for a in args]
    feedback.pushCommandInfo(" ".join(shlex.quote(c) for c in command))
    extra = {"creationflags": subprocess.CREATE_NO_WINDOW} if os.name == "nt" else {}
    sink = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.PIPE, **extra)
    except OSError as e:
        raise QgsProcessingException(f"Could not start {command[0]}: {e}. " + HOW_TO_INSTALL)
    finally:
        if stdout_path:
            sink.close()  # tudi has its own handle on the file
    lines = queue.Queue()
    pipes = {"stderr": proc.stderr}
    if not stdout_path:
        pipes["stdout"] = proc.stdout
    threads = [threading.Thread(target=_pump, args=(p, n, lines), daemon=True) for n, p in pipes.items()]
    for t in threads:
        t.start()
    printed, error, open_pipes, cancelled = [], [], len(threads), False
    while open_pipes:
        try:
            name, line = lines.get(timeout=0.1)
        except queue.Empty:
            if feedback.isCanceled() and not cancelled:
                cancelled = True
                proc.terminate()
            continue
        if line is None:
            open_pipes -= 1
        elif error or (name == "stderr" and line.startswith(("tudi: ", "error: "))):
            error.append(line)  # the failure's message, raised below
        elif line.startswith("warning: "):
            feedback.pushWarning(line[len("warning: "):])  # QGIS marks it a warning itself
            printed.append(line)
        else:
            feedback.pushInfo(line)
            printed.append(line)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    for t in threads:
        t.join()
    if cancelled:
        feedback.pushInfo("Cancelled: tudi was stopped.")
        return None
    if code != 0:
        message = "\n".join(line for line in error if line.strip()) or f"tudi ended with exit code {code}"
        raise QgsProcessingException(message)
    return printed
