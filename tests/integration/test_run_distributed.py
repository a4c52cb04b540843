"""`make run-distributed` (deploy/run_distributed.sh) as a developer runs it, with
`FRONTS=2 REPLICAS=2`: a Tansu broker, two supervised worker processes of every
service (but search: its tantivy folder takes one writer), the scheduler, two
HTTP fronts. One start shows issue #16's full flow
through the fronts' HTTP (deposit, moderation, search, vote, a theme run with a
rename, results frozen, recount), and what the topology does around it:

- the search index kept from an earlier run says it was built from another log
  (another broker), so the search worker rebuilds it before consuming (ADR 0032);
- commands are decided by the owning service's replicas, whatever front
  received them (ADR 0035, 0038): their metrics count them;
- every process answers /metrics (the fronts on their HTTP port, each worker on
  the port the launcher gave it);
- a worker killed with SIGKILL is restarted by its supervisor, and the rest of
  the topology keeps running.

One start, because starting nineteen processes on two shared cores is most of the
time of this file."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from harness.forms import admin_login, post_form, post_shown
from harness.platform import ADMIN_PASSWORD
from harness.processes import ROOT, free_port, free_ports
from markupsafe import escape

from services.web.passwords import hash_password
from services.web.security import Sessions

pytestmark = pytest.mark.slow

# the front is ready once every worker has created its read store (ADR 0037): nine
# processes importing at once on two shared cores
START_S = 240.0

METRICS_PORTS = 40  # one per worker process: every service, REPLICAS=2 of each


class Topology:
    def __init__(self, env: dict[str, str], out: Path, stop_s: float = 60.0) -> None:
        self.env = env
        self.out = out
        self.stop_s = stop_s
        self._file = out.open("ab")
        self.proc = subprocess.Popen(["bash", "deploy/run_distributed.sh"], cwd=ROOT,
                                     env={**os.environ, **env}, stdout=self._file,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_for(self, check: Callable[[], object], what: str, bound_s: float = START_S) -> None:
        deadline = time.monotonic() + bound_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the topology stopped:\n{self.output()[-4000:]}"
            try:
                if check():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}:\n{self.output()[-4000:]}")

    def workers(self, service: str) -> list[int]:
        """Pids of this topology's `parlons worker SERVICE` processes."""
        return [pid for pid in _descendants(self.proc.pid)
                if _cmdline(pid)[-2:] == ["worker", service]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # its trap stops what it started
            self.proc.wait(self.stop_s)
        self._file.close()


@pytest.fixture
def topologies() -> Iterator[list[Topology]]:
    started: list[Topology] = []
    yield started
    for t in started:
        t.stop()


def test_the_full_flow_through_two_fronts_and_two_replicas_of_every_service(
    tmp_path: Path, topologies: list[Topology],
) -> None:
    """Issue #16's full flow in `FRONTS=2 REPLICAS=2` on Tansu, only through the
    fronts' HTTP, every step on both fronts: the organiser opens a consultation in
    the back office; participants deposit; the moderator publishes and rejects;
    search finds the published, never the rejected; ballots; a theme run by the
    scheduled job, a theme renamed, the run published and the new name on the
    public synthesis page; the vote phase ends, the scheduled freeze fixes the
    results; `parlons recount` finds no difference. Around it, what the topology
    must do anyway: an older search index rebuilt, /metrics on every process,
    commands decided by the owning service's replicas, a killed worker
    restarted."""
    http = free_ports(2)  # FRONTS=2: consecutive ports
    data = tmp_path / "data"
    # a search index kept from an earlier run, on another broker (ADR 0032)
    (data / "search").mkdir(parents=True)
    (data / "search" / "origin").write_text("an-earlier-broker\n")
    env = {"PARLONS_KAFKA_PORT": str(free_port()), "PARLONS_HTTP_PORT": str(http),
           "PARLONS_DATA_DIR": str(data), "FRONTS": "2", "REPLICAS": "2",
           "DEMO": "0",  # the flow brings its consultation: no demo to seed and project
           "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
           "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
           "PARLONS_WORKER_POLL_TIMEOUT": "0.2", "PARLONS_RESTART_PAUSE": "0.5",
           "PARLONS_METRICS_PORT_BASE": str(free_ports(METRICS_PORTS)),
           "PARLONS_ADMIN_USER": "orga", "PARLONS_ADMIN_PASSWORD_HASH": ADMIN_HASH,
           # the scheduler's jobs every few seconds: the theme run, then the freeze
           "PARLONS_SCHEDULE_SYNTHESIS_JOBS_S": "3", "PARLONS_SCHEDULE_FREEZE_RESULTS_S": "3",
           # every ballot is acknowledged before the phase ends: no need to wait 2 min
           "PARLONS_VOTE_FREEZE_GRACE_S": "2"}
    fronts = [f"http://127.0.0.1:{http}", f"http://127.0.0.1:{http + 1}"]
    topology = Topology(env, tmp_path / "run.log", stop_s=3 * START_S)
    topologies.append(topology)
    topology.wait_for(lambda: len(topology.workers("vote")) == 2, "two vote replicas")
    # nineteen processes importing at once on two shared cores
    topology.wait_for(lambda: all(httpx.get(f"{u}/readyz").status_code == 200 for u in fronts),
                      "both fronts", bound_s=4 * START_S)
    topology.wait_for(lambda: "outside view rebuilt" in topology.output(),
                      "the older search index rebuilt from this log")
    asyncio.run(_full_flow(topology, fronts, data))

    # every process answers /metrics: the fronts on their HTTP port, each worker on
    # the port the launcher gave it
    for url in fronts:
        assert "parlons_http_request_duration_seconds" in httpx.get(f"{url}/metrics").text
    announced = re.findall(r"worker (\w+): (http://\S+/metrics)", topology.output())
    replicas = Counter(s for s, _ in announced)  # one search worker: one tantivy writer
    assert replicas == {s: 1 if s == "search" else 2 for s in replicas} and len(replicas) == 8
    for service, metrics_url in announced:
        topology.wait_for(lambda u=metrics_url: "parlons_consumer_lag{" in httpx.get(u).text,
                          f"the metrics of a {service} worker")

    # a worker killed is restarted by its supervisor; the rest keeps running
    victim = topology.workers("consultation")[0]
    os.kill(victim, signal.SIGKILL)
    topology.wait_for(lambda: "exited with 137" in topology.output(), "the supervisor noticing")
    topology.wait_for(lambda: len([p for p in topology.workers("consultation")
                                   if p != victim]) == 2, "the worker restarted")
    # (a ping may miss its 2 s bound on two loaded cores: a bounded wait, not one GET)
    topology.wait_for(lambda: all(httpx.get(f"{u}/readyz").status_code == 200 for u in fronts),
                      "both fronts ready")


ADMIN_HASH = hash_password(ADMIN_PASSWORD)
SLUG = "flux-complet"
PARIS = ZoneInfo("Europe/Paris")
# published proposals: two themes the run can tell apart; one rejected
VELO = ["Des pistes cyclables sûres le long des quais pour les vélos",
        "Plus de vélos en libre-service et de pistes cyclables protégées",
        "Des garages à vélos sécurisés et des pistes cyclables continues"]
SANTE = ["Un médecin de garde et des urgences ouvertes la nuit à l'hôpital",
         "Recruter des médecins et des infirmières pour l'hôpital public",
         "Rouvrir les urgences de l'hôpital et aider les médecins de campagne"]
REJECTED = "Texte hors sujet sur les tarifs du stationnement souterrain"
FLOW_S = 240.0  # each step's bound: nineteen processes on two shared cores


async def _full_flow(topology: Topology, fronts: list[str], data: Path) -> None:
    secret = (data / "secrets" / "secret_key").read_text().strip()
    sessions = Sessions(secret, 24)
    people = [f"p-flux-{n}" for n in range(4)]
    clients = [httpx.AsyncClient(base_url=fronts[n % 2], timeout=60,
                                 cookies={sessions.cookie: sessions.issue(
                                     who, kind="participant", level="email")})
               for n, who in enumerate(people)]
    admins = [await admin_login(httpx.AsyncClient(base_url=u, timeout=60)) for u in fronts]
    try:
        cid = await _organise(topology, admins)
        texts = await _deposit(topology, clients)
        ids = await _moderate(topology, admins, cid, texts)
        await _search(topology, fronts, ids)
        cast = await _vote(topology, clients, cid, ids)
        await _close_vote(admins[1], cid)  # the freeze runs while the themes are done
        await _themes(topology, admins, fronts, cid, ids)
        await _frozen(topology, fronts, cid)
    finally:
        for c in [*clients, *admins]:
            await c.aclose()
    assert decided_by("deposit", "SubmitProposal", topology) == len(ids)
    assert decided_by("vote", "CastBallot", topology) == cast
    recount = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "parlons"), "recount"], cwd=ROOT, capture_output=True,
        text=True, timeout=120, check=False,
        env={**os.environ, "PARLONS_EVENT_LOG": "kafka", "PARLONS_DATA_DIR": str(data),
             "PARLONS_KAFKA_BOOTSTRAP": f"127.0.0.1:{topology.env['PARLONS_KAFKA_PORT']}",
             "PARLONS_READ_STORE_LAYOUT": "per_service"})
    assert recount.returncode == 0 and "; 0 différence\n" in recount.stdout, \
        recount.stdout + recount.stderr


