"""Counter-based hashing: any table row is a pure function of ``(seed, stream, index)`` (splitmix64)."""
from __future__ import annotations

import zlib

import numpy as np

MASK64 = (1 << 64) - 1
_GOLDEN64 = 0x9E3779B97F4A7C15


def _mix64_int(value: int) -> int:
    value &= MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


def _mix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(30))
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _stream_key(seed: int, stream: str) -> int:
    return _mix64_int(_mix64_int(seed + _GOLDEN64) ^ zlib.crc32(stream.encode("utf-8")))


def hash64(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """splitmix64 of ``(seed, stream, index)``, vectorised: uint64 array shaped like ``index``."""
    counters = np.asarray(index).astype(np.uint64) * np.uint64(_GOLDEN64)
    counters += np.uint64(_stream_key(seed, stream))
    return _mix64(counters)


def hash_uniform(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) floats, one per index."""
    return (hash64(seed, stream, index) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def hash_normal(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """Standard normal floats, one per index (Box-Muller on two hashed uniforms)."""
    radius = np.sqrt(-2.0 * np.log1p(-hash_uniform(seed, stream + "/r", index)))
    return radius * np.cos(2.0 * np.pi * hash_uniform(seed, stream + "/a", index))


def hex_ids(seed: int, kind: str, index: np.ndarray) -> list[str]:
    """32-char lowercase hex ids, a pure function of ``(seed, kind, index)``."""
    index = np.asarray(index)
    words = np.empty((index.size, 2), dtype=">u8")
    words[:, 0] = hash64(seed, kind + "/hi", index)
    words[:, 1] = hash64(seed, kind + "/lo", index)
    text = words.tobytes().hex()
    return [text[start:start + 32] for start in range(0, len(text), 32)]
