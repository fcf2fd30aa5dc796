"""The anchors' environment: var/bench-venv with pysaml2 (xmlsec1 backend) and scim2-server."""

from __future__ import annotations

import os
import shutil
import sys

from harness import ROOT, log, run_command

BENCH_VENV = ROOT / "var" / "bench-venv"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
PACKAGES = ("pysaml2==7.5.5", "scim2-server==0.8.3")
STAMP = BENCH_VENV / ".installed"


def ensure_environment() -> None:
    """Install what the anchors need, once; raises CalledProcessError when that fails."""
    if shutil.which("xmlsec1") is None:
        install_xmlsec1()
    wanted = "\n".join(PACKAGES)
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    log(f"installing the anchors into {BENCH_VENV.relative_to(ROOT)}: {', '.join(PACKAGES)}")
    if not BENCH_PYTHON.exists():
        run_command([sys.executable, "-m", "venv", str(BENCH_VENV)])
    run_command(
        [str(BENCH_PYTHON), "-m", "pip", "install", "-q", *PACKAGES],
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    STAMP.write_text(wanted)


def install_xmlsec1() -> None:
    """Debian's xmlsec1, the binary pysaml2's default backend runs; needs root."""
    log("installing Debian's xmlsec1 for pysaml2's default backend")
    apt = shutil.which("apt-get")
    if apt is None:
        raise RuntimeError("xmlsec1 is missing and there is no apt-get to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_command([apt, "update", "-qq"], env=env)
    run_command([apt, "install", "-y", "-qq", "xmlsec1"], env=env)
