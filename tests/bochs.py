"""Boot Holdfast under Bochs (Intel VT-x) and capture its serial console.

Bochs's exit status is always 1 and it never powers off by itself, so a
run is judged by its serial output: it ends when the console shows
Holdfast's last line ("all VMs stopped", "no VMs running", a panic) or at
the timeout backstop, and Bochs is then killed. The bochsrc comes from
boot/mkbochsrc.sh (documented there), like `make run-bochs`'s."""
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import time

from conftest import BUILD, LOGS, ROOT, make_iso

# Instructions per emulated second. Bochs's TSC counts instructions
# whatever this is; it sets how fast timers fire per instruction.
BOCHS_IPS = 50_000_000
END_OF_RUN = re.compile(r"holdfast: all VMs stopped|holdfast: no VMs running|"
                        r"holdfast: PANIC")


class BochsBoot:
    def __init__(self, output, log, seconds, ended):
        self.output = output
        self.log = log
        self.seconds = seconds  # wall time of the Bochs run
        self.ended = ended      # reached Holdfast's last line (no timeout)

    def lines(self, pattern):
        return re.findall(pattern, self.output, re.MULTILINE)

    def __repr__(self):
        return f"BochsBoot(ended={self.ended}, {self.seconds:.0f} s, log={self.log})"


def boot_bochs(name, cmdline, cpus=2, mem_mib=512, modules=(), timeout=600):
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        iso, rc, serial = tmp / "holdfast.iso", tmp / "bochsrc", tmp / "serial.txt"
        make_iso(iso, cmdline, modules)
        subprocess.run([str(ROOT / "boot/mkbochsrc.sh"), "-o", str(rc),
                        "--iso", str(iso), "--cpus", str(cpus),
                        "--mem", str(mem_mib), "--serial", str(serial),
                        "--ips", str(BOCHS_IPS)], check=True)
        (tmp / "commands").write_text("c\n")  # the debugger: just continue
        serial.touch()
        start = time.monotonic()
        with open(LOGS / f"{name}.bochs.log", "wb") as blog:
            proc = subprocess.Popen(["bochs", "-q", "-rc", str(tmp / "commands"),
                                     "-f", str(rc)], cwd=tmp, stdin=subprocess.DEVNULL,
                                    stdout=blog, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            ended = False
            try:
                while proc.poll() is None and time.monotonic() - start < timeout:
                    if END_OF_RUN.search(serial.read_text(errors="replace")):
                        ended = True
                        time.sleep(1)  # the rest of that line
                        break
                    time.sleep(0.5)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        seconds = time.monotonic() - start
        output = serial.read_text(errors="replace").replace("\r\n", "\n")
    log = LOGS / f"{name}.log"
    log.write_text(output)
    return BochsBoot(output, log, seconds, ended)
