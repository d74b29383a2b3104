"""Write a phone's samples as the apps and vendor tools export them (for tests and benchmarks).

Each writer follows the published layout of its format (labels, units, separators, number styles,
file names inside the export), so the importers are exercised on files like the real ones without
any real export being copied into the project.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from imuhinge.model import G_MPS2, SensorStream
from imuhinge.sources.emulated.phone.sampling import PhoneMotion

START_UNIX_S = 1_795_000_000.0  # 2026-11-18, any fixed moment will do
GRAVITY_WINDOW_S = 1.0


def java_scientific(values: np.ndarray, decimal_mark: str = ".") -> list[str]:
    """Numbers as phyphox writes them (Java ``0.000000000E0``): ``5.772740775E1``, ``-1.2E-3``..."""
    out = []
    for v in np.asarray(values, float):
        if not np.isfinite(v):
            out.append("NaN")
            continue
        mantissa, exponent = f"{v:.9E}".split("E")
        out.append(f"{mantissa}E{int(exponent)}".replace(".", decimal_mark))
    return out


def gravity_part(time_s: np.ndarray, acc_mps2: np.ndarray) -> np.ndarray:
    """The slow part of the specific force (a moving average over about a second), standing in for
    the phone's gravity sensor; the rest is what phones call linear acceleration."""
    rate = (len(time_s) - 1) / (time_s[-1] - time_s[0])
    half = max(int(GRAVITY_WINDOW_S * rate / 2), 1)
    c = np.vstack([np.zeros(3), np.cumsum(acc_mps2, axis=0)])
    idx = np.arange(len(acc_mps2))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(acc_mps2))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def _write_members(path: Path, files: dict[str, str], archive: bool) -> Path:
    if archive:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(name, text)
    else:
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text, encoding="utf-8")
    return path


# --- phyphox -----------------------------------------------------------------------------------


def _phyphox_table(columns: list[tuple[str, np.ndarray]], separator: str, decimal_mark: str) -> str:
    n = max(len(values) for _, values in columns)
    padded = [np.concatenate([v, np.full(n - len(v), np.nan)]) for _, v in columns]
    cells = [java_scientific(v, decimal_mark) for v in padded]
    lines = [separator.join(f'"{label}"' for label, _ in columns)]
    lines += [separator.join(row) for row in zip(*cells, strict=True)]
    return "\n".join(lines) + "\n"


