"""The KPIs of the last day and week as Prometheus gauges (bot.kernel.metrics KPI_*), read from
the database at start and every KPI_REFRESH_SECONDS by each replica."""

from __future__ import annotations

import asyncio
import contextlib
import time

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.metrics import KPI_COUNT, KPI_CSAT, KPI_LLM_COST, KPI_RATIO, KPI_REFRESHED
from bot.stats.kpis import Kpis, Period, compute

KPI_REFRESH_SECONDS = 300.0
GAUGE_PERIODS = ("1d", "7d")


def publish(kpis: Kpis) -> None:
    period = kpis.period.name
    counts = {"conversations": kpis.conversations, "people": kpis.people,
              "leads": kpis.leads, "handoffs": kpis.handoffs}  # fmt: skip
    for name, value in counts.items():
        KPI_COUNT.labels(name, period).set(value)
    ratios = {"conversion": kpis.conversion_rate, "handoff": kpis.handoff_rate,
              "bot_only": kpis.bot_only_rate}  # fmt: skip
    for name, ratio in ratios.items():
        KPI_RATIO.labels(name, period).set(ratio or 0)
    cost = kpis.cost_per_conversation
    KPI_LLM_COST.labels(period).set(float(cost) if cost is not None else 0)
    KPI_CSAT.labels(period).set(kpis.csat_average or 0)


class KpiGauges:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], every: float = KPI_REFRESH_SECONDS
    ) -> None:
        self.sessionmaker = sessionmaker
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        async with self.sessionmaker() as session:
            for name in GAUGE_PERIODS:
                publish(await compute(session, Period.named(name)))
        KPI_REFRESHED.set(time.time())

    def start(self) -> None:
        """Read now and then every `every` seconds, in the background (start-up does not wait
        for a query over the week)."""
        self._task = asyncio.create_task(self._loop(), name="kpi-gauges")

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # a database outage: the gauges keep their last values
                logger.warning("kpi gauges not refreshed: {}", type(exc).__name__)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
