"""Known answers for the trunk's gait-quality measures: harmonic ratio and regularity.

Each measure is checked on a signal whose answer follows from its definition (Menz et al.
2003; Moe-Nilssen and Helbostad 2004), and the fast forms used on day-long recordings (only
the 20 harmonics the ratio uses, FFTs of a convenient length, all bouts at once) against the
plain computation they replace.
"""

from __future__ import annotations

import numpy as np
import pytest

from backstride.gait import parameters
from backstride.gait.laterality import _step_means
from backstride.gait.orientation import _block_means
from backstride.gait.parameters import (
    HARMONIC_POINTS,
    SegmentGrid,
    angle_range_per_stride,
    autocorrelation_regularities,
    autocorrelation_regularity,
    harmonic_ratio,
    resample_segments,
)


def _strides(lengths: list[int], first: int = 7) -> tuple[np.ndarray, np.ndarray]:
    starts = first + np.r_[0, np.cumsum(lengths)[:-1]]
    return starts.astype(np.int64), (starts + np.array(lengths)).astype(np.int64)


def _stride_periodic(
    starts: np.ndarray, ends: np.ndarray, n: int, amplitudes: dict[int, float]
) -> np.ndarray:
    """Harmonic ``k`` of each stride with the given amplitude (a cosine, plus a 0.3 phase)."""
    x = np.full(n, 5.0)  # an offset, which is harmonic 0 and must not count
    for a, b in zip(starts, ends, strict=True):
        phase = 2 * np.pi * np.arange(b - a) / (b - a)
        x[a:b] += sum(amp * np.cos(k * phase + 0.3) for k, amp in amplitudes.items())
    return x


def _harmonic_ratio_by_fft(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, odd: bool
) -> np.ndarray:
    """Menz's ratio the plain way: every coefficient by FFT, then 1-20 taken."""
    seg = resample_segments(x, starts, ends, HARMONIC_POINTS)[:, :-1]
    amp = np.abs(np.fft.rfft(seg - seg.mean(axis=1, keepdims=True), axis=1))[:, 1:21]
    return (
        amp[:, 0::2].sum(1) / amp[:, 1::2].sum(1)
        if odd
        else amp[:, 1::2].sum(1) / amp[:, 0::2].sum(1)
    )


def test_harmonic_ratio_is_the_even_harmonics_over_the_odd_ones() -> None:
    starts, ends = _strides([110, 117, 123, 131, 104, 100])
    x = _stride_periodic(starts, ends, int(ends[-1]) + 20, {1: 0.4, 2: 2.0, 3: 0.2, 4: 0.6})
    # the walk goes on after the strides scored: each one ends where the next begins
    starts, ends = starts[:-1], ends[:-1]
    # vertical and AP: the step-periodic (even) harmonics over the stride-periodic (odd)
    assert harmonic_ratio(x, starts, ends, False) == pytest.approx(
        (2.0 + 0.6) / (0.4 + 0.2), rel=0.02
    )
    # medio-lateral: the other way round
    assert harmonic_ratio(x, starts, ends, True) == pytest.approx(
        (0.4 + 0.2) / (2.0 + 0.6), rel=0.02
    )


def test_a_limp_lowers_the_harmonic_ratio() -> None:
    """A stride whose two steps differ puts power into odd harmonics: the ratio falls."""
    starts, ends = _strides([120] * 7)
    even = _stride_periodic(starts, ends, int(ends[-1]) + 20, {2: 2.0, 4: 0.5})
    limping = _stride_periodic(starts, ends, int(ends[-1]) + 20, {1: 0.8, 2: 2.0, 4: 0.5})
    starts, ends = starts[:-1], ends[:-1]
    limping_ratio = harmonic_ratio(limping, starts, ends, False)
    assert np.all(limping_ratio < 0.5 * harmonic_ratio(even, starts, ends, False))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harmonic_ratio_equals_the_plain_fft_and_the_shared_grid(seed: int) -> None:
    rng = np.random.default_rng(seed)
    starts, ends = _strides(list(rng.integers(60, 260, 40)))
    x = rng.standard_normal(int(ends[-1]) + 5).cumsum()
    grid = SegmentGrid(starts, ends, HARMONIC_POINTS, x.size)
    for odd in (False, True):
        plain = _harmonic_ratio_by_fft(x, starts, ends, odd)
        np.testing.assert_allclose(harmonic_ratio(x, starts, ends, odd), plain, rtol=1e-10)
        np.testing.assert_allclose(harmonic_ratio(x, starts, ends, odd, grid), plain, rtol=1e-10)


