"""CQL of the identity ports in Cassandra (ADR 0077): the tables of the vault, the
token ledger and the outbox, in the identity service's keyspace, and their named
statements. Cassandra has no multi-row transaction: services/identity/cassandra.py
orders the writes so that a crash between two of them leaves nothing a person
could trip over (see there).

Tables holding a person's data keep tombstones one day (`gc_grace_seconds`)
instead of ten: an erased key leaves the disks at the first compaction after
that, which needs a repair at least daily (K8ssandra's Reaper, k8s/README.md).
"""

from __future__ import annotations

# erased data: gone from disk one compaction after a day, not ten
_PERSONAL = " WITH gc_grace_seconds = 86400"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS identity_keys (person_id text PRIMARY KEY, wrapped blob)"
    + _PERSONAL,
    "CREATE TABLE IF NOT EXISTS identity_profiles (person_id text PRIMARY KEY, sealed blob)"
    + _PERSONAL,
    # keyed hash -> its one owner (claimed by a lightweight transaction)
    "CREATE TABLE IF NOT EXISTS identity_lookups (hash text PRIMARY KEY, purpose text,"
    " person_id text)" + _PERSONAL,
    # person -> the hashes they may own: written before a claim, so it is always a
    # superset of what they own and erasure finds every claim
    "CREATE TABLE IF NOT EXISTS identity_lookups_of (person_id text, hash text,"
    " PRIMARY KEY (person_id, hash))" + _PERSONAL,
    "CREATE TABLE IF NOT EXISTS identity_consumed_tokens (token_id text PRIMARY KEY,"
    " expires_at timestamp)",
    "CREATE TABLE IF NOT EXISTS identity_current_tokens (subject text PRIMARY KEY,"
    " token_id text, expires_at timestamp)",
    # the outbox by day (retention drops whole days), newest first
    "CREATE TABLE IF NOT EXISTS identity_outbox (day text, created_at timestamp,"
    " message_id text, person_id text, sealed blob,"
    " PRIMARY KEY (day, created_at, message_id))"
    " WITH CLUSTERING ORDER BY (created_at DESC, message_id DESC)"
    " AND gc_grace_seconds = 86400",
    "CREATE TABLE IF NOT EXISTS identity_outbox_of (person_id text, day text,"
    " created_at timestamp, message_id text,"
    " PRIMARY KEY (person_id, day, created_at, message_id))" + _PERSONAL,
    "CREATE TABLE IF NOT EXISTS identity_outbox_days (shard int, day text,"
    " PRIMARY KEY (shard, day)) WITH CLUSTERING ORDER BY (day DESC)",
    # rate limits: one GCRA arrival time per key, expiring once it has passed
    "CREATE TABLE IF NOT EXISTS identity_rate_tat (key text PRIMARY KEY, tat double)",
)

STATEMENTS: dict[str, str] = {
    "key_get": "SELECT wrapped FROM identity_keys WHERE person_id = ?",
    "key_claim": "INSERT INTO identity_keys (person_id, wrapped) VALUES (?, ?) IF NOT EXISTS",
    "key_drop": "DELETE FROM identity_keys WHERE person_id = ?",
    "profile_get": "SELECT sealed FROM identity_profiles WHERE person_id = ?",
    "profile_put": "INSERT INTO identity_profiles (person_id, sealed) VALUES (?, ?)",
    "profile_drop": "DELETE FROM identity_profiles WHERE person_id = ?",
    "lookup_get": "SELECT person_id FROM identity_lookups WHERE hash = ?",
    "lookup_owned": "SELECT purpose, person_id FROM identity_lookups WHERE hash = ?",
    # claimed for a minute: a writer that dies before its profile is written leaves
    # a claim that expires instead of an e-mail nobody can ever register again
    "lookup_claim": "INSERT INTO identity_lookups (hash, purpose, person_id) VALUES (?, ?, ?)"
                    " IF NOT EXISTS USING TTL ?",
    "lookup_keep": "UPDATE identity_lookups USING TTL 0 SET purpose = ?, person_id = ?"
                   " WHERE hash = ? IF person_id = ?",
    "lookup_release": "DELETE FROM identity_lookups WHERE hash = ? IF person_id = ?",
    "lookups_of": "SELECT hash FROM identity_lookups_of WHERE person_id = ?",
    "lookup_of_put": "INSERT INTO identity_lookups_of (person_id, hash) VALUES (?, ?)",
    "lookup_of_drop": "DELETE FROM identity_lookups_of WHERE person_id = ? AND hash = ?",
    "lookups_of_drop": "DELETE FROM identity_lookups_of WHERE person_id = ?",
    "token_consume": "INSERT INTO identity_consumed_tokens (token_id, expires_at)"
                     " VALUES (?, ?) IF NOT EXISTS USING TTL ?",
    "token_current_put": "INSERT INTO identity_current_tokens (subject, token_id, expires_at)"
                         " VALUES (?, ?, ?) USING TTL ?",
    "token_current_get": "SELECT token_id, expires_at FROM identity_current_tokens"
                         " WHERE subject = ?",
    "outbox_put": "INSERT INTO identity_outbox (day, created_at, message_id, person_id, sealed)"
                  " VALUES (?, ?, ?, ?, ?)",
    "outbox_of_put": "INSERT INTO identity_outbox_of (person_id, day, created_at, message_id)"
                     " VALUES (?, ?, ?, ?)",
    "outbox_day_put": "INSERT INTO identity_outbox_days (shard, day) VALUES (0, ?)",
    "outbox_days": "SELECT day FROM identity_outbox_days WHERE shard = 0",
    "outbox_of_day": "SELECT message_id, person_id, created_at, sealed FROM identity_outbox"
                     " WHERE day = ? LIMIT ?",
    "outbox_of": "SELECT day, created_at, message_id FROM identity_outbox_of WHERE person_id = ?",
    "outbox_drop": "DELETE FROM identity_outbox WHERE day = ? AND created_at = ?"
                   " AND message_id = ?",
    "outbox_of_drop": "DELETE FROM identity_outbox_of WHERE person_id = ? AND day = ?"
                      " AND created_at = ? AND message_id = ?",
    "outbox_of_drop_person": "DELETE FROM identity_outbox_of WHERE person_id = ?",
    "outbox_day_drop": "DELETE FROM identity_outbox_days WHERE shard = 0 AND day = ?",
    "tat_get": "SELECT tat FROM identity_rate_tat WHERE key = ?",
    "tat_new": "INSERT INTO identity_rate_tat (key, tat) VALUES (?, ?) IF NOT EXISTS USING TTL ?",
    "tat_move": "UPDATE identity_rate_tat USING TTL ? SET tat = ? WHERE key = ? IF tat = ?",
    "tat_drop": "DELETE FROM identity_rate_tat WHERE key = ? IF tat = ?",
}

# A retried consumption after a timeout would find its own first write and answer
# "already used": the driver must not retry it (the person asks for a new link).
NOT_IDEMPOTENT = frozenset({"token_consume"})

CLAIM_TTL_S = 60
