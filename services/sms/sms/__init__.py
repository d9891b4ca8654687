"""The SMS bridge: Gammu SMSD's PostgreSQL tables on one side, the e-Kinerja services on the other."""
