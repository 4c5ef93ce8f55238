"""Request dependencies: the runtime, and the organization behind a bearer API key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from atende.runtime import Runtime
from atende.storage import orgs
from atende.storage.models import Organization

bearer = HTTPBearer(auto_error=False, description="The organization's admin API key")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_org(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Organization:
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "missing Authorization: Bearer <org API key>")
    with runtime.sessions() as session:
        org = orgs.org_for_key(session, credentials.credentials)
    if org is None:
        raise HTTPException(401, "invalid API key")
    return org


OrgDep = Annotated[Organization, Depends(current_org)]
