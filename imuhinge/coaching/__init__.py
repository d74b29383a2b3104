"""Coaching: tempo notation, verdicts and cues per rep, the set summary, progression advice."""
