"""Every output of the automatic moderation over a fixed set of texts, dumped to
compare two versions of the code (ADR 0101): run this file from each checkout
(the code measured is the current directory's) with `dump OUT`, then `compare A B`.

Texts: the bench's corpus (`mixed(5000, 500)`: distinct texts and campaign
copies), every string literal of the moderation and personal-data tests, and
random mixes of those with leet, signs, accents, other scripts, digits, links,
e-mails, phone numbers, capitals and repeated characters. Outputs: `fold`,
`fold_evasive`, the lexicon's finds, `check_texts` (one field, two fields,
free text or not), the campaign detector's hash values, band keys, updates and
groups, and `AutoModeration.check`'s event data for every text in turn.
"""

from __future__ import annotations

import ast
import pickle
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path.cwd()  # the checkout whose code is measured
# the texts from this file's checkout: both sides read the same tests' strings
TEXTS_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from moderation.corpus import mixed  # noqa: E402

from services.core.clock import FixedClock  # noqa: E402
from services.core.envelope import Actor, Envelope  # noqa: E402
from services.eventlog.memory import MemoryEventLog  # noqa: E402
from services.moderation.campaigns import CampaignDetector  # noqa: E402
from services.moderation.checks import check_texts  # noqa: E402
from services.moderation.lexicon import default_lexicon  # noqa: E402
from services.moderation.process import AutoModeration  # noqa: E402
from services.moderation.text import fold, fold_evasive  # noqa: E402

TEST_FILES = ["tests/unit/moderation/test_checks.py", "tests/unit/moderation/test_campaigns.py",
              "tests/unit/moderation/test_moderation.py", "tests/unit/moderation/test_text.py",
              "tests/unit/moderation/test_process_batch.py", "tests/unit/test_personal_data.py",
              "tests/unit/test_redaction.py"]
ODD = ["c0nn4rd", "p0uuuuffiasse", "s@lope", "$alaud", "€nculé", "¹²³", "\uff11\uff12\uff13",
       "①", "\u017f", "K", "İ", "\u0131", "Σ", "ΣΑΣ", "㎁", "ﬁ", "œuf", "Æ", "\u2019", "«", "»",
       "\u00a0", "\u0301", "e\u0301", "\n", "\t", "!!!!", "????", "!?!?", "......", "------",
       "      ", "aaaaaa", "éééééé",
       "\n\n\n\n\n\n", "AAAAAAAAAAAAAAAAAAAAAAA", "ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ", "www.exemple.fr",
       "https://x.io/a?b=c", "WWW.EXEMPLE.COM", "exemple.COM", "ex-emple.org/page",
       "mail.fr", "jean@exemple.fr", "jean (at) exemple (dot) fr", "jean arobase exemple point fr",
       "06 12 34 56 78", "+33 6 12 34 56 78", "1 85 05 78 006 084 36",
       "FR76 3000 6000 0112 3456 7890 189",
       "192.168.0.1", "2001:db8::1", "12 rue de la Paix 75002 Paris", "[courriel masqué]",
       "[téléphone masqué]", "[adresse postale masquée]", "[IBAN masqué]", "[adresse IP masquée]",
       "cliquez ici", "gagnez", "code promo", "bitcoin", "rien", "R.A.S.", "ok", "bla bla", "x",
       "zzzzzzz", "qsdfghjklm", "ababababab", "😀", "漢字", "ﾃｽﾄ", "Ⓐ", "ǅ", "\u03d2", "ß", "ﬆ",
       "connnnard", "c o n", "gros con", "fils de putes", "cons", "connards", "encules", "PUTE",
       "1000", "111", "www", "a\u0300\u0301\u0302", "\u2028", "\x1c", "\u3000", ""]


def test_strings() -> list[str]:
    out: list[str] = []
    for name in TEST_FILES:
        path = TEXTS_ROOT / name
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.append(node.value)
    return out


def random_mixes(n: int, pool: list[str], seed: int = 101) -> list[str]:
    rng = random.Random(seed)
    words = [w for line in default_lexicon().category_of for w in [line]]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 8)):
            r = rng.random()
            if r < 0.35:
                parts.append(rng.choice(pool)[: rng.randint(0, 300)])
            elif r < 0.55:
                w = rng.choice(words) + rng.choice(["", "", "s", "x", "es"])
                if rng.random() < 0.3:
                    w = w.translate(str.maketrans("oiea", "0134"))
                if rng.random() < 0.2:
                    w = w.upper()
                if rng.random() < 0.2 and w:
                    i = rng.randrange(len(w))
                    w = w[:i] + w[i] * rng.randint(2, 7) + w[i:]
                parts.append(w)
            else:
                parts.append(rng.choice(ODD))
        text = rng.choice([" ", "", "\n", ", "]).join(parts)
        if rng.random() < 0.1:
            text = text.upper()
        out.append(text)
    return out