def test_range_of_motion_is_the_same_on_a_shared_grid() -> None:
    rng = np.random.default_rng(3)
    starts, ends = _strides(list(rng.integers(80, 200, 30)))
    angle = rng.standard_normal(int(ends[-1]) + 1).cumsum()
    grid = SegmentGrid(starts, ends, 64, angle.size)
    np.testing.assert_array_equal(
        angle_range_per_stride(angle, starts, ends, grid),
        angle_range_per_stride(angle, starts, ends),
    )


@pytest.mark.parametrize(("stride", "step"), [(0.0, 1.0), (0.5, 1.0), (0.8, 1.0), (1.0, 1.0)])
def test_regularity_follows_from_the_step_and_stride_components(stride: float, step: float) -> None:
    """Stride-periodic ``A cos(w t)`` plus step-periodic ``B cos(2 w t)``: one step later the
    first has turned sign and the second not, so step regularity is ``(B^2 - A^2) / (A^2 +
    B^2)``; one stride later both repeat, so stride regularity is 1. (With ``A`` more than
    ``B`` the step lag is no longer a peak: the search takes the window's highest value.)"""
    fs, step_s = 100.0, 0.55
    t = np.arange(int(60 * fs)) / fs
    w = np.pi / step_s  # a stride is two steps
    x = stride * np.cos(w * t) + step * np.cos(2 * w * t)
    step_reg, stride_reg = autocorrelation_regularity(x, fs, step_s)
    expected = (step**2 - stride**2) / (step**2 + stride**2)
    assert step_reg == pytest.approx(expected, abs=0.02)
    assert stride_reg == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("n", [997, 1000, 2 * 1009])
def test_regularity_is_the_unbiased_autocorrelation_at_any_length(n: int) -> None:
    """The padded FFT gives the plain unbiased autocorrelation, whatever the bout's length
    (997 and 1009 are primes)."""
    rng = np.random.default_rng(n)
    fs, step_s = 100.0, 0.5
    x = np.sin(2 * np.pi * np.arange(n) / (step_s * fs)) + 0.5 * rng.standard_normal(n)
    y = x - x.mean()
    ac = np.correlate(y, y, "full")[n - 1 :] / (n - np.arange(n))
    ac /= ac[0]
    lag = step_s * fs
    plain = (
        ac[int(0.6 * lag) : int(1.4 * lag) + 1].max(),
        ac[int(1.2 * lag) : int(2.8 * lag) + 1].max(),
    )
    assert autocorrelation_regularity(x, fs, step_s) == pytest.approx(plain, abs=1e-10)


@pytest.mark.parametrize(("swing", "stride_reg"), [(0.5, 1.05), (2.0, 1.12)])
def test_a_short_walk_whose_ends_swing_harder_reads_above_1(
    swing: float, stride_reg: float
) -> None:
    """The estimate is not bounded by 1 (docs/analysis-schema.md): each lag is averaged over
    its own pairs, and one stride apart in a walk of 3.2 steps those pairs are the first and
    last steps. Where they swing ``1 + swing`` times the middle, they carry more power than
    the whole walk, so stride regularity passes 1 while step regularity falls. BackStride
    reports it as the method gives it (the formula written out agrees), not capped at 1."""
    fs, step_s = 100.0, 0.5
    t = np.arange(int(3.2 * step_s * fs)) / fs
    x = (1 + swing * np.abs(t - t.mean()) / t.mean()) * np.sin(2 * np.pi * t / step_s)
    step, stride = autocorrelation_regularity(x, fs, step_s)
    assert (step, stride) == pytest.approx(_plain_regularity(x, fs, step_s), abs=1e-10)
    assert stride == pytest.approx(stride_reg, abs=0.005) and stride > 1 > step


