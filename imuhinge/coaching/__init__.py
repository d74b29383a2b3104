"""Coaching: tempo notation, typed cues, verdicts per rep, the set summary (``report.wording`` words them)."""
