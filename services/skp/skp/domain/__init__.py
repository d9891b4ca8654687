"""SKP domain: documents, templates, catalogues (the scoring rules are in `ekinerja_rules`). Standard library only."""