def phyphox_files(
    motion: PhoneMotion,
    platform: str = "android",
    separator: str = ",",
    decimal_mark: str = ".",
    linear: bool = False,
    pause: tuple[float, float] | None = None,
) -> dict[str, str]:
    """The files of a phyphox export of an accelerometer-with-g and gyroscope experiment.

    Parameters
    ----------
    motion : PhoneMotion
    platform : str
        ``android`` labels (``"Acceleration x (m/s^2)"``) or ``ios`` labels (``"X (m/s^2)"``).
    separator, decimal_mark : str
        As chosen in the export dialog.
    linear : bool
        Export linear acceleration (without gravity) instead, as the "Linear Acceleration" experiment.
    pause : (float, float), optional
        The experiment was paused from the first to the second phone time: those samples are
        missing, and experiment time skips the pause (``meta/time.csv`` says when).
    """
    acc_t, acc, gyr_t, gyr = motion.acc_time_s, motion.acc_mps2, motion.gyr_time_s, motion.gyr_rads
    if linear:
        acc = acc - gravity_part(acc_t, acc)
    events = [("START", 0.0, START_UNIX_S)]
    if pause is not None:
        a, b = pause
        keep_a, keep_g = (acc_t < a) | (acc_t >= b), (gyr_t < a) | (gyr_t >= b)
        acc_t, acc, gyr_t, gyr = acc_t[keep_a], acc[keep_a], gyr_t[keep_g], gyr[keep_g]
        acc_t = np.where(acc_t >= b, acc_t - (b - a), acc_t)
        gyr_t = np.where(gyr_t >= b, gyr_t - (b - a), gyr_t)
        events += [("PAUSE", a, START_UNIX_S + a), ("START", a, START_UNIX_S + b)]
    prefix = "Linear Acceleration " if linear else "Acceleration "
    if platform == "ios":
        acc_labels, gyr_labels = ["X", "Y", "Z"], ["X", "Y", "Z"]
    else:
        acc_labels, gyr_labels = [prefix + a for a in "xyz"], [f"Gyroscope {a}" for a in "xyz"]
    acc_cols = [("Time (s)", acc_t)] + [(f"{lab} (m/s^2)", acc[:, k]) for k, lab in enumerate(acc_labels)]
    acc_cols.append(("Absolute acceleration (m/s^2)", np.linalg.norm(acc, axis=1)))
    gyr_cols = [("Time (s)", gyr_t)] + [(f"{lab} (rad/s)", gyr[:, k]) for k, lab in enumerate(gyr_labels)]
    acc_name = "Linear Acceleration.csv" if linear else "Accelerometer.csv"
    lines = [
        separator.join(['"event"', '"experiment time"', '"system time"', '"system time text"']),
        *(
            separator.join(
                [
                    f'"{event}"',
                    java_scientific(np.array([exp_t]), decimal_mark)[0],
                    f"{unix_t:.3f}".replace(".", decimal_mark),
                    f'"{datetime.fromtimestamp(unix_t, UTC):%Y-%m-%d %H:%M:%S.%f}"',
                ]
            )
            for event, exp_t, unix_t in events
        ),
    ]
    device = separator.join(['"property"', '"value"']) + "\n"
    device += "\n".join(
        separator.join(f'"{v}"' for v in pair)
        for pair in (("version", "1.2.0"), ("deviceModel", "Pixel 7"), ("deviceBrand", "google"))
    )
    return {
        acc_name: _phyphox_table(acc_cols, separator, decimal_mark),
        "Gyroscope.csv": _phyphox_table(gyr_cols, separator, decimal_mark),
        "meta/time.csv": "\n".join(lines) + "\n",
        "meta/device.csv": device + "\n",
    }


def write_phyphox(path: Path, motion: PhoneMotion, single_csv: bool = False, **kwargs: Any) -> Path:
    """A phyphox export zip at ``path``, or (``single_csv``) the one-file CSV export, which holds
    every set one after another; ``kwargs`` as for ``phyphox_files``."""
    files = phyphox_files(motion, **kwargs)
    if single_csv:
        tables = [text for name, text in files.items() if not name.startswith("meta/")]
        path.write_text("".join(tables), encoding="utf-8")
        return path
    return _write_members(path, files, archive=True)


# --- Sensor Logger -----------------------------------------------------------------------------


def _sensorlogger_csv(time_s: np.ndarray, xyz: np.ndarray) -> str:
    time_ns = np.rint((START_UNIX_S + time_s) * 1e9).astype(np.int64)
    lines = ["time,seconds_elapsed,z,y,x"]
    lines += [
        f"{ns},{t!r},{v[2]!r},{v[1]!r},{v[0]!r}"
        for ns, t, v in zip(time_ns.tolist(), time_s.tolist(), xyz.tolist(), strict=True)
    ]
    return "\n".join(lines) + "\n"


