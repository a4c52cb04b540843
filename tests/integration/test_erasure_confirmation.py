"""« Effacer mon compte » without ticking the confirmation (a browser without
JavaScript does not hold the form back) shows the account page again with
« Cochez la case de confirmation » on the box, and erases nothing (before: the
generic 400 « Erreur — La requête n'a pas pu aboutir. »)."""

from __future__ import annotations

from harness.forms import follow_link, last_link, post_form, sign_up
from harness.platform import Platform


async def test_erasure_without_the_box_asks_for_it_on_the_form(platform: Platform) -> None:
    p = platform
    client = p.client()
    await sign_up(p, client, "aline@exemple.fr", "Aline")
    await follow_link(client, await last_link(p))
    r = await post_form(client, "/compte", "/compte/effacement", {})
    assert r.status_code == 400
    assert "Cochez la case de confirmation" in r.text and "fr-checkbox-group--error" in r.text
    assert 'aria-describedby="confirmation-err"' in r.text
    assert "Mon compte" in r.text and "Aline" in r.text
    assert "La requête n&#39;a pas pu aboutir" not in r.text
    account = await client.get("/compte")
    assert account.status_code == 200 and "Aline" in account.text  # nothing erased
