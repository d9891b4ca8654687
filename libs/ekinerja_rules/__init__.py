"""Offline rule calculators shared by the services and the `ekinerja` CLI; standard library only (plus the
platform's framework-free domain error vocabulary).

``scoring``/``rulesets``/``score_contract``: PP 46/2011 SKP scoring and its JSON contract (skp's `ScoreSkp` and
`ekinerja skp score`); ``permenpanrb_6_2022``: the predikat matrix, curve and angka kredit (`ekinerja skp predikat`);
``nip``: the NIP check (identity and `ekinerja nip check`). One copy, so the CLI and the services cannot disagree.
"""
