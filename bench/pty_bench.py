#!/usr/bin/env python3
"""What the terminal sees, measured through a pseudo-terminal (stdlib only).

Runs the real dbfleet binary on the demo in a 200x50 pty and prints, as Markdown table rows:
- bytes written to the terminal per second when only ages tick, and per poll refresh;
- keypress-to-frame latency: from writing `j` to the first byte of the redrawn frame;
- idle CPU between polls over 60 s (utime+stime from /proc, polls every 120 s).

Usage: pty_bench.py BINARY [--quick]   (--quick: 20 s of idle instead of 60)
"""

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time

COLS, ROWS = 200, 50


def spawn(binary, args, config_text):
    cfg = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    cfg.write(config_text)
    cfg.close()
    env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=tempfile.mkdtemp())
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        os.execve(binary, [binary, *args, "--config", cfg.name], env)
    return pid, fd


def read_for(fd, seconds):
    """(time, bytes) chunks read within `seconds`."""
    out = []
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return out
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return out
            out.append((time.monotonic(), len(data)))


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def stop(pid, fd):
    os.kill(pid, signal.SIGTERM)
    try:
        read_for(fd, 0.5)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)


def bytes_per_refresh(binary):
    # Real time (speed 1), a poll every 10 s: between polls only the ages tick.
    pid, fd = spawn(binary, ["demo", "--tz", "UTC", "--speed", "1"], "[demo]\nrefresh_seconds = 10\n")
    read_for(fd, 6)  # first frames, first poll
    chunks = read_for(fd, 30)
    stop(pid, fd)
    start = chunks[0][0] if chunks else 0
    buckets = {}
    for t, n in chunks:
        buckets[int(t - start)] = buckets.get(int(t - start), 0) + n
    per_second = sorted(buckets.values())
    tick = statistics.median(per_second) if per_second else 0
    refresh = max(per_second) if per_second else 0
    return tick, refresh


def key_latency(binary):
    pid, fd = spawn(binary, ["demo", "--tz", "UTC", "--speed", "1"], "[demo]\nrefresh_seconds = 600\n")
    read_for(fd, 4)
    lat = []
    for i in range(60):
        key = b"j" if (i // 20) % 2 == 0 else b"k"
        read_for(fd, 0.05)  # drain
        t0 = time.monotonic()
        os.write(fd, key)
        r, _, _ = select.select([fd], [], [], 1.0)
        if r:
            lat.append((time.monotonic() - t0) * 1000)
            os.read(fd, 65536)
        time.sleep(0.1)
    stop(pid, fd)
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.95) - 1], lat[-1], len(lat)


def idle_cpu(binary, seconds):
    pid, fd = spawn(binary, ["demo", "--tz", "UTC", "--speed", "1"], "[demo]\nrefresh_seconds = 120\n")
    read_for(fd, 5)
    hz = os.sysconf("SC_CLK_TCK")
    c0, t0 = cpu_ticks(pid), time.monotonic()
    read_for(fd, seconds)  # keep draining so the program never blocks on the terminal
    c1, t1 = cpu_ticks(pid), time.monotonic()
    stop(pid, fd)
    return (c1 - c0) / hz / (t1 - t0) * 100


def main():
    binary = sys.argv[1]
    quick = "--quick" in sys.argv
    tick, refresh = bytes_per_refresh(binary)
    med, p95, worst, n = key_latency(binary)
    idle = idle_cpu(binary, 20 if quick else 60)
    ok = lambda b: "met" if b else "NOT met"
    print(f"| bytes to the terminal per second, ages ticking only (200x50) | {tick:,.0f} B | | |")
    print(f"| bytes to the terminal per poll refresh (200x50) | {refresh:,.0f} B | <= 4 KB | {ok(refresh <= 4096)} |")
    print(f"| keypress-to-frame latency (median / p95 / max of {n}) | {med:.1f} / {p95:.1f} / {worst:.1f} ms | <= 16 ms | {ok(p95 <= 16)} |")
    print(f"| idle CPU between polls over {20 if quick else 60} s | {idle:.2f} % | < 0.5 % | {ok(idle < 0.5)} |")


if __name__ == "__main__":
    main()
