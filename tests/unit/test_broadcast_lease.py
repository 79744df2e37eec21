"""The broadcasts' lease without Redis and the sender's hold on it: a holder's token (nobody
else renews or gives it back), a heartbeat that keeps it through any wait, a hold that stops
trusting itself when it is lost or cannot be renewed; the pacer's wait that gives up; and the
default pace, below Telegram's limit for the whole bot."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.broadcast.lease import LeaseHold
from bot.broadcast.pacing import SLICE, Pacer
from bot.config import ConfigError, load_settings
from bot.kernel.kv import MemoryLeases


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_holder_cannot_renew_or_release_another_holders_lease() -> None:
    clock = Clock()
    leases = MemoryLeases(clock=clock)
    assert await leases.take("k", "a", 10)
    assert not await leases.take("k", "b", 10)  # a has it
    assert not await leases.renew("k", "b", 60)
    assert not await leases.release("k", "b")
    clock.now += 9
    assert await leases.renew("k", "a", 10)  # ten more from now
    clock.now += 9
    assert not await leases.take("k", "b", 10)
    assert await leases.release("k", "a")
    assert not await leases.renew("k", "a", 10)  # given back

    assert await leases.take("k", "a", 10)
    clock.now += 10  # a's lease ran out
    assert not await leases.renew("k", "a", 10)
    assert await leases.take("k", "b", 10)
    assert not await leases.release("k", "a")  # the defect: a's release deleted b's lease
    assert not await leases.take("k", "a", 10)  # b still has it


async def test_the_heartbeat_keeps_a_lease_through_a_wait_longer_than_it() -> None:
    leases = MemoryLeases()
    hold = LeaseHold(leases, "broadcasts", 0.2)
    assert await hold.take()
    await asyncio.sleep(0.7)  # a flood wait: the sender does nothing meanwhile
    assert hold.held
    assert not await leases.take("broadcasts", "other replica", 60)
    await hold.release()
    assert not hold.held
    assert await leases.take("broadcasts", "other replica", 60)


async def test_a_hold_whose_lease_was_taken_over_stops_and_leaves_it_alone() -> None:
    clock = Clock()
    leases = MemoryLeases(clock=clock)
    hold = LeaseHold(leases, "broadcasts", 120, clock=clock)
    assert await hold.take()
    clock.now += 121  # stalled past the lease; another replica takes it
    assert await leases.take("broadcasts", "other replica", 120)
    assert not hold.held  # not renewed for half the lease: no message goes
    assert not await hold.renew()
    clock.now -= 121
    assert not hold.held  # and once a renewal found it gone, never again
    await hold.release()
    assert not await leases.take("broadcasts", "somebody", 120)  # the other's lease stays


class Unreachable(MemoryLeases):
    """Redis does not answer renewals."""

    async def renew(self, key: str, holder: str, seconds: float) -> bool:
        raise RedisConnectionError("Connection refused")


async def test_a_hold_that_cannot_be_renewed_stops_trusting_itself_before_it_runs_out() -> None:
    clock = Clock()
    hold = LeaseHold(Unreachable(clock=clock), "broadcasts", 120, clock=clock)
    assert await hold.take()
    clock.now += 30
    assert await hold.renew()  # not confirmed, but taken 30 s ago: still safe to send
    clock.now += 30  # half the lease without a renewal
    assert not await hold.renew()
    assert not hold.held
    await hold.release()


async def test_the_pacers_wait_gives_up_when_told_to() -> None:
    clock = Clock()
    pacer = Pacer(25, clock, clock.sleep)
    assert await pacer.wait()
    pacer.hold(300)  # a flood wait of five minutes
    looks = 0

    def stop_after_three_looks() -> bool:
        nonlocal looks
        looks += 1
        return looks > 3

    assert not await pacer.wait(stop_after_three_looks)
    assert clock.slept == [SLICE, SLICE, SLICE]  # it looked between slices, and gave up
    assert not await pacer.wait(lambda: True)  # nothing counted as sent
    assert clock.slept == [SLICE] * 3


def test_the_default_pace_leaves_room_for_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROADCAST_PER_SECOND", raising=False)
    assert load_settings().telegram.broadcast_per_second == 25  # of Telegram's 30 a second
    assert load_settings(telegram={"broadcast_per_second": 30}).telegram.broadcast_per_second == 30
    with pytest.raises(ConfigError, match="BROADCAST_PER_SECOND"):
        load_settings(telegram={"broadcast_per_second": 31})
