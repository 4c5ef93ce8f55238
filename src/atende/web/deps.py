"""Request dependencies: the runtime, the organization behind a bearer API key, and
row ids in paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator

from atende.errors import NotFound, Unauthenticated
from atende.runtime import Runtime
from atende.storage import orgs
from atende.storage.models import Organization

bearer = HTTPBearer(auto_error=False, description="The organization's admin API key")
INT64 = range(-(2**63), 2**63)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True, slots=True)
class Staff:
    """The organization behind the key and who holds the key (for the audit log)."""

    org: Organization
    actor: str


def current_staff(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Staff:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("missing Authorization: Bearer <org API key>")
    with runtime.sessions() as session:
        found = orgs.key_holder(session, credentials.credentials)
    if found is None:
        raise Unauthenticated("invalid API key")
    return Staff(*found)


StaffDep = Annotated[Staff, Depends(current_staff)]


def current_org(staff: StaffDep) -> Organization:
    """The organization behind the key (one lookup with the staff's: ``current_staff``)."""
    return staff.org


OrgDep = Annotated[Organization, Depends(current_org)]


def stored_id(thing: str) -> AfterValidator:
    """An id no table can hold names nothing: 404 like any unknown id, instead of the
    database's overflow error. NotFound is no ValueError, so pydantic lets it through
    to the error handlers rather than turning it into a 422."""

    def check(value: int) -> int:
        if value not in INT64:
            raise NotFound(f"{thing} not found")
        return value

    return AfterValidator(check)


ConversationId = Annotated[int, stored_id("conversation")]
PetId = Annotated[int, stored_id("pet")]
BookingId = Annotated[int, stored_id("booking")]
ServiceId = Annotated[int, stored_id("service")]
ResourceId = Annotated[int, stored_id("resource")]
BlockId = Annotated[int, stored_id("block")]
