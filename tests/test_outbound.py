"""The outbound path: retries with backoff, permanent failures, retry-failed, no double sends."""

from __future__ import annotations

from tests.conftest import Shop

PHONE = "+5511999990001"


def _reply(shop: Shop) -> dict[str, object]:
    conv = shop.api("GET", "/api/conversations").json()["items"][0]
    items = shop.api("GET", f"/api/conversations/{conv['id']}/messages").json()["items"]
    return next(m for m in items if m["direction"] == "out")


def test_provider_500s_then_success_sends_once(shop: Shop) -> None:
    shop.twilio.fail_next(500, 503)
    shop.post_inbound("oi", phone=PHONE)
    shop.wait_replies(PHONE, 1, timeout=20)
    shop.settle()
    assert shop.twilio.attempts == 3
    assert len(shop.replies_to(PHONE)) == 1
    reply = _reply(shop)
    assert reply["status"] == "sent" and reply["attempts"] == 3


def test_429_and_timeout_are_retried(shop: Shop) -> None:
    shop.twilio.stall_seconds = shop.runtime.settings.send_timeout_seconds + 1.0
    shop.twilio.fail_next(429, "timeout")
    shop.post_inbound("oi", phone=PHONE)
    shop.wait_replies(PHONE, 1, timeout=20)
    shop.settle()
    assert _reply(shop)["attempts"] == 2  # the 429 waited without spending an attempt


def test_permanent_4xx_fails_at_once_then_retry_failed_sends_it(shop: Shop) -> None:
    shop.twilio.fail_next(400)
    shop.post_inbound("oi", phone=PHONE)
    shop.settle()
    assert shop.replies_to(PHONE) == []
    failed = shop.api("GET", "/api/monitoring/failed").json()["items"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1
    assert failed[0]["error_code"] == "20500"  # Twilio's own code, not the bare 400
    alerts = shop.api("GET", "/api/monitoring/alerts").json()["items"]
    assert any(a["kind"] == "send_failed" for a in alerts)

    response = shop.api("POST", "/api/monitoring/retry-failed", json={"hours": 24})
    assert response.json() == {"requeued": [failed[0]["id"]]}
    assert len(shop.wait_replies(PHONE, 1)) == 1
    shop.settle()
    assert shop.api("GET", "/api/monitoring/failed").json()["items"] == []


def test_last_transient_attempt_ends_failed(shop: Shop) -> None:
    attempts = shop.runtime.settings.send_max_attempts
    shop.twilio.fail_next(*([503] * attempts))
    shop.post_inbound("oi", phone=PHONE)
    shop.settle(timeout=30)
    [failed] = shop.api("GET", "/api/monitoring/failed").json()["items"]
    assert failed["attempts"] == attempts and failed["error_code"] == "503"
    assert shop.twilio.attempts == attempts


def test_a_send_job_that_runs_twice_sends_once(shop: Shop) -> None:
    shop.post_inbound("oi", phone=PHONE)
    shop.wait_replies(PHONE, 1)
    shop.settle()
    reply_id = int(str(_reply(shop)["id"]))
    assert shop.runtime.pipeline.send(reply_id) == "skipped"
    shop.runtime.queue.schedule_send(reply_id, 0)
    shop.settle()
    assert len(shop.replies_to(PHONE)) == 1


def test_a_send_twilio_took_but_answered_too_late_is_found_not_repeated(shop: Shop) -> None:
    shop.twilio.stall_seconds = shop.runtime.settings.send_timeout_seconds + 1.0
    shop.twilio.fail_next("late")
    shop.post_inbound("oi", phone=PHONE)
    shop.wait_replies(PHONE, 1, timeout=20)
    shop.settle()
    assert len(shop.replies_to(PHONE)) == 1  # looked up in Messages.json, not sent again
    reply = _reply(shop)
    assert reply["status"] == "sent" and reply["attempts"] == 2


def test_accepted_send_with_unreadable_answer_is_not_sent_again(shop: Shop) -> None:
    shop.twilio.fail_next("badjson")
    shop.post_inbound("oi", phone=PHONE)
    shop.settle()
    reply = _reply(shop)
    assert reply["status"] == "sent" and reply["attempts"] == 1
    assert shop.twilio.attempts == 1


def test_a_two_part_reply_arrives_in_order_even_when_the_first_part_is_retried(
    shop: Shop,
) -> None:
    shop.post_inbound("quero agendar um banho", phone=PHONE)
    shop.wait_replies(PHONE, 1)
    shop.settle()
    shop.twilio.fail_next(500)  # the first part of the next reply fails once
    shop.post_inbound("que horas vocês fecham?", phone=PHONE)
    replies = shop.wait_replies(PHONE, 3)
    shop.settle()
    assert "18:00" in replies[1]
    assert replies[2].startswith("Voltando ao agendamento")
    assert len(shop.replies_to(PHONE)) == 3
