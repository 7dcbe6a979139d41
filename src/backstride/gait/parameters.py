"""Per-step and per-stride gait parameters from the lower-back signal.

Every function here is vectorised over steps or strides: a day-long recording has tens of
thousands of them, and a Python loop per stride would dominate the run time.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import fft as sp_fft

from backstride.gait.orientation import highpass
from backstride.recording import FloatArray

IntArray = npt.NDArray[np.int64]

#: The inverted pendulum leaves out the foot and the double-support phase, so its step length
#: is scaled up. Zijlstra and Hof (2003) proposed 1.25 with their own filtering; with the
#: stronger 1 Hz drift removal used here, the Mobilise-D consortium's factor fitted on its
#: whole MS-project cohort (Soltani et al. 2021, IEEE TNSRE 29:1955-1964; published in mobgap as
#: ``step_length_scaling_factor_ms_all`` = 4.739 / 4) applies.
ZIJLSTRA_CORRECTION = 4.739 / 4
#: Height of a lower-back (L4-L5) sensor above the floor per body height, used when only body
#: height is given. ``ZIJLSTRA_CORRECTION`` was fitted with each participant's *measured*
#: sensor height as the pendulum's length (Soltani et al. 2021), so the stand-in must be the
#: sensor's height, not leg length (greater trochanter, 0.53 of body height: Winter,
#: Biomechanics and Motor Control of Human Movement, 4th ed., 2009), which sits lower and
#: shortened every stride by about 7%. The two Mobilise-D participants' measured sensor
#: heights are 0.606 and 0.617 of their body heights (``data/mobilised-lab``). Checked
#: against the IPOL walks (height only, 20 m each): the steps between a trial's first and
#: last contact added up to 19.3 m on average with 0.61, 18.0 m with 0.53 (19.0 m now, with
#: the vaulting share; docs/validation.md).
SENSOR_HEIGHT_PER_HEIGHT = 0.61


def pendulum_length(
    sensor_height_m: float | None, height_m: float | None
) -> tuple[float | None, str]:
    """The inverted pendulum's length, m, and how it was found, in words.

    The sensor's height above the floor when standing if known, else
    ``SENSOR_HEIGHT_PER_HEIGHT`` times body height; ``None`` when neither is known (stride
    length and speed are then not computed, never guessed).
    """
    if sensor_height_m:
        return sensor_height_m, f"sensor height {sensor_height_m:.2f} m"
    if height_m:
        return (
            SENSOR_HEIGHT_PER_HEIGHT * height_m,
            f"{SENSOR_HEIGHT_PER_HEIGHT} x body height {height_m:.2f} m",
        )
    return None, "no body or sensor height given: stride length and speed are not computed"


def resample_segments(x: FloatArray, starts: IntArray, ends: IntArray, n_points: int) -> FloatArray:
    """Linearly resample ``x[start:end+1]`` of every segment onto ``n_points`` samples.

    Returns an array of shape ``(n_segments, n_points)`` (or with a trailing axis for 2-D x).
    """
    return SegmentGrid(starts, ends, n_points, x.shape[0]).sample(x)


class SegmentGrid:
    """Where ``n_points`` evenly spaced points of each segment ``[start, end]`` fall.

    The sample indices either side of each point and the interpolation weight, computed once
    so that several signals (the trunk's three axes) are resampled onto the same strides at
    the cost of the gathers alone.
    """

    def __init__(self, starts: IntArray, ends: IntArray, n_points: int, n_samples: int) -> None:
        frac = np.linspace(0.0, 1.0, n_points)
        pos = starts[:, None] + frac[None, :] * (ends - starts)[:, None]
        self.lo = np.floor(pos).astype(np.int64)
        self.hi = np.minimum(self.lo + 1, n_samples - 1)
        self.w = pos - self.lo

    def sample(self, x: FloatArray) -> FloatArray:
        """``x`` linearly interpolated at the grid's points, one row per segment."""
        lo, hi, w = self.lo, self.hi, self.w
        if x.ndim == 1:
            return np.asarray(x[lo] * (1 - w) + x[hi] * w, dtype=np.float64)
        return np.asarray(x[lo] * (1 - w)[..., None] + x[hi] * w[..., None], dtype=np.float64)


def vertical_displacement(vertical: FloatArray, fs: float) -> FloatArray:
    """Vertical position of the sensor, m, by double integration with drift removal.

    The acceleration is high-passed at 0.1 Hz and the velocity, its integral, at 1 Hz (4th-order
    Butterworth, zero phase) before the second integration: the Mobilise-D scheme of Soltani et
    al. (2021). The 1 Hz cut-off keeps the step-frequency oscillation (about 1.5-2.5 Hz) and
    removes the drift that otherwise inflates the excursion of slow steps.
    """
    a = highpass(vertical, 0.1, fs)
    v = highpass(np.cumsum(a) / fs, 1.0, fs)
    return np.asarray(np.cumsum(v) / fs)


def forward_velocity(ap: FloatArray, fs: float) -> FloatArray:
    """The trunk's forward velocity about its mean, m/s, from the AP acceleration.

    Integrated with the drift removal of :func:`vertical_displacement`'s velocity (0.1 Hz
    high-pass before, 1 Hz after), so that its step-periodic part and the position's went
    through the same filters and their phases can be compared.
    """
    a = highpass(ap, 0.1, fs)
    return np.asarray(highpass(np.cumsum(a) / fs, 1.0, fs))


def exchange_cosines(
    position: FloatArray, velocity: FloatArray, starts: IntArray, ends: IntArray
) -> FloatArray:
    """``|cos|`` of the phase between each step's vertical position and forward velocity.

    Both are reduced to their first Fourier component over the step (as in
    :func:`step_excursions`). 1 where the two are in antiphase, as an inverted pendulum
    trades height for forward speed (highest where slowest), or in phase; 0 where the
    vertical motion is a quarter period off the forward one. The sign is left out, so that a
    forward axis found backwards changes nothing. A step with no motion in either reads 1.
    """
    if starts.size == 0:
        return np.zeros(0)
    z = step_fundamentals(position, starts, ends)
    v = step_fundamentals(velocity, starts, ends)
    size = np.abs(z) * np.abs(v)
    cos = np.abs(np.real(z * np.conj(v))) / np.where(size > 0, size, 1.0)
    return np.asarray(np.where(size > 0, cos, 1.0))


#: How far below the walker's usual exchange a step's must fall before its excursion is
#: scaled down, in robust standard deviations (1.4826 x the median absolute deviation):
#: the conventional two, so that ordinary step-to-step scatter is left alone.
VAULTING_SPREADS = 2.0


def vaulting_weights(cosines: FloatArray, groups: IntArray) -> FloatArray:
    """The share of each step's vertical excursion that counts as vaulting, 0-1.

    The walker's usual exchange is taken per group (a bout, so that the result does not
    depend on how a long recording is cut into windows): its median ``|cos|`` less
    :data:`VAULTING_SPREADS` robust standard deviations is the threshold. A step at or
    above it keeps its whole excursion; one below keeps ``|cos| / threshold`` of it. The
    threshold is the walker's own, not a fixed phase: one healthy IPOL walker's straight
    walks run at 103-113 degrees (others at 150-175), and a fixed rule halved his strides.
    """
    if cosines.size == 0:
        return np.zeros(0)
    c = pd.Series(cosines)
    by = c.groupby(groups)
    median = by.transform("median")
    spread = 1.4826 * (c - median).abs().groupby(groups).transform("median")
    threshold = (median - VAULTING_SPREADS * spread).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(threshold > 0, np.minimum(1.0, cosines / threshold), 1.0)
    return np.asarray(share)


def step_lengths_zijlstra(
    position: FloatArray,
    starts: IntArray,
    ends: IntArray,
    leg_length_m: float,
    vaulting: FloatArray | None = None,
) -> FloatArray:
    """Step lengths, m, by the inverted pendulum model (Zijlstra and Hof 2003).

    ``step = K * 2 * sqrt(2 l h - h^2)``, with ``h`` the vertical excursion of the sensor
    during the step, ``l`` the pendulum (leg or sensor) length and ``K`` the scaling factor
    above.

    ``h`` is the peak-to-peak size of the step's *step-periodic* vertical motion: the
    position over the step, taken as one period, is reduced to its fundamental (the first
    Fourier component over the step, twice its amplitude), see :func:`step_excursions`. The
    pendulum vaults the body up and down once per step; vertical motion that does not repeat
    at the step's own period (the trunk dipping or bracing while the walker turns, pivots or
    slows down, and noise left by the double integration) is not vaulting, yet the plain
    maximum minus minimum counts all of it. For a walk whose excursion is a clean sinusoid the
    two are equal. Measured on the Mobilise-D lab trials (``bench/stride_excursion.py``,
    docs/validation.md): per-stride bias against motion capture and INDIP fell from +0.081 to
    +0.040 m on strides turning slower than 20 deg/s and from +0.32 to +0.20 m on strides
    turning at 40 deg/s or faster.

    With ``vaulting`` (:func:`vaulting_weights`), each excursion counts as far as it trades
    with forward speed as the rest of its bout does: an inverted pendulum is highest where it
    moves forward slowest, so its vertical and forward oscillations are in antiphase, while a
    shuffle or a pivot bobs the trunk with no such exchange and little forward travel. On the
    same trials (``bench/stride_excursion.py``) the per-stride bias fell further, from +0.040
    to +0.031 m below 20 deg/s and from +0.198 to +0.160 m at 40 deg/s or faster.

    Parameters
    ----------
    position
        Vertical position, m.
    starts, ends
        Sample index of each step's first and second contact.
    leg_length_m
        Pendulum length, m.
    vaulting
        The share of each step's excursion to count (:func:`vaulting_weights`); all of it
        where not given.
    """
    if starts.size == 0:
        return np.zeros(0)
    excursion = step_excursions(position, starts, ends)
    if vaulting is not None:
        excursion = excursion * vaulting
    return pendulum_step_lengths(excursion, leg_length_m)


def pendulum_step_lengths(excursion_m: FloatArray, leg_length_m: float) -> FloatArray:
    """``K * 2 * sqrt(2 l h - h^2)`` for each excursion ``h`` (capped at ``l``), m."""
    h = np.minimum(excursion_m, leg_length_m)
    return np.asarray(ZIJLSTRA_CORRECTION * 2 * np.sqrt(2 * leg_length_m * h - h * h))


#: Points per step for the excursion's Fourier component (a step is 40-150 samples at 100 Hz).
EXCURSION_POINTS = 32


def step_fundamentals(
    x: FloatArray, starts: IntArray, ends: IntArray
) -> npt.NDArray[np.complex128]:
    """Each step's first Fourier coefficient of ``x``, the step taken as one period.

    The signal from one contact to the next is resampled to :data:`EXCURSION_POINTS` points
    (the second contact, the next period's start, left out).
    """
    n = EXCURSION_POINTS
    seg = resample_segments(x, starts, ends, n + 1)[:, :n]
    return np.asarray(np.fft.rfft(seg, axis=1)[:, 1])


def step_excursions(position: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    """Peak-to-peak vertical excursion of each step's step-periodic motion, m.

    The step's first Fourier coefficient ``c`` (:func:`step_fundamentals`, ``N`` points)
    gives the amplitude ``2 |c| / N`` of the sinusoid at the step's own frequency, and the
    excursion is twice that (see :func:`step_lengths_zijlstra` for why).
    """
    if starts.size == 0:
        return np.zeros(0)
    return np.asarray(4.0 * np.abs(step_fundamentals(position, starts, ends)) / EXCURSION_POINTS)


#: Points a stride is resampled to for its harmonics (the last, the next stride's first
#: sample, is left out, so one period is :data:`HARMONIC_POINTS` - 1 samples).
HARMONIC_POINTS = 128
#: Harmonics summed in the ratio (Menz et al. 2003).
N_HARMONICS = 20


@functools.cache
def _harmonic_basis(period: int, n_harmonics: int) -> tuple[FloatArray, FloatArray]:
    """Cosines and sines of harmonics 1..``n_harmonics`` over ``period`` samples, columns."""
    phase = 2 * np.pi * np.outer(np.arange(period), np.arange(1, n_harmonics + 1)) / period
    return np.cos(phase), np.sin(phase)


def harmonic_ratio(
    x: FloatArray,
    starts: IntArray,
    ends: IntArray,
    odd_over_even: bool,
    grid: SegmentGrid | None = None,
) -> FloatArray:
    """Harmonic ratio per stride (Menz, Lord and Fitzpatrick 2003, Gait Posture 18:35-46).

    The stride is resampled to 128 points, its first 20 harmonics taken, and the sum of
    even-harmonic amplitudes divided by the odd ones (vertical and AP; use
    ``odd_over_even`` for medio-lateral, where the stride-frequency component dominates).

    Only those 20 of the 64 Fourier coefficients are computed, as two products with a
    cosine and a sine table (the 127-sample period is prime, which FFT libraries handle
    slowly): the same amplitudes to rounding, a tenth of the time. ``grid`` is the strides'
    :class:`SegmentGrid` when several signals share it.
    """
    if starts.size == 0:
        return np.zeros(0)
    if grid is None:
        grid = SegmentGrid(starts, ends, HARMONIC_POINTS, x.shape[0])
    seg = grid.sample(x)[:, :-1]
    cos, sin = _harmonic_basis(seg.shape[1], N_HARMONICS)
    # the mean (harmonic 0) does not enter harmonics 1-20 of one whole period
    amp = np.hypot(seg @ cos, seg @ sin)
    odd = amp[:, 0::2].sum(axis=1)
    even = amp[:, 1::2].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = odd / even if odd_over_even else even / odd
    return np.asarray(ratio)


#: Points a stride is resampled to for its range of motion.
ROM_POINTS = 64


def angle_range_per_stride(
    angle_deg: FloatArray, starts: IntArray, ends: IntArray, grid: SegmentGrid | None = None
) -> FloatArray:
    """Range of a rotation angle within each stride, degrees.

    ``angle_deg`` is the integrated angular rate (computed once for the whole recording).
    Within each stride the straight line between its start and end angle is removed (the
    trunk returns to the same orientation after a stride, so any net change is gyroscope
    drift or a turn), then max minus min is taken. ``grid`` is the strides'
    :class:`SegmentGrid` of :data:`ROM_POINTS` points when several angles share it.
    """
    if starts.size == 0:
        return np.zeros(0)
    if grid is None:
        grid = SegmentGrid(starts, ends, ROM_POINTS, angle_deg.shape[0])
    seg = grid.sample(angle_deg)
    n = seg.shape[1]
    trend = seg[:, :1] + (seg[:, -1:] - seg[:, :1]) * np.linspace(0, 1, n)[None, :]
    d = seg - trend
    return np.asarray(d.max(axis=1) - d.min(axis=1))


#: Transformed samples per batch of walks in :func:`autocorrelation_regularities`.
REGULARITY_BATCH = 2**20


def autocorrelation_regularity(x: FloatArray, fs: float, step_s: float) -> tuple[float, float]:
    """Step and stride regularity by unbiased autocorrelation (Moe-Nilssen and Helbostad 2004).

    The unbiased, normalised autocorrelation of the signal is searched for its first dominant
    peak near the step lag (0.6-1.4 x the median step duration) and its second near the stride
    lag (twice that); the peak values are step and stride regularity (1 = perfectly regular).
    NaN where the signal is shorter than three steps or a step shorter than two samples.
    """
    step, stride = autocorrelation_regularities([x], fs, np.array([step_s]))[0]
    return float(step), float(stride)


def autocorrelation_regularities(
    segments: list[FloatArray], fs: float, step_s: FloatArray
) -> FloatArray:
    """:func:`autocorrelation_regularity` of many walks at once: ``(n, 2)``, step and stride.

    A day holds thousands of walks, and one Fourier transform each cost 0.8 s per 24 h
    (10% of the analysis). Walks whose autocorrelation takes the same transform length are
    transformed together, as rows of one array, with the same values.
    """
    out = np.full((len(segments), 2), np.nan)
    sizes = np.array([x.size for x in segments], dtype=np.int64)
    lag = np.asarray(step_s, dtype=np.float64) * fs
    with np.errstate(invalid="ignore"):
        ok = (sizes >= 3 * lag) & (lag >= 2)  # NaN steps fail both
    # zero-padded to at least 2n - 1, so the circular correlation is the linear one, and to
    # a length with small prime factors (a bout of 2n samples may be a large prime's twice)
    fft_size = np.array(
        [sp_fft.next_fast_len(2 * int(n) - 1, real=True) if n else 0 for n in sizes]
    )
    # in batches of up to a million transformed samples, so that the few arrays of a batch
    # stay small whatever the walks (a 4-h window may be one walk, or a thousand alike)
    for size in np.unique(fft_size[ok]):
        group = np.flatnonzero(ok & (fft_size == size))
        n_batches = min(group.size, -(-group.size * int(size) // REGULARITY_BATCH))
        for rows in np.array_split(group, n_batches):
            out[rows] = _regularity_rows([segments[k] for k in rows], int(size), lag[rows])
    return out


def _regularity_rows(segments: list[FloatArray], size: int, lag: FloatArray) -> FloatArray:
    """Step and stride regularity of walks whose autocorrelation takes FFT length ``size``.

    As :func:`autocorrelation_regularity` for each, the walks as rows of one array; ``lag``
    is each walk's step in samples (at least 2, and a third of the walk or less).
    """
    out = np.full((len(segments), 2), np.nan)
    n = np.array([x.size for x in segments], dtype=np.int64)
    width = int(n.max())
    y = np.zeros((n.size, width))
    for r, x in enumerate(segments):
        y[r, : x.size] = x - x.mean()
    spec = sp_fft.rfft(y, size, axis=1)
    ac = sp_fft.irfft(spec.real**2 + spec.imag**2, size, axis=1)[:, :width]
    lags = np.arange(width)
    pairs = n[:, None] - lags[None, :]  # unbiased: each lag over its number of pairs
    ac = ac / np.where(pairs > 0, pairs, 1)
    positive = ac[:, 0] > 0  # a constant signal has none
    with np.errstate(divide="ignore", invalid="ignore"):
        ac = ac / ac[:, :1]
    for column, times in enumerate((1.0, 2.0)):
        at = times * lag
        lo = np.maximum(1, (0.6 * at).astype(np.int64))
        hi = np.minimum(n - 1, (1.4 * at).astype(np.int64) + 1)
        near = (lags[None, :] >= lo[:, None]) & (lags[None, :] < hi[:, None])
        peak = np.where(near, ac, -np.inf).max(axis=1)
        out[:, column] = np.where(positive & (hi > lo), peak, np.nan)
    return out
