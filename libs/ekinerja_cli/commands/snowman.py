"""`ekinerja ask` and `ekinerja kb …`: questions and the knowledge base of the snowman service.

`ask "…" [--kelompok …]` prints ranked answers (with `--json`: exactly `{"status", "question_id", "answers":
[{"id", "judul", "jawaban", "skor", "kelompok", "rujukan"}]}`, best first). `kb list|show|edit|publish|open|answer|
duplicate|vote` are the reader's and the expert's commands. Entry content for `kb edit` and `kb answer` comes from a
YAML or JSON file with the fields of knowledge/entries.yaml (judul, pertanyaan, jawaban, kelompok, rujukan,
ruleset, tags).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, table
from ..paging import every_page

KELOMPOK = click.Choice(["umum", "pendidik", "kesehatan", "fungsional"])


def _pb():
    from ekinerja.snowman.v1 import snowman_pb2
    return snowman_pb2


def _call(method: str, request, *, write: bool = False):
    """One RPC with the caller's token; writes carry an idempotency key so a retried command never applies twice."""
    return client.call("snowman", method, request, write=write)


def _dict(message) -> dict:
    return client.as_dict(message, all_fields=True)


def ask_json(response) -> dict:
    """The documented `ekinerja ask --json` shape, nothing more."""
    return {"status": response.status, "question_id": response.question_id,
            "answers": [{"id": a.id, "judul": a.judul, "jawaban": a.jawaban, "skor": a.skor,
                         "kelompok": list(a.kelompok), "rujukan": a.rujukan} for a in response.answers]}


def _content(path: str):
    text = Path(path).read_text(encoding="utf-8") if path != "-" else sys.stdin.read()
    try:
        import yaml
        raw = yaml.safe_load(text)
    except Exception as exc:  # noqa: BLE001 - any parse error is the user's input
        fail(f"{path}: not YAML/JSON: {exc}", EXIT_BAD_INPUT)
    if not isinstance(raw, dict):
        fail(f"{path}: must hold a mapping with judul, pertanyaan, jawaban, kelompok, rujukan, ruleset, tags",
             EXIT_BAD_INPUT)
    as_list = lambda v: [v] if isinstance(v, str) else list(v or [])  # noqa: E731
    return raw.get("id"), _pb().EntryContent(
        judul=str(raw.get("judul", "")), pertanyaan=as_list(raw.get("pertanyaan")), jawaban=str(raw.get("jawaban", "")),
        kelompok=as_list(raw.get("kelompok")), rujukan=str(raw.get("rujukan", "")),
        ruleset=str(raw.get("ruleset", "")), tags=as_list(raw.get("tags")))


def _show_answers(data: dict) -> None:
    label = "Terjawab" if data["status"] == "answered" else "Belum terjawab: diteruskan ke pakar"
    click.echo(f"{label} (pertanyaan {data['question_id']})")
    for n, a in enumerate(data["answers"], 1):
        click.echo(f"\n{n}. {a['judul']}  [skor {a['skor']}; {', '.join(a['kelompok'])}; id {a['id']}]")
        click.echo(a["jawaban"])
        click.echo(f"Rujukan: {a['rujukan']}")


def _show_version(data: dict) -> None:
    e = data["entry"]
    c = e["content"]
    click.echo(f"{e['entry_id']} v{e['version']} ({e['status']}; oleh {e['author']}"
               f"{'; disetujui ' + e['approved_by'] if e.get('approved_by') else ''})")
    click.echo(f"# {c['judul']}\n")
    for p in c.get("pertanyaan", []):
        click.echo(f"- {p}")
    click.echo(f"\n{c['jawaban']}\n\nRujukan: {c['rujukan']}  ruleset: {c['ruleset']}  "
               f"kelompok: {', '.join(c.get('kelompok', []))}  tags: {', '.join(c.get('tags', []))}")
    for v in data.get("history", []):
        click.echo(f"  v{v['version']} {v['status']} oleh {v['author']} {v.get('published_at', '')}")


def register(cli) -> None:
    """Attach this module's commands to the root group."""

    @cli.command("ask")
    @click.argument("pertanyaan")
    @click.option("--kelompok", type=KELOMPOK, help="Your job group (default: from your token).")
    @click.option("--limit", type=click.IntRange(1, 10), default=3, show_default=True)
    @click.option("--aturan", type=click.Choice(["pp46-2011", "permenpanrb-6-2022"]),
                  help="Ruleset your agency appraises under (default: snowman's setting, permenpanrb-6-2022).")
    @json_option
    def ask(pertanyaan, kelompok, limit, aturan):
        """Ask how the performance rules apply; unanswered questions go to the experts of your job group."""
        pb = _pb()
        response = _call("Ask", pb.AskRequest(pertanyaan=pertanyaan, kelompok=kelompok or "", limit=limit,
                                              ruleset=aturan or ""), write=True)
        emit(ask_json(response), _show_answers)

    @cli.group("kb")
    def kb():
        """The knowledge base: read entries; experts edit, publish and answer open questions."""

    _register_kb_reading(kb)
    _register_kb_editing(kb)
    _register_kb_questions(kb)


