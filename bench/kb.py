"""The knowledge base at scale: load 10,000 entry files, reload them, search them."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Result, percentile
from service.knowledge import load_kb
from service.knowledge.render import check_template, compile_template
from service.understand.intents import INTENTS

LANGUAGES = ("en", "de", "fr", "es", "it", "ja")
# Space-separated vocabularies, split where they are used.
WORDS = {
    "en": "order parcel delivery refund return item damaged broken replacement tracking carrier "
    "warranty blender jar lid motor cleaning dishwasher size colour invoice address cancel "
    "week days business package arrived late missing parts instructions",
    "de": "Bestellung Paket Lieferung Erstattung Rücksendung Artikel beschädigt defekt Ersatz "
    "Sendungsverfolgung Garantie Mixer Deckel Motor Reinigung Spülmaschine Größe Rechnung "
    "Adresse stornieren Woche Werktage angekommen verspätet fehlende Teile Anleitung",
    "fr": "commande colis livraison remboursement retour article endommagé cassé remplacement "
    "suivi transporteur garantie mixeur couvercle moteur nettoyage lave-vaisselle taille "
    "facture adresse annuler semaine jours arrivé retard pièces manquantes notice",
    "es": "pedido paquete entrega reembolso devolución artículo dañado roto reemplazo "
    "seguimiento transportista garantía batidora tapa motor limpieza lavavajillas talla "
    "factura dirección cancelar semana días llegado retraso piezas faltan instrucciones",
    "it": "ordine pacco consegna rimborso reso articolo danneggiato rotto sostituzione "
    "tracciamento corriere garanzia frullatore coperchio motore pulizia lavastoviglie taglia "
    "fattura indirizzo annullare settimana giorni arrivato ritardo pezzi mancanti istruzioni",
    "ja": "注文 荷物 配達 返金 返品 商品 破損 故障 交換 追跡 配送業者 保証 ミキサー 蓋 "
    "モーター 掃除 食洗機 サイズ 請求書 住所 キャンセル 週 営業日 到着 遅延 部品 説明書",
}
QUERIES = {
    "en": ["where is my parcel, tracking says delayed", "the jar arrived broken, I want a refund"],
    "de": ["wo ist mein Paket", "der Mixer ist defekt, ich möchte eine Erstattung"],
    "fr": ["où est mon colis", "le couvercle est cassé, remboursement"],
    "es": ["dónde está mi paquete", "la tapa llegó rota, quiero un reembolso"],
    "it": ["dov'è il mio pacco", "il coperchio è arrivato rotto, rimborso"],
    "ja": ["荷物はどこですか", "商品が破損していたので返金してください"],
}


def write_kb(root: Path, n: int = 10_000, seed: int = 0) -> None:
    """n entry files: a third templates, six languages, one in five tied to a product."""
    rng = random.Random(seed)
    asins = [f"B0{rng.randrange(10**8):08d}" for _ in range(300)]
    for i in range(n):
        language = LANGUAGES[i % len(LANGUAGES)]
        words = WORDS[language].split(" ")
        sep = "" if language == "ja" else " "
        kind = "template" if i % 3 == 0 else "article"
        sentences = [sep.join(rng.choices(words, k=rng.randint(6, 14))) for _ in range(6)]
        body = ".\n".join(sentences) + "."
        if kind == "template":
            body = (
                "Hello {% if buyer_name %}{{ buyer_name }}{% endif %},\n\n"
                f"Order {{{{ order_id }}}}. {body}\n"
                "{% if tracking_number %}{{ carrier }} {{ tracking_number }}{% endif %}"
            )
        products = rng.sample(asins, 1) if i % 5 == 0 else []
        front = (
            f"id: bench/{language}/{kind}-{i:05d}\nkind: {kind}\n"
            f"title: {sep.join(rng.choices(words, k=4))}\nlanguage: {language}\n"
            f"intents: [{rng.choice(INTENTS)}]\nasins: [{', '.join(products)}]\ntags: [Bench]"
        )
        path = root / language / f"{i // 500:03d}" / f"entry-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


def bench_load_and_search(n: int = 10_000, searches: int = 2_000) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_kb(root, n)
        check_template.cache_clear()  # a cold start: nothing parsed before
        compile_template.cache_clear()
        started = time.perf_counter()
        kb = load_kb(root)
        load_s = time.perf_counter() - started
        assert len(kb.entries) == n and not kb.errors, kb.errors[:3]
        (root / "en" / "000" / "entry-00000.md").write_text("---\nid: broken\n", encoding="utf-8")
        started = time.perf_counter()
        reloaded = load_kb(root, previous=kb)
        reload_s = time.perf_counter() - started
        assert len(reloaded.entries) == n and reloaded.stale == ("en/000/entry-00000.md",)
    rng = random.Random(1)
    timings = []
    for i in range(searches):
        language = LANGUAGES[i % len(LANGUAGES)]
        query = rng.choice(QUERIES[language])
        asin = kb.entries[rng.randrange(n)].asins[:1] or ("B000000000",)
        started = time.perf_counter()
        kb.search(query, language=language, asin=asin[0], k=5)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p99 = statistics.median(timings), percentile(timings, 99)
    name = f"KB of {n:,} entry files"
    return [
        Result(name, "cold load", load_s, "s", "<= 5 s", load_s <= 5),
        Result(name, "reload, one file broken", reload_s, "s", "reported", True),
        Result(name, "search p50 (language + ASIN filter)", p50, "ms", "<= 5 ms", p50 <= 5),
        Result(name, "search p99", p99, "ms", "reported", True),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {"kb_load_search": bench_load_and_search}
