"""Helpers of the knowledge-base tests: entries built in memory and files written to disk."""

from __future__ import annotations

from pathlib import Path

from service.knowledge import Entry

GOOD = "id: general/good\nkind: template\ntitle: Good\nlanguage: en\nintents: [other]"
FRONT = "id: {id}\nkind: {kind}\ntitle: {title}\nlanguage: en\nintents: [{intents}]"
OTHER = "Hello {{ buyer_name }},\n\nThis is about order {{ order_id }}: {word}.\n"


def entry(
    entry_id: str,
    title: str,
    body: str,
    *,
    kind: str = "article",
    language: str = "en",
    intents: tuple[str, ...] = ("other",),
    asins: tuple[str, ...] = (),
) -> Entry:
    return Entry(
        id=entry_id,
        kind="template" if kind == "template" else "article",
        title=title,
        language=language,
        intents=intents,
        asins=asins,
        tags=(),
        body=body,
        path=f"{entry_id}.md",
        line=8,
    )


def write_raw(
    root: Path, rel: str, front: str, body: str = "Hello,\n\nOrder {{ order_id }}"
) -> None:
    """A file of the given front matter and body, at `rel` under `root`."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


def write(
    root: Path,
    name: str,
    body: str,
    *,
    kind: str = "template",
    title: str = "Reply",
    intents: str = "other",
) -> Path:
    """An English entry whose id is its path (`name`) without `.md`."""
    path = root / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    front = FRONT.format(id=name, kind=kind, title=title, intents=intents)
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def kb_dir(tmp_path: Path, word: str = "apricot") -> Path:
    """A two-entry knowledge base: the general template (saying `word`) and one article."""
    root = tmp_path / "kb"
    write(root, "general/other", OTHER.format(word=word))
    write(root, "policies/returns", "Returns are accepted within 30 days.", kind="article")
    return root
