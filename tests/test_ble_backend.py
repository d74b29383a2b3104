"""The Bumble bleak backend with plain bleak calls against a virtual DIY sensor."""

import asyncio

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from imuhinge.sources.ble.profiles import DiyProfile
from imuhinge.sources.ble.profiles.diy import ACC_LSB_G, CONFIG_UUID, DATA_UUID, GYR_LSB_DPS, SERVICE_UUID
from imuhinge.sources.emulated.ble import Faults, VirtualSensor
from imuhinge.sources.emulated.bumble_backend import BumbleClient, BumbleLink, BumbleScanner


def on_grid_samples(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    raw = np.random.default_rng(seed).integers(-4000, 4000, size=(n, 6))
    return raw[:, :3] * ACC_LSB_G[2], raw[:, 3:] * GYR_LSB_DPS[3]


def test_bleak_calls_against_a_virtual_diy_sensor():
    acc_g, gyr_dps = on_grid_samples(600)

    async def scenario():
        BumbleLink(speed=20).make_current()
        async with VirtualSensor("diy", acc_g, gyr_dps, 100.0) as sensor:
            found = await BleakScanner.discover(timeout=0.2, return_adv=True, backend=BumbleScanner)
            device, adv = found[sensor.address]
            assert adv.local_name == "imuhinge-diy" and adv.rssi == -50
            assert adv.service_uuids == [SERVICE_UUID]
            assert (
                await BleakScanner.find_device_by_name("nobody", timeout=0.2, backend=BumbleScanner) is None
            )
            device = await BleakScanner.find_device_by_address(sensor.address, backend=BumbleScanner)
            received: list[bytes] = []
            unexpected: list[object] = []
            client = BleakClient(device, unexpected.append, backend=BumbleClient)
            async with client:
                assert client.is_connected and client.mtu_size == 247
                data = client.services.get_characteristic(DATA_UUID)
                assert "notify" in data.properties and data.max_write_without_response_size == 244
                assert data.descriptors[0].uuid == "00002902-0000-1000-8000-00805f9b34fb"
                await client.start_notify(DATA_UUID, lambda _c, d: received.append(bytes(d)))
                (start,) = DiyProfile().start_writes()
                await client.write_gatt_char(CONFIG_UUID, start.data, response=True)
                assert await client.read_gatt_char(CONFIG_UUID) == bytearray(start.data)
                with pytest.raises(BleakError):
                    await client.write_gatt_char(CONFIG_UUID, b"\x00", response=True)
                await asyncio.wait_for(sensor.done.wait(), 10)
                await client.stop_notify(DATA_UUID)
            assert not client.is_connected and unexpected == []
            return received

    received = asyncio.run(scenario())
    packets = [DiyProfile().decode(r) for r in received]
    np.testing.assert_array_equal(np.concatenate([p.acc_g for p in packets]), acc_g)
    np.testing.assert_array_equal(np.concatenate([p.gyr_dps for p in packets]), gyr_dps)
    counter = np.concatenate([p.counter for p in packets])
    np.testing.assert_array_equal(np.diff(counter) % 65536, 1)


def test_mtu_23_and_unexpected_disconnect_callback():
    acc_g, gyr_dps = on_grid_samples(300)

    async def scenario():
        link = BumbleLink(speed=20)
        faults = Faults(max_mtu=23, disconnect_at_s=(1.0,))
        async with VirtualSensor("diy", acc_g, gyr_dps, 100.0, link=link, faults=faults) as sensor:
            device = await BleakScanner.find_device_by_name(
                "imuhinge-diy", backend=BumbleScanner, bumble_link=link
            )
            dropped = asyncio.Event()
            received: list[bytes] = []
            client = BleakClient(device, lambda _c: dropped.set(), backend=BumbleClient, bumble_link=link)
            await client.connect()
            assert client.mtu_size == 23
            await client.start_notify(DATA_UUID, lambda _c, d: received.append(bytes(d)))
            (start,) = DiyProfile().start_writes()
            await client.write_gatt_char(CONFIG_UUID, start.data, response=True)
            await asyncio.wait_for(dropped.wait(), 10)
            assert not client.is_connected and sensor.stats.forced_disconnects == 1
            return received

    received = asyncio.run(scenario())
    assert all(len(r) == 20 for r in received)
    assert sum(len(DiyProfile().decode(r)) for r in received) == 100
