"""The desk's rules without Telegram or a database (bot/desk/rules.py, bot/desk/escalation.py):
who may claim, answer, transfer and close; priority raises; when to ask for an e-mail; the
escalation triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.desk import rules
from bot.desk.escalation import (
    Reason,
    Trigger,
    confidence_trigger,
    is_frustrated,
    is_shouting,
    message_trigger,
)
from db.models import AgentRole, Ticket, TicketPriority, TicketStatus

ALICE, BOB = 1, 2  # agents' row ids


@pytest.mark.parametrize(
    ("confidences", "fires"),
    [
        ([], False),
        ([0.49], True),
        ([0.9, 0.9, 0.49], True),
        ([0.6, 0.6], False),
        ([0.6, 0.65, 0.69], True),
        ([0.6, 0.9, 0.6, 0.6], False),
        ([0.69, 0.69, 0.7], False),
        ([0.1, 0.9], False),  # only the newest answer counts for "once"
    ],
)
def test_confidence_rule(confidences: list[float], fires: bool) -> None:
    trigger = confidence_trigger(confidences)
    assert (trigger is not None) is fires
    if trigger is not None:
        assert trigger == Trigger(Reason.LOW_CONFIDENCE, TicketPriority.NORMAL)


@pytest.mark.parametrize(
    "text",
    [
        "this is useless",
        "You don't understand me",
        "what?!?!",
        "Это бесполезно",
        "вы не понимаете, что я спрашиваю",
        "меня это бесит",
        "WHY DOES NOTHING WORK HERE",
    ],
)
def test_frustration_in_both_languages(text: str) -> None:
    assert is_frustrated(text)


@pytest.mark.parametrize(
    "text", ["How much does a Kubernetes migration cost?", "Сколько стоит CI/CD?", "AWS EKS GKE"]
)
def test_calm_messages_are_not_frustration(text: str) -> None:
    assert not is_frustrated(text)
    assert not is_shouting(text)


def test_the_same_question_again_is_frustration() -> None:
    asked = "How long does a cloud migration take?"
    assert not is_frustrated(asked, ["hello"])
    assert is_frustrated("how long does a cloud migration take", ["hello", asked])


def test_message_triggers_and_their_priorities() -> None:
    assert message_trigger("prod is down", "support.incident") == Trigger(
        Reason.INCIDENT, TicketPriority.URGENT
    )
    assert message_trigger("a person please", "support.human") == Trigger(
        Reason.REQUESTED, TicketPriority.NORMAL
    )
    assert message_trigger("useless bot", None) == Trigger(Reason.FRUSTRATION, TicketPriority.HIGH)
    assert message_trigger("what do you cost?", "pricing.overview") is None


def ticket(**values: object) -> Ticket:
    return Ticket(**({"user_id": 77, "status": TicketStatus.OPEN, "priority": "normal"} | values))


@pytest.mark.parametrize(
    ("priority", "role", "refusal"),
    [
        (TicketPriority.NORMAL, AgentRole.AGENT, None),
        (TicketPriority.HIGH, AgentRole.AGENT, None),
        (TicketPriority.URGENT, AgentRole.AGENT, "desk-claim-needs-senior"),
        (TicketPriority.URGENT, AgentRole.SENIOR, None),
        (TicketPriority.URGENT, AgentRole.SUPERADMIN, None),
    ],
)
def test_an_urgent_ticket_is_claimed_by_a_senior_or_above(
    priority: TicketPriority, role: AgentRole, refusal: str | None
) -> None:
    assert rules.claim_refusal(ticket(priority=priority), role) == refusal


def test_a_lost_claim_says_why() -> None:
    assert rules.lost_claim(ticket(status=TicketStatus.CLOSED), ALICE) == "desk-ticket-closed"
    held = ticket(status=TicketStatus.CLAIMED, claimed_by=ALICE)
    assert rules.lost_claim(held, ALICE) == "desk-claim-yours"
    assert rules.lost_claim(held, BOB) == "desk-claim-taken"


@pytest.mark.parametrize(
    ("claimed_by", "agent", "role", "allowed"),
    [
        (None, BOB, AgentRole.AGENT, True),  # nobody holds it: anyone answers
        (ALICE, ALICE, AgentRole.AGENT, True),  # the holder
        (ALICE, BOB, AgentRole.AGENT, False),  # another agent's ticket
        (ALICE, BOB, AgentRole.SENIOR, True),  # seniors may step in
        (ALICE, BOB, AgentRole.ADMIN, True),
    ],
)
def test_who_may_answer_transfer_and_close(
    claimed_by: int | None, agent: int, role: AgentRole, allowed: bool
) -> None:
    assert rules.may_act(ticket(claimed_by=claimed_by), agent, role) is allowed


def test_roles_are_ranked() -> None:
    assert rules.allows(AgentRole.ADMIN, AgentRole.SENIOR)
    assert not rules.allows(AgentRole.AGENT, AgentRole.SENIOR)
    assert not rules.allows(None, AgentRole.AGENT)
    assert rules.outranks(AgentRole.SUPERADMIN, AgentRole.ADMIN)
    assert not rules.outranks(AgentRole.ADMIN, AgentRole.ADMIN)
    assert not rules.outranks(None, AgentRole.AGENT)


@pytest.mark.parametrize(
    ("current", "new", "raises"),
    [
        ("normal", TicketPriority.HIGH, True),
        ("high", TicketPriority.URGENT, True),
        ("urgent", TicketPriority.NORMAL, False),  # never lowered
        ("high", TicketPriority.HIGH, False),
    ],
)
def test_a_new_trigger_only_raises_the_priority(
    current: str, new: TicketPriority, raises: bool
) -> None:
    assert rules.raises_priority(ticket(priority=current), new) is raises


def test_out_of_hours_the_ticket_asks_for_an_email_once() -> None:
    staffed = ticket()
    assert rules.opening_reply(staffed, answered_now=True) == "desk-opened"
    assert not staffed.asked_email
    offline = ticket()
    assert rules.opening_reply(offline, answered_now=False) == "desk-opened-offline"
    assert offline.asked_email
    assert not rules.take_contact_email(offline, "not an address")
    assert rules.take_contact_email(offline, "lee@example.com")
    assert offline.contact_email == "lee@example.com" and not offline.asked_email
    assert not rules.take_contact_email(offline, "other@example.com")  # asked once
    assert rules.opening_reply(offline, answered_now=False) == "desk-opened-offline-known"
    assert not offline.asked_email


def test_sla_seconds_are_never_negative() -> None:
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    assert rules.seconds_since(now - timedelta(minutes=2), now) == 120.0
    assert rules.seconds_since(now + timedelta(seconds=5), now) == 0.0
    assert rules.seconds_since(None, now) == 0.0


def test_opening_another_ticket_is_limited_per_hour_and_after_a_closing() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    cooldown = timedelta(seconds=60)

    def ticket(opened_minutes_ago: float, closed_minutes_ago: float | None) -> Ticket:
        closed = (
            None if closed_minutes_ago is None else now - timedelta(minutes=closed_minutes_ago)
        )
        return Ticket(opened_at=now - timedelta(minutes=opened_minutes_ago), closed_at=closed)

    def refusal(*recent: Ticket) -> str | None:
        return rules.opening_refusal(recent, now, per_hour=2, cooldown=cooldown)

    assert refusal() is None
    assert refusal(ticket(30, 0.5)) == "desk-open-cooldown"  # closed half a minute ago
    assert refusal(ticket(30, 1)) is None  # a minute ago: the cooldown is over
    assert refusal(ticket(50, 40), ticket(20, 10)) == "desk-open-limit"
    assert refusal(ticket(61, 40), ticket(20, 10)) is None  # the first is over an hour old
