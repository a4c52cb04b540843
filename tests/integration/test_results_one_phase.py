"""The vote results of a consultation with one vote phase: its title once, as the
heading of its results, without tabs (without JavaScript it showed three times:
a link, an inert tab and the heading). Several phases keep their tabs, whose
buttons are hidden until DSFR's script makes them work."""

from __future__ import annotations

import re

from harness.consultations import VOTE_CID, open_vote
from harness.platform import Platform


async def test_one_phase_is_shown_without_tabs(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    page = (await p.client().get(f"/vote/{VOTE_CID}/resultats")).text
    main = page.split('<h1>Résultats des votes</h1>', 1)[1]
    assert "<h2>Vote</h2>" in main and "Résultats provisoires" in main
    assert "fr-tabs" not in main and "<noscript>" not in main
    assert not re.search(r">Vote</(a|button)>", main)
    assert main.count("Vote<") == 1  # nor in the tables' captions: the heading names it
