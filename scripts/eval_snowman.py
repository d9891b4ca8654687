"""Search quality of SNOWMAN over the labelled questions (snowman/knowledge/eval_questions.yaml).

    .venv/bin/python scripts/eval_snowman.py                  # offline: a throwaway migrated test database
    .venv/bin/python scripts/eval_snowman.py --database-url postgresql+psycopg://…/snowman   # a given database
    … --misses   also lists the questions whose expected entry is not in the top 3;  --json  machine-readable

Prints recall@1, recall@3 and MRR. Exit status 1 when recall@3 is below --goal (default 0.9).
"""
import argparse
import json
import sys

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ekinerja_platform import testing
from snowman.adapters.repository import SqlSearch
from snowman.application.evaluation import evaluate
from snowman.application.synonyms import synonym_table
from snowman.knowledge import load_eval_questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--goal", type=float, default=0.9)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = args.database_url or testing.migrated_database("snowman")
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            result = evaluate(SqlSearch(session), load_eval_questions(), synonym_table())
            session.rollback()
    finally:
        engine.dispose()
        if not args.database_url:
            testing.drop_database(url)
    figures = {"questions": result.questions, "recall@1": round(result.recall_at_1, 4),
               "recall@3": round(result.recall_at_3, 4), "mrr": round(result.mrr, 4)}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"questions {result.questions}  recall@1 {figures['recall@1']:.4f}  "
              f"recall@3 {figures['recall@3']:.4f}  MRR {figures['mrr']:.4f}  (goal recall@3 >= {args.goal})")
    if args.misses:
        for question, expected, found in result.misses:
            print(f"  MISS {question!r}: expected {expected}, got {found}", file=sys.stderr)
    return 0 if result.recall_at_3 >= args.goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
