"""Follow-up ("devoir de suite"): the organiser's responses and decisions linked
to published themes and proposals, their status over time, and the notices to
the contributors behind them (in the app and by an e-mail digest)."""
