"""No Bluetooth adapter: ``scan`` and ``record`` say so in one line, exit status 2, through the real
platform stack (bleak's BlueZ backend over D-Bus): no system bus, a bus without BlueZ, and BlueZ that
lists no adapter (a small BlueZ stand-in on a private bus: the object manager with nothing in it)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DBUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_type="method_call"/> <allow send_type="signal"/>
    <allow send_type="method_return"/> <allow send_type="error"/>
    <allow receive_type="method_call"/> <allow receive_type="signal"/>
    <allow receive_type="method_return"/> <allow receive_type="error"/>
  </policy>
</busconfig>
"""

# BlueZ without a controller: the name org.bluez on the bus, its object manager listing nothing.
BLUEZ_WITHOUT_ADAPTERS = textwrap.dedent(
    """
    import asyncio
    from dbus_fast import BusType
    from dbus_fast.aio import MessageBus
    from dbus_fast.service import ServiceInterface, method

    class ObjectManager(ServiceInterface):
        def __init__(self):
            super().__init__("org.freedesktop.DBus.ObjectManager")

        @method()
        def GetManagedObjects(self) -> "a{oa{sa{sv}}}":
            return {}

    async def main():
        bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        bus.export("/", ObjectManager())
        await bus.request_name("org.bluez")
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)

pytestmark = pytest.mark.slow  # whole processes against D-Bus daemons

COMMANDS = {
    "scan": ["scan", "--timeout-s", "1"],
    "record": ["record", "--duration-s", "1"],
    "record two sensors": ["record", "--sensors", "upper_back,sacrum", "--duration-s", "1"],
}


def run_cli(args: list[str], bus_address: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus_address}
    return subprocess.run(
        [sys.executable, "-m", "imuhinge", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.fixture
def private_bus(tmp_path):
    """A D-Bus system bus of our own (dbus-daemon), as its address."""
    socket = tmp_path / "bus.sock"
    config = tmp_path / "bus.conf"
    config.write_text(DBUS_CONFIG.format(socket=socket))
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    yield address
    daemon.terminate()
    daemon.wait()


def assert_one_line(done: subprocess.CompletedProcess[str], command: str, problem: str, cwd: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"imuhinge {command.split()[0]}: error: no Bluetooth adapter found: {problem} "
        "(without one: record from a phone (--phone) or try --simulate)"
    ]
    assert "Traceback" not in done.stdout
    assert not [p for p in cwd.iterdir() if p.suffix in (".csv", ".partial")], "nothing recorded, no file"


@pytest.mark.parametrize("command", COMMANDS)
def test_no_system_bus(command, tmp_path):
    done = run_cli(COMMANDS[command], f"unix:path={tmp_path / 'no-bus-here'}", tmp_path)
    assert_one_line(done, command, "no D-Bus system bus to reach BlueZ on", tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bus_without_bluez(command, private_bus, tmp_path):
    done = run_cli(COMMANDS[command], private_bus, tmp_path)
    assert_one_line(done, command, "the Bluetooth service (BlueZ) is not running", tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_bluez_without_an_adapter(command, private_bus, tmp_path):
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": private_bus}
    bluez = subprocess.Popen(
        [sys.executable, "-c", BLUEZ_WITHOUT_ADAPTERS], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert bluez.stdout is not None and bluez.stdout.readline().strip() == "ready"
        done = run_cli(COMMANDS[command], private_bus, tmp_path)
    finally:
        bluez.terminate()
        bluez.wait()
    assert_one_line(done, command, "the system has none", tmp_path)