def texts() -> list[str]:
    corpus = [t for _, t, _ in mixed(5000, 500)]
    tests = test_strings()
    return corpus + tests + ODD + random_mixes(4000, corpus[:300] + tests)


def envelope(key: str, n: int, kind: int, text: str, scope: str) -> Envelope:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    if kind == 0:
        data = {"contribution_id": key, "consultation_id": scope, "author_id": "p-x",
                "title": "", "body": text, "theme_id": "", "territory": "", "moderation": "post"}
        t = "deposit.ProposalSubmitted"
    elif kind == 1:
        half = len(text) // 2
        data = {"contribution_id": key, "consultation_id": scope, "author_id": "p-x",
                "title": text[:half], "body": text[half:], "theme_id": "", "territory": "",
                "moderation": "post"}
        t = "deposit.ProposalSubmitted"
    else:
        data = {"contribution_id": key, "consultation_id": scope,
                "answers": [{"question_id": "q1", "text": text, "other_text": ""},
                            {"question_id": "q2", "text": "", "other_text": text[:20]},
                            {"question_id": "q3", "text": "", "other_text": ""}]}
        t = "deposit.ResponseSubmitted"
    return Envelope(type=t, schema_version=2, stream=f"contribution-{key}", stream_version=n,
                    data=data, actor=Actor("p-x", "participant"), occurred_at=now,
                    correlation_id="c")


def dump(out: str) -> None:
    all_texts = texts()
    lex = default_lexicon()
    res: dict[str, object] = {"n": len(all_texts)}
    res["fold"] = [fold(t) for t in all_texts]
    res["fold_evasive"] = [fold_evasive(t) for t in all_texts]
    res["lexicon"] = [lex.find(fold_evasive(t)) for t in all_texts]
    res["checks"] = [[s.to_data() for s in check_texts({"body": t})] for t in all_texts]
    res["checks2"] = [[s.to_data() for s in check_texts({"title": t[:9], "body": t[9:]},
                                                         free_text=False)] for t in all_texts]
    for shingle in (5, 4):
        det = CampaignDetector(shingle=shingle, min_chars=3 if shingle == 4 else 40)
        det._prepare()
        updates = []
        for i, t in enumerate(all_texts):
            u = det.add(f"k{i}", t, scope=str(i % 3))
            updates.append(None if u is None else (u.group_id, u.members_moved, u.size))
        res[f"updates{shingle}"] = updates
        res[f"groups{shingle}"] = [det.groups(str(s)) for s in range(3)]
        # the kept signatures (hash values) and band keys, bit for bit
        res[f"hash{shingle}"] = {
            (scope, key): (sig.tobytes(), det._band_keys(sig))
            for scope, s in det._scopes.items() for key, sig in s.signatures.items()}
        res[f"examined{shingle}"] = det.examined
    auto = AutoModeration(MemoryEventLog(), FixedClock(datetime(2026, 12, 5, tzinfo=UTC)))
    res["auto"] = [auto.check(envelope(f"c{i}", 1 + i % 2, i % 3, t, f"s{i % 2}")).to_data()
                   for i, t in enumerate(all_texts)]
    Path(out).write_bytes(pickle.dumps(res))
    print(f"{len(all_texts)} texts dumped to {out}")


def compare(a: str, b: str) -> int:
    left, right = pickle.loads(Path(a).read_bytes()), pickle.loads(Path(b).read_bytes())
    bad = 0
    for key in left:
        if left[key] == right.get(key):
            print(f"{key}: identical")
            continue
        bad += 1
        lv, rv = left[key], right.get(key)
        if isinstance(lv, list) and isinstance(rv, list):
            diffs = [i for i, (x, y) in enumerate(zip(lv, rv, strict=False)) if x != y]
            print(f"{key}: {len(diffs)} differ (lengths {len(lv)} {len(rv)}), first {diffs[:5]}")
            for i in diffs[:2]:
                print("   ", repr(lv[i])[:300], "\n    ", repr(rv[i])[:300])
        else:
            print(f"{key}: differs: {str(lv)[:200]} / {str(rv)[:200]}")
    return bad


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(1 if compare(sys.argv[2], sys.argv[3]) else 0)
