"""`Votes`, a conversation's vote rows in typed arrays (ADR 0124), reads as the list
of `Vote` it stands for: length, rows by index (from the end too) and slice, in
order, and each field as a numpy column."""

from __future__ import annotations

from services.synthesis.polis.model import Vote, Votes, vote_column

ROWS = [Vote(3, 7, 1_000, 1), Vote(0, 2**53 - 1, 253_402_300_799_999, -1), Vote(5, 0, 0, 0)]


def test_votes_read_as_the_rows_they_hold() -> None:
    votes = Votes(ROWS)
    assert len(votes) == 3 and list(votes) == ROWS
    assert votes[1] == ROWS[1] and votes[-1] == ROWS[-1]
    assert votes[1:] == ROWS[1:] and votes[::-1] == ROWS[::-1]
    assert not Votes() and bool(votes)


def test_a_column_is_the_field_of_every_row_whatever_holds_them() -> None:
    for holder in (Votes(ROWS), ROWS):
        assert vote_column(holder, "voter_id").tolist() == [7, 2**53 - 1, 0]
        assert vote_column(holder, "timestamp_ms").tolist() == [1_000, 253_402_300_799_999, 0]
        assert vote_column(holder, "vote").tolist() == [1, -1, 0]
        assert vote_column(holder, "comment_id").dtype.itemsize == 8