async def eventually(topology: Topology, check: Callable[[], Awaitable[object]], what: str,
                     bound_s: float = FLOW_S) -> Any:
    """Polls `check()` until it returns something true (returned); fails at the
    bound, or at once if the topology stopped."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        assert topology.proc.poll() is None, f"the topology stopped:\n{topology.output()[-4000:]}"
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}:\n{topology.output()[-4000:]}")


def said(r: httpx.Response) -> str:
    """What a refused page says (its alerts and field errors), for a failure."""
    found = re.findall(r'(?:role="alert"|fr-message--error|<h1)[^>]*>(.*?)</', r.text, re.S)
    return f"{r.status_code} {r.request.method} {r.request.url}: {found or r.text[:300]}"


def local(at: datetime) -> str:
    """A date as the phases form takes it: Paris time, to the second."""
    return at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M:%S")


async def _organise(topology: Topology, admins: list[httpx.AsyncClient]) -> str:
    """The organiser creates a pre-moderated consultation on one front, gives it
    one phase open to deposits and votes and publishes it on the other."""
    created = await post_form(admins[0], "/admin/consultations/nouvelle",
                              "/admin/consultations/nouvelle",
                              {"title": "Flux complet", "slug": SLUG, "moderation": "pre",
                               "summary": "Déposer, modérer, voter, analyser."})
    assert created.status_code == 303, said(created)
    cid = created.headers["location"].rsplit("/", 1)[1]
    phases = f"/admin/consultations/{cid}/phases"

    async def form_shown() -> bool:
        return (await admins[1].get(phases)).status_code == 200
    await eventually(topology, form_shown, "the new consultation in the other front")
    now = datetime.now(UTC)
    saved = await post_form(admins[1], phases, phases, [
        ("phases.0.kind", "vote"), ("phases.0.title", "Déposer et voter"),
        ("phases.0.starts_at", local(now - timedelta(hours=1))),
        ("phases.0.ends_at", local(now + timedelta(days=1))),
        ("phases.0.actions", "deposit"), ("phases.0.actions", "vote_agree")])
    assert saved.status_code == 303, said(saved)

    async def scheduled() -> bool:
        return "Déposer et voter" in (await admins[1].get(phases)).text
    await eventually(topology, scheduled, "the phase scheduled")
    published = await post_form(admins[1], f"/admin/consultations/{cid}",
                                f"/admin/consultations/{cid}/publication", {"action": "publier"})
    assert published.status_code == 303, said(published)
    return cid


async def _deposit(topology: Topology, clients: list[httpx.AsyncClient]) -> list[str]:
    """Each participant deposits through their front's form (alternately); the
    texts, in the order of their titles « Idée N »."""
    page = f"/consultations/{SLUG}/propositions/nouvelle"

    async def form_open() -> bool:
        return all(['name="cle"' in (await c.get(page)).text for c in clients])
    await eventually(topology, form_open, "the deposit form on both fronts")
    texts = [*VELO, *SANTE, REJECTED]
    for n, body in enumerate(texts):
        r = await post_shown(clients[n % len(clients)], page, page,
                             {"title": f"Idée {n}", "body": body})
        assert r.status_code == 303, said(r)
    return texts


async def _moderate(topology: Topology, admins: list[httpx.AsyncClient], cid: str,
                    texts: list[str]) -> dict[str, str]:
    """The moderator takes each proposal of the queue and publishes it, but for
    the off-topic one, rejected; half on each front. The ids, by text."""
    queue = f"/admin/moderation/{cid}"
    ids: dict[str, str] = {}

    async def all_queued() -> bool:
        html = (await admins[0].get(queue)).text
        for pid, n in re.findall(rf'{queue}/elements/([\w-]+)">Idée (\d+)<', html):
            ids[texts[int(n)]] = pid
        return len(ids) == len(texts)
    await eventually(topology, all_queued, "every proposal in the moderation queue")
    for n, (body, pid) in enumerate(ids.items()):
        admin, page = admins[n % 2], f"{queue}/elements/{pid}"
        assert str(escape(body)) in (await admin.get(page)).text
        taken = await post_form(admin, page, f"{page}/prise")
        assert taken.status_code == 303, said(taken)
        decision = ({"decision": "rejected", "motif": "hors_sujet"} if body == REJECTED
                    else {"decision": "approved"})

        async def decided(admin: httpx.AsyncClient = admin, page: str = page,
                          decision: dict[str, str] = decision) -> bool:
            # the claim is the moderation service's: once it knows it, the decision
            r = await post_form(admin, page, f"{page}/decision", decision)
            assert r.status_code in (303, 400), said(r)
            return r.status_code == 303
        await eventually(topology, decided, f"the decision on {pid}")
    return ids


async def _search(topology: Topology, fronts: list[str], ids: dict[str, str]) -> None:
    """The public search of each front finds every published proposal, and never
    the rejected one."""
    async with httpx.AsyncClient(timeout=60) as public:
        for url, word, body in ((fronts[0], "quais", VELO[0]), (fronts[1], "infirmières",
                                                                 SANTE[1])):
            async def found(url: str = url, word: str = word, body: str = body) -> bool:
                r = await public.get(f"{url}/consultations/{SLUG}/recherche", params={"q": word})
                return f"/propositions/{ids[body]}\"" in r.text
            await eventually(topology, found, f"the search finding « {word} » on {url}")
        for url in fronts:
            r = await public.get(f"{url}/consultations/{SLUG}/recherche",
                                 params={"q": "stationnement souterrain"})
            assert r.status_code == 200 and ids[REJECTED] not in r.text
            assert "Aucun résultat" in r.text


# ballots: (participant, text, choice); each participant on their own front
BALLOTS = ((0, VELO[0], "agree"), (1, VELO[0], "agree"), (2, VELO[0], "agree"),
           (3, VELO[0], "disagree"), (0, SANTE[0], "agree"), (1, SANTE[0], "neutral"))


async def _vote(topology: Topology, clients: list[httpx.AsyncClient], cid: str,
                ids: dict[str, str]) -> int:
    """The ballots of BALLOTS through the vote page's forms; how many were sent."""
    sent = 0
    for who, body, choice in BALLOTS:
        client, action = clients[who], f"/vote/{cid}/{ids[body]}"

        async def offered(client: httpx.AsyncClient = client, action: str = action) -> bool:
            return f'action="{action}"' in (await client.get(f"/vote/{cid}")).text
        await eventually(topology, offered, f"{action} offered to participant {who}")
        r = await post_form(client, f"/vote/{cid}", action, {"kind": "agree", "choice": choice})
        sent += 1
        assert r.status_code == 303, said(r)
    return sent


