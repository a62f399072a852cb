"""A local emulator of every platform mktd talks to, for rehearsals and end-to-end tests.

`Sandbox(port=0, state_dir=..., faults=...)` runs it in this process; `mktd sandbox serve`
runs it from the command line; `sandbox_env(url, state_dir)` is the environment that points
mktd at it. See docs/sandbox.md.
"""

from mktdirector.sandbox.base import SandboxError
from mktdirector.sandbox.env import sandbox_env
from mktdirector.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxError", "sandbox_env"]
