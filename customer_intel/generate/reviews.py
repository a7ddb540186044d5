"""Reviews: how many per order, shared review ids, scores that follow the delivery, Portuguese texts."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.forced_quirks import FORCED
from customer_intel.generate.order_chunk import OrderChunk
from customer_intel.generate.purchase_calendar import DAY_SECONDS
from customer_intel.generate.sampling import cdf, expand, pick

SHARED_REVIEW_SHARE = 0.6          # same-session repeat orders reviewed under the previous order's review_id
REVIEW_COUNT_WEIGHTS = (0.0077, 0.9868, 0.0052, 0.0003)   # 0, 1, 2, 3 reviews per order
#: Score mix (scores 1..5) by the order's delivery: on time or early, days late (delivered date minus estimated
#: date) 1-3, 4-7, 8 or more, never delivered. Means 4.28, 3.33, 2.15, 1.70 and 2.53: the real data's 4.2-4.3 on
#: time and about 3.3, 2.1 and 1.7 by lateness (olist-facts.md); the overall mix stays ~ the real one.
SCORE_WEIGHTS_BY_DELIVERY = (
    (0.072, 0.024, 0.080, 0.202, 0.622),     # on time or early
    (0.20, 0.09, 0.18, 0.24, 0.29),          # 1-3 days late
    (0.53, 0.13, 0.12, 0.10, 0.12),          # 4-7 days late
    (0.68, 0.12, 0.08, 0.06, 0.06),          # 8+ days late
    (0.45, 0.10, 0.12, 0.13, 0.20),          # never delivered
)
#: First day late of each lateness band above (days late = delivered date - estimated date).
LATENESS_BAND_STARTS = (1, 4, 8)
MESSAGE_PROBABILITY_BY_SCORE = (0.75, 0.65, 0.50, 0.30, 0.35)
TITLE_PROBABILITY = 0.12
SENTENCES_WEIGHTS = (0.6, 0.3, 0.1)                       # 1, 2, 3 sentences per message
LINE_BREAK_PROBABILITY = 0.25                             # of multi-sentence messages
REVIEW_ANSWER_MEDIAN_DAYS = 1.3

POSITIVE_SENTENCES = (
    "Produto excelente, chegou antes do prazo.", "Recomendo!", "Ótimo produto, entrega rápida.",
    "Muito bom, superou minhas expectativas.", "Chegou tudo certo, bem embalado.", "Adorei, qualidade ótima.",
    "Loja de confiança, recomendo a todos.", "Entrega no prazo, produto conforme anunciado.",
    "Gostei muito do produto.", "Tudo perfeito, obrigado!", "Veio exatamente como na foto.",
    'Produto "original", estou muito satisfeita.', "Rápido e eficiente.", "Parabéns à loja pela atenção.",
    "Comprei para o meu avô, ele adorou.", "Preço justo e ótima qualidade.", "Você pode comprar sem medo.",
)
NEUTRAL_SENTENCES = (
    "Produto bom, mas a entrega demorou.", "Razoável, esperava mais pela descrição.",
    "Chegou com a caixa amassada, mas o produto está ok.", "A cor é um pouco diferente da foto.",
    "Qualidade mediana, preço justo.", 'O tamanho "M" ficou pequeno.', "Ainda não testei, mas parece bom.",
)
NEGATIVE_SENTENCES = (
    "Não recebi o produto até agora.", "Produto veio com defeito, quero a devolução.",
    "Comprei dois, recebi apenas um.", "Péssimo atendimento, ninguém responde.",
    "A entrega atrasou muito, estou aguardando.", "Veio errado, pedi azul e chegou preto.",
    "Não recomendo essa loja.", 'O produto é diferente do anunciado, parece "falsificado".',
    "Ainda não chegou, já passou do prazo de entrega.", "Cancelei a compra e não devolveram o dinheiro.",
)
POSITIVE_TITLES = ("Recomendo", "Ótimo", "Excelente", "Super recomendo", "Muito bom", "Perfeito", "Adorei")
NEUTRAL_TITLES = ("Bom", "Razoável", "Ok", "Poderia ser melhor")
NEGATIVE_TITLES = ("Não recebi", "Péssimo", "Decepcionada", "Produto com defeito", "Não recomendo")
FORCED_REVIEW_MESSAGE = (
    'Produto chegou rápido, mas a embalagem veio "amassada".\r\n'
    "Mesmo assim recomendo, ótimo preço e atenção do vendedor; até a caixa de presente veio ótima."
)


def draw_reviews(rng: np.random.Generator, orders: OrderChunk, first_review_row: int,
                 forced: bool, at_least_one: bool = False) -> dict[str, object]:
    """Review rows; ``at_least_one``: every order has a review (same draws, the zero counts raised to one)."""
    n = orders.size
    count = pick(cdf(REVIEW_COUNT_WEIGHTS), rng.random(n))
    if at_least_one:
        count = np.maximum(count, 1)
    previous_gap = np.diff(orders.purchase, prepend=orders.purchase[:1])
    same_session = (orders.position_in_person > 0) & (previous_gap < DAY_SECONDS)
    shares_previous = same_session & (rng.random(n) < SHARED_REVIEW_SHARE)
    if forced:
        count[:FORCED.forced_orders] = 1
        count[FORCED.two_reviews], count[FORCED.without_review] = 2, 0
        shares_previous[:3] = [False, True, False]
    count[shares_previous] = 1
    count[np.flatnonzero(shares_previous) - 1] = np.maximum(count[np.flatnonzero(shares_previous) - 1], 1)
    own_count = np.where(shares_previous, 0, count)

    owner, position = expand(own_count)
    band = delivery_band(orders)[owner]
    u = rng.random(owner.size)
    score = np.zeros(owner.size, dtype=np.int64)
    for index, weights in enumerate(SCORE_WEIGHTS_BY_DELIVERY):
        score[band == index] = pick(cdf(weights), u[band == index])
    score += 1
    base = np.where(orders.has_delivered, orders.delivered,
                    np.minimum(orders.estimated, orders.purchase + 12 * DAY_SECONDS))
    created_day = base - base % DAY_SECONDS + DAY_SECONDS
    created = created_day[owner] + position * rng.integers(1, 25, owner.size) * DAY_SECONDS
    answered = created + np.rint(
        REVIEW_ANSWER_MEDIAN_DAYS * DAY_SECONDS * np.exp(rng.standard_normal(owner.size))).astype(np.int64)
    titles, messages = _draw_review_texts(rng, score)
    if forced:
        special = np.flatnonzero(owner == FORCED.review_with_special_text)[0]
        score[special], messages[special], titles[special] = 4, FORCED_REVIEW_MESSAGE, "Recomendo, mas..."

    # Shared review ids: the root (first non-sharing order of the chain) lends its first review row.
    own_first_row = np.cumsum(own_count) - own_count
    order_position = np.arange(n)
    root = np.maximum.accumulate(np.where(shares_previous, 0, order_position))
    sharing_orders = np.flatnonzero(shares_previous)
    source_rows = np.concatenate([np.arange(owner.size), own_first_row[root[sharing_orders]]])
    row_order = np.concatenate([owner, sharing_orders])
    sort = np.argsort(row_order, kind="stable")
    source_rows, row_order = source_rows[sort], row_order[sort]
    return {
        "review_row": first_review_row + source_rows, "order": row_order, "score": score[source_rows],
        "title": [titles[i] for i in source_rows.tolist()],
        "message": [messages[i] for i in source_rows.tolist()],
        "created": created[source_rows], "answered": answered[source_rows], "own_rows": owner.size,
    }


def days_late(delivered: np.ndarray, estimated: np.ndarray) -> np.ndarray:
    """Delivered date minus estimated date in days (estimates are at midnight; negative = early)."""
    return (delivered - estimated) // DAY_SECONDS


def delivery_band(orders: OrderChunk) -> np.ndarray:
    """Row of SCORE_WEIGHTS_BY_DELIVERY for each order: 0 on time, 1-3 by lateness band, 4 never delivered."""
    band = np.searchsorted(np.asarray(LATENESS_BAND_STARTS), days_late(orders.delivered, orders.estimated),
                           side="right")
    return np.where(orders.has_delivered, band, len(SCORE_WEIGHTS_BY_DELIVERY) - 1)


def _draw_review_texts(rng: np.random.Generator, score: np.ndarray) -> tuple[list[str], list[str]]:
    size = score.size
    has_message = rng.random(size) < np.asarray(MESSAGE_PROBABILITY_BY_SCORE)[score - 1]
    has_title = rng.random(size) < TITLE_PROBABILITY
    n_sentences = pick(cdf(SENTENCES_WEIGHTS), rng.random(size)) + 1
    line_break = (n_sentences > 1) & (rng.random(size) < LINE_BREAK_PROBABILITY)
    crlf = rng.random(size) < 0.8
    picks = rng.random((size, 3))
    title_pick = rng.random(size)
    sentence_pools = {1: NEGATIVE_SENTENCES, 2: NEGATIVE_SENTENCES, 3: NEUTRAL_SENTENCES,
                      4: POSITIVE_SENTENCES, 5: POSITIVE_SENTENCES}
    title_pools = {1: NEGATIVE_TITLES, 2: NEGATIVE_TITLES, 3: NEUTRAL_TITLES,
                   4: POSITIVE_TITLES, 5: POSITIVE_TITLES}
    titles, messages = [""] * size, [""] * size
    for row in np.flatnonzero(has_message).tolist():
        pool = sentence_pools[int(score[row])]
        sentences = [pool[int(picks[row, k] * len(pool))] for k in range(n_sentences[row])]
        separator = ("\r\n" if crlf[row] else "\n") if line_break[row] else " "
        messages[row] = separator.join(sentences)
    for row in np.flatnonzero(has_title).tolist():
        pool = title_pools[int(score[row])]
        titles[row] = pool[int(title_pick[row] * len(pool))]
    return titles, messages
