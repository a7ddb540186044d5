"""When orders are placed: the real monthly volumes, sparse months, Black Friday, weekday and hour profiles."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.sampling import cdf, pick

DAY_SECONDS = 86_400
HOUR_SECONDS = 3_600
FIRST_DAY = np.datetime64("2016-09-01", "D")
LAST_PURCHASE_DAY = np.datetime64("2018-10-17", "D")
#: Repeat orders after the last full month (2018-08) are dropped, so 2018-09/10 stay nearly empty as in the data.
REPEAT_CUTOFF = np.datetime64("2018-09-01", "D")
#: Orders placed after this day were all canceled in the real data (the dataset was cut mid-flight).
CANCELED_FROM_DAY = np.datetime64("2018-09-01", "D")
LAST_EVENT = np.datetime64("2018-10-17T17:30:18", "s")

MONTHLY_ORDERS = {
    "2016-09": 4, "2016-10": 324, "2016-11": 0, "2016-12": 1,
    "2017-01": 800, "2017-02": 1780, "2017-03": 2682, "2017-04": 2404, "2017-05": 3700, "2017-06": 3245,
    "2017-07": 4026, "2017-08": 4331, "2017-09": 4285, "2017-10": 4631, "2017-11": 7544, "2017-12": 5673,
    "2018-01": 7269, "2018-02": 6728, "2018-03": 7211, "2018-04": 6939, "2018-05": 6873, "2018-06": 6167,
    "2018-07": 6292, "2018-08": 6512, "2018-09": 16, "2018-10": 4,
}
#: Months with a handful of orders: only these days of the month have purchases.
SPARSE_MONTH_DAYS = {"2016-09": (4, 5, 13, 15), "2016-12": (23,), "2018-10": (1, 3, 16, 17)}
#: Relative day weights inside a month (default 1): the launch week of 2016-10 and Black Friday 2017.
SPECIAL_DAY_WEIGHTS = {
    **{f"2016-10-{d:02d}": 0.0 for d in (1, 2)},
    **{f"2016-10-{d:02d}": 0.04 for d in range(11, 32)},
    "2017-11-20": 1.2, "2017-11-21": 1.2, "2017-11-22": 1.3, "2017-11-23": 1.4, "2017-11-24": 6.0,
    "2017-11-25": 2.6, "2017-11-26": 2.2, "2017-11-27": 2.2, "2017-11-28": 1.9, "2017-11-29": 1.5,
    "2017-11-30": 1.3,
}
WEEKEND_FACTOR = 0.75
#: Orders per hour of day 0..23 (shape of the real data: low 2-6h, flat 10-22h).
HOUR_WEIGHTS = (
    2394, 1170, 510, 272, 206, 188, 502, 1231, 2967, 4785, 6177, 6578,
    5995, 6518, 6569, 6454, 6675, 6150, 5769, 5982, 6193, 6217, 5816, 4123,
)


def epoch_seconds(day: np.datetime64) -> int:
    return int(np.datetime64(day, "s").astype(np.int64))


class PurchaseCalendar:
    """Daily purchase probabilities following the real monthly volumes; hour-of-day profile."""

    def __init__(self) -> None:
        days = np.arange(FIRST_DAY, LAST_PURCHASE_DAY + np.timedelta64(1, "D"))
        weights = np.array([self._day_weight(day) for day in days.tolist()])
        months = days.astype("datetime64[M]").astype(str)
        for month, month_total in MONTHLY_ORDERS.items():
            in_month = months == month
            if weights[in_month].sum() > 0:
                weights[in_month] *= month_total / weights[in_month].sum()
        self.day_start_seconds = days.astype("datetime64[s]").astype(np.int64)
        self.open_day = weights > 0
        self.day_cdf = cdf(weights)
        self.hour_cdf = cdf(HOUR_WEIGHTS)

    @staticmethod
    def _day_weight(day) -> float:
        month = f"{day.year:04d}-{day.month:02d}"
        if month in SPARSE_MONTH_DAYS:
            return float(day.day in SPARSE_MONTH_DAYS[month])
        weekend = WEEKEND_FACTOR if day.weekday() >= 5 else 1.0
        return weekend * SPECIAL_DAY_WEIGHTS.get(day.isoformat(), 1.0)

    def is_open(self, seconds: np.ndarray) -> np.ndarray:
        """Whether purchases happen on that day (False for 2016-11, most of 2016-12, after the last day...)."""
        day = (seconds - self.day_start_seconds[0]) // DAY_SECONDS
        inside = (day >= 0) & (day < self.open_day.size)
        return inside & self.open_day[np.clip(day, 0, self.open_day.size - 1)]

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Purchase times in epoch seconds."""
        day = pick(self.day_cdf, rng.random(size))
        hour = pick(self.hour_cdf, rng.random(size))
        return self.day_start_seconds[day] + hour * HOUR_SECONDS + rng.integers(0, HOUR_SECONDS, size)
