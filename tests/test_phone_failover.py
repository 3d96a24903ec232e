"""More calls than one bridge takes: two `assistant phone` processes on loopback, each with its
health check, and a caller that dials them in order as the documented dialplan does
(docs/phone.md, "More calls"): a full bridge and a stopped one are passed over."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request

import pytest

from assistant.adapters.phone.client import Caller, Target, dial, health
from assistant.adapters.phone.process import BridgeProcess, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bridges():
    # One call each, so that a second caller finds the first bridge full.
    started = [BridgeProcess(max_calls=1), BridgeProcess(max_calls=1)]
    try:
        yield [bridge.ready() for bridge in started]
    finally:
        for bridge in started:
            bridge.stop()


def _targets(bridges) -> list[Target]:
    return [Target(bridge.address, bridge.health_address) for bridge in bridges]


async def _greeted(caller: Caller) -> bool:
    return await caller.wait_audio(time.monotonic(), timeout=30) is not None


def test_calls_spread_over_bridges_and_move_on_when_one_is_full_or_stopped(bridges):
    first, second = bridges
    targets = _targets(bridges)

    async def scenario() -> dict:
        seen: dict = {"idle": await health(first.health_address)}
        one, where_one = await dial(targets)
        seen["one"] = (where_one, await _greeted(one), await health(first.health_address))
        two, where_two = await dial(targets)  # the first bridge carries its one call
        seen["two"] = (where_two, await _greeted(two), await health(second.health_address))
        try:
            await dial(targets)
        except ConnectionRefusedError:
            seen["both_full"] = True
        await two.hang_up()
        # The first bridge is stopped while it carries a call: it hangs that call up.
        await asyncio.to_thread(first.stop)
        seen["dropped_call_hung_up"] = await one.wait_closed(timeout=10) and one.hung_up_by_peer
        seen["stopped_health"] = await health(first.health_address)
        deadline = time.monotonic() + 30  # the second bridge has processed the hang-up
        while (await health(second.health_address) or {}).get("active_calls") and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        three, where_three = await dial(targets)
        seen["three"] = (where_three, await _greeted(three))
        await three.hang_up()
        return seen

    seen = asyncio.run(scenario())
    assert seen["idle"] == {**seen["idle"], "status": "accepting", "active_calls": 0, "max_calls": 1,
                            "free_calls": 1}
    where, greeted, report = seen["one"]
    assert where.audio == first.address and greeted
    assert report["status"] == "full" and report["active_calls"] == 1 and report["free_calls"] == 0
    where, greeted, report = seen["two"]
    assert where.audio == second.address and greeted and report["status"] == "full"
    assert seen.get("both_full"), "a third caller was put through although both bridges were full"
    assert seen["dropped_call_hung_up"]
    assert seen["stopped_health"] is None  # a stopped bridge answers nothing: the dialplan moves on
    where, greeted = seen["three"]
    assert where.audio == second.address and greeted


def test_a_bridge_down_without_a_health_check_is_passed_over_by_its_refused_connection(bridges):
    _, second = bridges
    # Nothing listens on the first address: AudioSocket's connection is refused.
    targets = [Target(f"127.0.0.1:{free_port()}"), Target(second.address, second.health_address)]

    async def scenario():
        caller, where = await dial(targets)
        greeted = await _greeted(caller)
        await caller.hang_up()
        return where, greeted

    where, greeted = asyncio.run(scenario())
    assert where.audio == second.address and greeted


def test_the_health_check_answers_only_its_own_path(bridges):
    _, second = bridges
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://{second.health_address}/", timeout=5)
    assert err.value.code == 404
