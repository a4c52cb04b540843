"""What an upload or a resumption of a Pol.is import did, carried from its POST to
the groups page it redirects to (Post/Redirect/Get, ADR 0125 amended): a refresh
of that page shows it again and sends nothing.

The report's lines left out are in no read model, and the fronts are stateless
and replicated (the page may be asked of another one): the outcome travels in the
redirection's query, `?import=<token>`, compressed and signed (a link cannot make
the page report an import nobody sent), bound to its consultation. « L'import
continue » holds while the import may still be written (ADR 0130's 2 minutes),
and gives way to « terminé » once the opinions' model holds it whole."""

from __future__ import annotations

import base64
import time
import zlib
from typing import Any

import orjson

from services.synthesis.conversations.opinions_model import import_held_whole
from services.web.deps import Web
from services.web.security import Signer
from services.web.synthesis.import_pace import STALLED_AFTER_S

PARAM = "import"
SKIPPED_SHOWN = 50  # lines left out listed on the page (the count says the rest)
# The token's length at most: a proxy's request line limit is often 8 kB. Past it
# fewer lines left out are listed (an export's problems can be long).
TOKEN_MAX = 4000
_SIGNER = "polis_import_outcomes"  # in `Web.caches`: one key for the front's life


def going_on_url(web: Web, base: str, cid: str) -> str:
    """The page to show after an import that goes on past the POST's wait."""
    return _url(base, _signed(web, {"c": cid, "going_on_since": int(time.time())}))


def report_url(web: Web, base: str, cid: str, report: dict[str, Any]) -> str:
    """The page to show an import's report on (its counts, the lines left out)."""
    skipped: list[str] = report["skipped"]
    facts = {k: v for k, v in report.items() if k != "skipped"}
    shown = skipped[:SKIPPED_SHOWN]
    while True:
        token = _signed(web, {"c": cid, "z": _packed(
            {"report": facts, "skipped": len(skipped), "shown": shown})})
        if len(token) <= TOKEN_MAX or not shown:
            return _url(base, token)
        shown = shown[:len(shown) // 2]


async def notice_of(web: Web, cid: str, token: str | None) -> dict[str, Any]:
    """The page's notice (`opinion_groups.admin_view`) an outcome's token says, as
    it stands now; {} for none, or for a token not ours or not this consultation's."""
    data = _signer(web).unsign(token) if token else None
    if data is None or data.get("c") != cid:
        return {}
    if "going_on_since" in data:
        if await import_held_whole(web.store, cid):
            return {"finished": True}
        # past the pace's horizon the page says itself whether it is still written
        fresh = time.time() - data["going_on_since"] < STALLED_AFTER_S
        return {"going_on": True} if fresh else {}
    outcome = orjson.loads(zlib.decompress(base64.urlsafe_b64decode(data["z"])))
    return {"report": outcome["report"], "skipped_count": outcome["skipped"],
            "skipped_shown": outcome["shown"],
            "skipped_more": outcome["skipped"] - len(outcome["shown"])}


def _url(base: str, token: str) -> str:
    return f"{base}?{PARAM}={token}"


def _packed(data: dict[str, Any]) -> str:
    """Lines left out repeat their file and wording: compressed, they fit a URL."""
    return base64.urlsafe_b64encode(zlib.compress(orjson.dumps(data), 9)).decode()


def _signed(web: Web, data: dict[str, Any]) -> str:
    return _signer(web).sign(data)


def _signer(web: Web) -> Signer:
    """This front's signer of outcomes, under the platform's secret key (the
    sessions' and every front's; in development without one, a random key for
    this front's life)."""
    signer: Signer | None = web.caches.get(_SIGNER)
    if signer is None:
        signer = web.caches[_SIGNER] = Signer(web.settings.resolved_secret(),
                                              "polis-import-outcome")
    return signer