def _plain_regularity(x: np.ndarray, fs: float, step_s: float) -> tuple[float, float]:
    """Moe-Nilssen and Helbostad's step and stride regularity, written out."""
    n, lag = x.size, step_s * fs
    if not (n >= 3 * lag and lag >= 2):
        return float("nan"), float("nan")
    y = x - x.mean()
    ac = np.correlate(y, y, "full")[n - 1 :] / (n - np.arange(n))
    if ac[0] <= 0:
        return float("nan"), float("nan")
    ac = ac / ac[0]
    near = [ac[max(1, int(0.6 * k * lag)) : min(n - 1, int(1.4 * k * lag) + 1)] for k in (1, 2)]
    return near[0].max(), near[1].max()


@pytest.mark.parametrize("batch", [2**20, 2048])
def test_many_walks_regularity_at_once_is_each_walks_own(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day's walks are transformed together, those of the same transform length as rows
    of one array: lengths that share it and do not, a constant walk, one too short for three
    steps, a step of one sample and a step the walk does not know (NaN)."""
    rng = np.random.default_rng(23)
    fs = 100.0
    lengths = [600, 601, 611, 997, 1000, 240, 2 * 1009, 150, 800, 300]
    steps = np.array([0.5, 0.55, 0.6, 0.45, 0.5, 0.5, 0.7, 0.6, 0.01, np.nan])
    walks = [
        np.sin(2 * np.pi * np.arange(n) / (s * fs if s > 0.1 else 50.0)) + rng.normal(0, 0.5, n)
        for n, s in zip(lengths, steps, strict=True)
    ]
    walks[5] = np.full(240, 9.81)  # standing still, as a bout cannot be but a signal can
    # a batch of up to a million samples holds them all; one of 2048, one walk
    monkeypatch.setattr(parameters, "REGULARITY_BATCH", batch)
    found = autocorrelation_regularities(walks, fs, steps)
    plain = np.array([_plain_regularity(x, fs, s) for x, s in zip(walks, steps, strict=True)])
    np.testing.assert_allclose(found, plain, rtol=0, atol=1e-10)
    assert np.isnan(found[5:]).all(axis=1).tolist() == [True, False, True, True, True]
    assert np.isfinite(found[:5]).all()
    # and the same as each walk alone, to the last bit
    alone = np.array(
        [autocorrelation_regularities([x], fs, s[None]) for x, s in zip(walks, steps, strict=True)]
    )
    np.testing.assert_array_equal(found, alone[:, 0, :])


def test_step_means_are_the_mean_over_each_step_and_the_bouts_median_step_at_its_end() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal(3000)
    contacts = np.array([10, 60, 115, 165, 400, 900, 950, 1010, 1062, 2990], dtype=np.int64)
    # a median step of 52.5 samples (taken as 52), a bout of two contacts, one near the end
    bouts = [(0, 3), (3, 5), (5, 9), (9, 10)]
    expected = []
    for first, stop in bouts:
        c = contacts[first:stop]
        last = c[-1] + (int(np.median(np.diff(c))) if c.size > 1 else 1)
        for a, b in zip(c, np.r_[c[1:], last], strict=True):
            expected.append(x[a : min(b, x.size)].mean())
    np.testing.assert_allclose(_step_means(x, contacts, bouts), expected, rtol=1e-12)


def test_block_means() -> None:
    x = np.arange(33, dtype=float).reshape(11, 3)
    np.testing.assert_array_equal(_block_means(x, 4), [[4.5, 5.5, 6.5], [16.5, 17.5, 18.5]])