THEME_NAME = "Mobilité douce & vélo"


async def _themes(topology: Topology, admins: list[httpx.AsyncClient], fronts: list[str],
                  cid: str, ids: dict[str, str]) -> None:
    """The analyst asks for a theme run on one front; the scheduler's
    `synthesis-jobs` runs it; the theme of the vélo proposals is renamed on the
    other front and the run published: the public page shows the new name."""
    base = f"/admin/analyse/{cid}/synthese"
    published = {ids[b] for b in (*VELO, *SANTE)}
    run_page = ""
    deadline = time.monotonic() + FLOW_S
    while not run_page:  # a run taken before the corpus held every published one: again
        assert time.monotonic() < deadline, "no run over the whole published corpus"
        r = await post_shown(admins[0], base, f"{base}/analyses",
                             {"mode": "full", "n_themes": "2", "seed": "3"})
        assert r.status_code == 303, said(r)
        page = r.headers["location"]

        async def done(page: str = page) -> str | None:
            html = (await admins[1].get(page)).text
            assert "Échec" not in html, html[-2000:]
            return html if 'id="etat">Terminée<' in html else None
        html = await eventually(topology, done, "the theme run done by the scheduled job")
        if f"{len(published)} contributions ;" in html:
            run_page = page
    html = (await admins[1].get(run_page)).text
    themes = sorted(set(re.findall(rf'{run_page}/themes/([\w-]+)"', html)))
    assert len(themes) == 2, html[-3000:]
    theme_of = {}
    for t in themes:
        listed = (await admins[1].get(f"{run_page}/themes/{t}")).text
        for doc in re.findall(r'name="contribution_ids" value="([\w-]+)"', listed):
            theme_of[doc] = t
    assert set(theme_of) == published, theme_of
    velo = theme_of[ids[VELO[0]]]
    r = await post_form(admins[1], run_page, f"{run_page}/themes/{velo}/nom",
                        {"label": THEME_NAME})
    assert r.status_code == 303, said(r)

    async def renamed() -> bool:
        return "Mobilité douce &amp; vélo" in (await admins[0].get(run_page)).text
    await eventually(topology, renamed, "the rename in the other front")
    r = await post_form(admins[0], run_page, f"{run_page}/publication")
    assert r.status_code == 303, said(r)
    async with httpx.AsyncClient(timeout=60) as public:
        for url in fronts:
            async def shown(url: str = url) -> bool:
                r = await public.get(f"{url}/consultations/{SLUG}/synthese")
                return r.status_code == 200 and "Mobilité douce &amp; vélo" in r.text
            await eventually(topology, shown, f"the renamed theme on {url}'s public page")
        r = await public.get(f"{fronts[1]}/consultations/{SLUG}/synthese/themes/{velo}")
        assert set(re.findall(rf'/consultations/{SLUG}/propositions/([\w-]+)"', r.text)) == {
            d for d, t in theme_of.items() if t == velo}


