"""SNOWMAN's domain: knowledge entries and their versions, question text normalisation and answer ranking.

Standard library only: no database, transport or framework here.
"""