def _register_kb_reading(kb) -> None:
    """`kb list` and `kb show`."""
    @kb.command("list")
    @click.option("--kelompok", type=KELOMPOK)
    @click.option("--drafts", is_flag=True, help="Entries with an unpublished draft (experts).")
    @click.option("--page-size", type=click.IntRange(1, 500), default=100, show_default=True)
    @json_option
    def kb_list(kelompok, drafts, page_size):
        pb = _pb()
        entries, token = [], ""
        while True:
            response = _call("ListEntries", pb.ListEntriesRequest(kelompok=kelompok or "",
                                                                  status="draft" if drafts else "published",
                                                                  page_size=page_size, page_token=token))
            entries += [_dict(e) for e in response.entries]
            token = response.next_page_token
            if not token:
                break
        emit({"entries": entries}, lambda d: table("Knowledge entries", ["id", "judul", "kelompok", "pub", "latest"], [
            [e["entry_id"], e["judul"], ",".join(e["kelompok"]), e["published_version"], e["latest_version"]]
            for e in d["entries"]]))

    @kb.command("show")
    @click.argument("entry_id")
    @click.option("--version", type=int, default=0, help="A version number (default: the current one).")
    @click.option("--history", is_flag=True)
    @json_option
    def kb_show(entry_id, version, history):
        response = _call("GetEntry", _pb().GetEntryRequest(entry_id=entry_id, version=version, history=history))
        emit(_dict(response), _show_version)


def _register_kb_editing(kb) -> None:
    """`kb edit` and `kb publish`: the experts write entries."""
    @kb.command("edit")
    @click.argument("entry_id")
    @click.option("--from", "source", required=True, type=click.Path(allow_dash=True),
                  help="YAML/JSON file with the entry's content.")
    @click.option("--base-version", type=int, default=None,
                  help="The version your edit starts from (default: the latest); 0 creates the entry.")
    @json_option
    def kb_edit(entry_id, source, base_version):
        """Write a new draft version of ENTRY_ID (experts of its job groups)."""
        pb = _pb()
        _, content = _content(source)
        if base_version is None:
            current = _call("GetEntry", pb.GetEntryRequest(entry_id=entry_id, history=True))
            base_version = max([v.version for v in current.history] + [current.entry.version])
        response = _call("EditEntry", pb.EditEntryRequest(entry_id=entry_id, content=content,
                                                          base_version=base_version), write=True)
        emit(_dict(response), _show_version)

    @kb.command("publish")
    @click.argument("entry_id")
    @click.argument("version", type=int)
    @json_option
    def kb_publish(entry_id, version):
        """Publish a draft version (a second expert of the job group, or admin_bkn)."""
        response = _call("PublishEntry", _pb().PublishEntryRequest(entry_id=entry_id, version=version), write=True)
        emit(_dict(response), _show_version)


def _register_kb_questions(kb) -> None:
    """`kb open|answer|duplicate|vote`: open questions and feedback."""
    @kb.command("open")
    @click.option("--kelompok", type=KELOMPOK)
    @json_option
    def kb_open(kelompok):
        """Open questions of your job groups, with similar earlier questions."""
        response = every_page(lambda q: _call("ListOpenQuestions", q),
                              _pb().ListOpenQuestionsRequest(kelompok=kelompok or ""), "questions")

        def human(data):
            for q in data["questions"]:
                click.echo(f"{q['question_id']}  [{q['kelompok']}] {q['asked_at']}\n  {q['pertanyaan']}")
                if q.get("draft_entry_id"):
                    click.echo(f"  draft answer: {q['draft_entry_id']}")
                for s in q.get("similar_questions", []):
                    click.echo(f"  ~ {s['skor']} {s['status']} {s['question_id']}: {s['pertanyaan']}")
            if not data["questions"]:
                click.echo("no open questions")
        emit(_dict(response), human)

    @kb.command("answer")
    @click.argument("question_id")
    @click.option("--from", "source", required=True, type=click.Path(allow_dash=True))
    @click.option("--id", "entry_id", default="", help="Id of the new entry (default: from judul).")
    @json_option
    def kb_answer(question_id, source, entry_id):
        """Answer an open question with a draft entry; publishing it answers the question."""
        file_id, content = _content(source)
        response = _call("AnswerQuestion", _pb().AnswerQuestionRequest(
            question_id=question_id, entry_id=entry_id or file_id or "", content=content), write=True)
        emit(_dict(response), _show_version)

    @kb.command("duplicate")
    @click.argument("question_id")
    @click.option("--entry", "entry_id", default="", help="The entry that already answers it.")
    @click.option("--of", "duplicate_of", default="", help="The earlier question it repeats.")
    @json_option
    def kb_duplicate(question_id, entry_id, duplicate_of):
        response = _call("MarkDuplicate", _pb().MarkDuplicateRequest(
            question_id=question_id, entry_id=entry_id, duplicate_of=duplicate_of), write=True)
        emit(_dict(response))

    @kb.command("vote")
    @click.argument("entry_id")
    @click.option("--helpful/--not-helpful", required=True)
    @click.option("--question", "question_id", default="")
    @json_option
    def kb_vote(entry_id, helpful, question_id):
        response = _call("Vote", _pb().VoteRequest(entry_id=entry_id, helpful=helpful, question_id=question_id),
                         write=True)
        emit(_dict(response))