def write_sensorlogger(
    path: Path,
    motion: PhoneMotion,
    platform: str = "android",
    archive: bool = True,
    standardised: bool = False,
) -> Path:
    """A Sensor Logger export (zip, or the files in the folder ``path``).

    Android: ``TotalAcceleration.csv`` (with gravity), ``Accelerometer.csv`` and ``Gravity.csv``.
    iOS: ``Accelerometer.csv`` and ``Gravity.csv`` only, with the inertial-force sign unless
    ``standardised``. Both: ``Gyroscope.csv`` and ``Metadata.csv``.
    """
    acc_t, acc = motion.acc_time_s, motion.acc_mps2
    gravity = gravity_part(acc_t, acc)
    sign = -1.0 if platform == "ios" and not standardised else 1.0
    files = {
        "Accelerometer.csv": _sensorlogger_csv(acc_t, sign * (acc - gravity)),
        "Gravity.csv": _sensorlogger_csv(acc_t, sign * gravity),
        "Gyroscope.csv": _sensorlogger_csv(motion.gyr_time_s, motion.gyr_rads),
    }
    if platform == "android":
        files["TotalAcceleration.csv"] = _sensorlogger_csv(acc_t, acc)
    meta_labels = "version,device name,recording epoch time,recording time,recording timezone,platform,"
    meta_labels += "appVersion,device id,sensors,sampleRateMs,standardisation,platform version"
    device = "iPhone 15" if platform == "ios" else "Pixel 7"
    row = f"3,{device},{int(START_UNIX_S * 1000)},2026-11-18_19-33-20,UTC,{platform},1.50,abc123,"
    row += f"Accelerometer|Gravity|Gyroscope,10|10|10,{str(standardised).lower()},17"
    files["Metadata.csv"] = f"{meta_labels}\n{row}\n"
    if not archive:
        path.mkdir(parents=True, exist_ok=True)
    return _write_members(path, files, archive)


# --- MetaWear and Polar -------------------------------------------------------------------------


def write_metawear(folder: Path, motion: PhoneMotion) -> tuple[Path, Path]:
    """MetaBase CSV files of a MetaWear recording (accelerometer, gyroscope) in ``folder``."""
    stem = "MetaWear_2026-11-18T19.33.20.000_C9F4A1B2C3D4"
    paths = []
    for kind, unit, t, values in (
        ("Accelerometer", "g", motion.acc_time_s, motion.acc_mps2 / G_MPS2),
        ("Gyroscope", "deg/s", motion.gyr_time_s, np.degrees(motion.gyr_rads)),
    ):
        epoch_ms = np.rint((START_UNIX_S + t) * 1000).astype(np.int64)
        lines = [f"epoch (ms),time (+00:00),elapsed (s),x-axis ({unit}),y-axis ({unit}),z-axis ({unit})"]
        for ms, v in zip(epoch_ms, values, strict=True):
            stamp = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H.%M.%S.%f")[:-3]
            lines.append(f"{ms},{stamp},{(ms - epoch_ms[0]) / 1000:.3f},{v[0]:.3f},{v[1]:.3f},{v[2]:.3f}")
        path = folder / f"{stem}_{kind}_1.4.5.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def write_polar(folder: Path, motion: PhoneMotion) -> tuple[Path, Path]:
    """Polar Sensor Logger files of a Verity Sense recording (ACC in mg, GYRO in deg/s) in ``folder``."""
    base_ns = 848_000_000_000_000_000  # sensor clock: nanoseconds since 2000-01-01
    paths = []
    for kind, unit, t, values, fmt in (
        ("ACC", "mg", motion.acc_time_s, 1000 * motion.acc_mps2 / G_MPS2, "{:.0f}"),
        ("GYRO", "dps", motion.gyr_time_s, np.degrees(motion.gyr_rads), "{:.3f}"),
    ):
        lines = [f"Phone timestamp;sensor timestamp [ns];X [{unit}];Y [{unit}];Z [{unit}] "]
        sensor_ns = base_ns + np.rint(t * 1e9).astype(np.int64)
        for s, ns, v in zip(t, sensor_ns, values, strict=True):
            phone = datetime.fromtimestamp(START_UNIX_S + s + 0.05, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            lines.append(";".join([phone, str(ns), *(fmt.format(x) for x in v)]))
        path = folder / f"Polar_Sense_B36KA_20261118_193320_{kind}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def write_mapped_csv(path: Path, stream: SensorStream) -> Path:
    """A plain CSV (semicolons, decimal commas, time in ms) of a regular stream, for ``--columns``."""
    lines = ["stamp_ms;ax;ay;az;gx;gy;gz;note"]
    for t, a, g in zip(stream.time_s, stream.acc_mps2 / G_MPS2, np.degrees(stream.gyr_rads), strict=True):
        fields = [f"{1000 * t:.3f}", *(f"{x:.6f}" for x in a), *(f"{x:.5f}" for x in g), "ok"]
        lines.append(";".join(f.replace(".", ",") for f in fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
