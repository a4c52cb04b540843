"""Copy-paste campaigns: 500 varied copies mixed into 5,000 distinct French
contributions come out as ONE group, with few false groups."""

from __future__ import annotations

from moderation.corpus import mixed
from services.moderation.campaigns import CampaignDetector


def test_a_campaign_of_500_copies_in_5000_contributions_is_one_group() -> None:
    items = mixed(5000, 500)
    detector = CampaignDetector()
    for key, text, _ in items:
        detector.add(key, text, scope="c1")
    copies = {key for key, _, is_copy in items if is_copy}
    groups = detector.groups("c1")
    best = max(groups.values(), key=lambda m: len(set(m) & copies))
    found = set(best) & copies
    recall = len(found) / len(copies)
    precision = len(found) / len(best)
    false_groups = [g for g in groups.values() if not set(g) & copies]
    groups_with_copies = [g for g in groups.values() if set(g) & copies]
    print(f"\ncampaign: recall={recall:.3f} precision={precision:.3f} "
          f"group size={len(best)} groups holding copies={len(groups_with_copies)} "
          f"false groups={len(false_groups)} (sizes {sorted(len(g) for g in false_groups)[-5:]})")
    assert len(groups_with_copies) == 1, "the campaign split into several groups"
    assert recall >= 0.95
    assert precision >= 0.95
    assert len(false_groups) <= 5


def test_union_find_keeps_one_group_when_a_bridge_joins_two() -> None:
    base = "Nous demandons la réouverture de la gare de notre commune et des trains plus "
    a, c = base + "fréquents le matin pour aller travailler.", base + "nombreux le soir."
    detector = CampaignDetector(confirm=0.5)
    assert detector.add("a", a) is None
    first = detector.add("b", a + " Merci.")
    assert first is not None and first.group_id == "a" and set(first.members_moved) == {"a", "b"}
    detector.add("c", c)
    detector.add("d", c + " Merci.")
    detector.add("e", base + "fréquents le matin et nombreux le soir.")
    assert len(detector.groups()) == 1
    assert detector.group_of("d") == "a"


def test_short_texts_and_other_scopes_are_not_grouped() -> None:
    detector = CampaignDetector()
    assert detector.add("a", "Je suis pour.") is None
    assert detector.add("b", "Je suis pour.") is None
    long = "Une proposition assez longue pour être indexée par le détecteur de campagnes."
    detector.add("c", long, scope="x")
    assert detector.add("d", long, scope="y") is None