async def _close_vote(admin: httpx.AsyncClient, cid: str) -> None:
    """The organiser ends the vote phase a few seconds ahead, every ballot sent."""
    phases = f"/admin/consultations/{cid}/phases"
    r = await post_shown(admin, phases, phases,
                         {"phases.0.ends_at": local(datetime.now(UTC) + timedelta(seconds=5))})
    assert r.status_code == 303, said(r)


async def _frozen(topology: Topology, fronts: list[str], cid: str) -> None:
    """The scheduler's `freeze-results` froze the ended phase: each front's results
    page shows the final tallies."""
    tallies: dict[str, dict[str, int]] = {}
    for _, body, choice in BALLOTS:
        tallies.setdefault(body, {"agree": 0, "neutral": 0, "disagree": 0})[choice] += 1
    async with httpx.AsyncClient(timeout=60) as public:
        for url in fronts:
            async def frozen(url: str = url) -> str | None:
                html = (await public.get(f"{url}/vote/{cid}/resultats")).text
                return html if "Résultats définitifs" in html else None
            html = await eventually(topology, frozen, f"the results frozen on {url}")
            for body, counts in tallies.items():
                n = [*VELO, *SANTE].index(body)
                row = re.search(rf"Idée {n}</a></td><td>.*?</td><td>(\d+)</td><td>(\d+)</td>"
                                rf"<td>(\d+)</td>", html, re.S)
                assert row, html[-3000:]
                assert tuple(map(int, row.groups())) == (
                    counts["agree"], counts["neutral"], counts["disagree"]), (body, row.groups())


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                .rstrip("\0").split("\0"))
    except OSError:
        return []


def decided_by(service: str, command: str, topology: Topology) -> float:
    """The commands of this type the replicas of `service` decided (their metrics)."""
    decided = 0.0
    for name, metrics_url in re.findall(r"worker (\w+): (http://\S+/metrics)",
                                        topology.output()):
        if name == service:
            decided += sum(float(line.rsplit(" ", 1)[1])
                           for line in httpx.get(metrics_url).text.splitlines()
                           if line.startswith(f'parlons_commands_total{{command="{command}"'))
    return decided
