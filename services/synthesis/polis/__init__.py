"""The Pol.is open-data CSV format: comments.csv, votes.csv,
participants-votes.csv and summary.csv."""
