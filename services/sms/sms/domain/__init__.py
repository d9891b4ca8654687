"""Rules of the SMS bridge: commands, replies, fairness, reminders (standard library only)."""
