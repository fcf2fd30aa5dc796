"""Reliability scripts: SIGKILL crash trials, soak load (run by make crash and make soak)."""
