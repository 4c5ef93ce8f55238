"""The manual queue over HTTP: failed messages and what a person does with each.

``GET /failed`` lists them with their reason and attempt count; one message at a time
``POST /messages/{id}/retry``, ``/resend {"body"}``, ``/discard``, ``/handled``; every
failure of the last hours at once, ``POST /retry-failed {"hours"}``. Only a ``failed``
message takes an action (409 otherwise); another organization's id is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from atende.storage import manual_queue
from atende.storage.monitoring import class_name
from atende.storage.types import utcnow
from atende.web.api import RESPONSES, iso
from atende.web.deps import OrgDep, RuntimeDep, stored_id
from atende.web.paging import PageRequest, pager, respond
from atende.web.schemas import (
    MAX_HOURS,
    FailedOut,
    Items,
    ManualActionOut,
    ResendBody,
    RetryFailed,
)

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"], responses=RESPONSES)

HoursParam = Annotated[
    float,
    Query(gt=0, le=MAX_HOURS, allow_inf_nan=False, description=f"0 < hours ≤ {MAX_HOURS}"),
]
MessageId = Annotated[int, stored_id("message")]


@router.get("/failed")
def failed(
    org: OrgDep,
    runtime: RuntimeDep,
    page: Annotated[PageRequest, Depends(pager("failed"))],
    hours: HoursParam = 24 * 7,
) -> Items[FailedOut]:
    """The manual queue: messages that failed for good in the last ``hours``, oldest
    first, with their reason and how many attempts they had."""
    since = utcnow() - timedelta(hours=hours)
    with runtime.sessions() as s:
        got = manual_queue.failed_page(s, org.id, since, page.after, page.limit)
    out = [
        FailedOut(
            id=f.message.id,
            conversation_id=f.message.conversation_id,
            body=f.message.body,
            attempts=f.message.attempts,
            error_code=f.message.error_code,
            error_detail=f.message.error_detail,
            updated_at=iso(f.message.updated_at, org),
            channel_id=f.message.channel_id,
            contact_phone=f.phone,
            author=f.message.author,
            send_class=class_name(f.message.priority),
            reason=f.reason,
            tries=f.tries,
            deferrals=f.message.deferrals,
            last_try_at=None if f.last_try_at is None else iso(f.last_try_at, org),
            created_at=iso(f.message.created_at, org),
        )
        for f in got.rows
    ]
    return respond("failed", got, out)


@router.post("/retry-failed")
def retry_failed(
    org: OrgDep, runtime: RuntimeDep, body: RetryFailed | None = None
) -> dict[str, list[int]]:
    """Re-queue messages that failed in the last ``hours`` with a fresh attempt budget."""
    hours = body.hours if body else 24
    return {"requeued": runtime.pipeline.operations.retry_failed(org.id, hours)}


@router.post("/messages/{message_id}/retry")
def retry(org: OrgDep, runtime: RuntimeDep, message_id: MessageId) -> ManualActionOut:
    """Back to the queue with a fresh attempt budget; sent as soon as a worker can."""
    runtime.pipeline.operations.retry_message(org.id, message_id)
    return ManualActionOut(id=message_id, status="queued")


@router.post("/messages/{message_id}/resend")
def resend(
    org: OrgDep, runtime: RuntimeDep, message_id: MessageId, body: ResendBody
) -> ManualActionOut:
    """Edit the text, then send it again with a fresh attempt budget."""
    runtime.pipeline.operations.resend_message(org.id, message_id, body.body)
    return ManualActionOut(id=message_id, status="queued")


@router.post("/messages/{message_id}/discard")
def discard(org: OrgDep, runtime: RuntimeDep, message_id: MessageId) -> ManualActionOut:
    """Let it go: it is never sent."""
    runtime.pipeline.operations.discard_message(org.id, message_id)
    return ManualActionOut(id=message_id, status="discarded")


@router.post("/messages/{message_id}/handled")
def handled(org: OrgDep, runtime: RuntimeDep, message_id: MessageId) -> ManualActionOut:
    """A person dealt with it outside atende ("resolvido por telefone")."""
    runtime.pipeline.operations.mark_handled(org.id, message_id)
    return ManualActionOut(id=message_id, status="handled")
