"""The answers to a refusal raised anywhere in the app: too many requests
(`RateLimited`, 429 with `Retry-After`) and access refused (`AccessRefused`,
401 or 403); in the JSON error shape under /api/ (ADR 0007), as a page
elsewhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.identity.ratelimit import RateLimited
from services.web.account.providers import AccessRefused
from services.web.deps import web_of
from services.web.rendering import private_page


async def too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    message = (f"Trop de demandes en peu de temps. Réessayez dans {exc.retry_after} "
               "secondes.")
    response: Response
    if request.url.path.startswith("/api/"):
        response = JSONResponse({"error": "rate_limited", "message": message, "field": None},
                                status_code=429)
    else:
        response = private_page(request, web_of(request).env, "error.html", {
            "heading": "Trop de tentatives", "message": message}, status=429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessRefused)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.code, "message": exc.message, "field": None},
                            status_code=exc.status)
    return private_page(request, web_of(request).env, "error.html", {
        "heading": "Connexion requise" if exc.status == 401 else "Accès refusé",
        "message": exc.message}, status=exc.status)
