"""Olist-format synthetic data: the nine Kaggle CSV files, deterministic for a seed, in bounded memory.

The project must run without the real dataset, so this module writes files that a loader cannot tell apart
from the Kaggle originals by format: the same names and headers (from ``olist_files.OLIST_FILES``), the same
quoting habits, BOM and line endings, the same quirks (pytests/test_generate.py checks them) and roughly the same
distributions. Same seed + same number of orders + same ``people_per_chunk`` => byte-identical files.

Approach
--------
Reference tables are pure functions of an index, so any chunk can look them up without a table in memory:

- products ``0 .. n_products-1`` sit in contiguous blocks, one per category (sizes proportional to the item mix,
  the no-category block last); a product's price, weight, sizes, photos and seller come from a counter-based hash
  of ``(seed, field, product index)`` (splitmix64), turned into uniforms/normals with vectorised numpy;
- sellers ``0 .. n_sellers-1`` likewise; a product's seller is a function of its group of four neighbouring
  products, so "another product of the same seller" is a neighbour in the same group;
- zip prefixes come from a small *universe* (at most ~19k, drawn once per seed inside the real CEP range of each
  state); customers, sellers and the geolocation file all use it, so every used prefix has geolocation rows.

Orders are generated person by person, ``people_per_chunk`` people at a time. Each chunk draws everything from
``numpy.random.default_rng([seed, chunk index])``, so results never depend on process state. A person gets a first
purchase time (monthly volumes of the real data, Black Friday, weekday/hour profiles) and, for ~3.6 %, later
orders (many within the same day, the rest months later; those after the last full month are dropped). Orders get
a status, lifecycle timestamps, items, payments that sum to the items, and reviews; the rows are formatted with
vectorised numpy and streamed to the open files. Generation stops at exactly ``n_orders`` orders.

Rare quirks that a 1,000-order sample could miss by chance are forced at fixed positions of the first chunk
(``_Forced``) whenever ``n_orders >= 1000``: a person who orders three times and moves state, an order with no
items, a delivered order with no delivery date, a not_defined payment, the single order without payment, a shared
review id, a review with commas, quotes, accents and line breaks, the last purchase on 2018-10-17, and so on.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from customer_intel.olist_files import BY_TABLE_NAME

# ----------------------------------------------------------------------------------------------------------------
# Sizes
# ----------------------------------------------------------------------------------------------------------------
REAL_ORDERS = 99_441
REAL_PRODUCTS = 32_951
REAL_SELLERS = 3_095
REAL_ZIP_PREFIXES = 19_015
DEFAULT_PEOPLE_PER_CHUNK = 25_000
FORCED_QUIRKS_MIN_ORDERS = 1_000

# ----------------------------------------------------------------------------------------------------------------
# Calendar
# ----------------------------------------------------------------------------------------------------------------
DAY_SECONDS = 86_400
HOUR_SECONDS = 3_600
FIRST_DAY = np.datetime64("2016-09-01", "D")
LAST_PURCHASE_DAY = np.datetime64("2018-10-17", "D")
#: Repeat orders after the last full month (2018-08) are dropped, so 2018-09/10 stay nearly empty as in the data.
REPEAT_CUTOFF = np.datetime64("2018-09-01", "D")
#: Orders placed after this day were all canceled in the real data (the dataset was cut mid-flight).
CANCELED_FROM_DAY = np.datetime64("2018-09-01", "D")
LAST_EVENT = np.datetime64("2018-10-17T17:30:18", "s")

MONTHLY_ORDERS = {
    "2016-09": 4, "2016-10": 324, "2016-11": 0, "2016-12": 1,
    "2017-01": 800, "2017-02": 1780, "2017-03": 2682, "2017-04": 2404, "2017-05": 3700, "2017-06": 3245,
    "2017-07": 4026, "2017-08": 4331, "2017-09": 4285, "2017-10": 4631, "2017-11": 7544, "2017-12": 5673,
    "2018-01": 7269, "2018-02": 6728, "2018-03": 7211, "2018-04": 6939, "2018-05": 6873, "2018-06": 6167,
    "2018-07": 6292, "2018-08": 6512, "2018-09": 16, "2018-10": 4,
}
#: Months with a handful of orders: only these days of the month have purchases.
SPARSE_MONTH_DAYS = {"2016-09": (4, 5, 13, 15), "2016-12": (23,), "2018-10": (1, 3, 16, 17)}
#: Relative day weights inside a month (default 1): the launch week of 2016-10 and Black Friday 2017.
SPECIAL_DAY_WEIGHTS = {
    **{f"2016-10-{d:02d}": 0.0 for d in (1, 2)},
    **{f"2016-10-{d:02d}": 0.04 for d in range(11, 32)},
    "2017-11-20": 1.2, "2017-11-21": 1.2, "2017-11-22": 1.3, "2017-11-23": 1.4, "2017-11-24": 6.0,
    "2017-11-25": 2.6, "2017-11-26": 2.2, "2017-11-27": 2.2, "2017-11-28": 1.9, "2017-11-29": 1.5,
    "2017-11-30": 1.3,
}
WEEKEND_FACTOR = 0.75
#: Orders per hour of day 0..23 (shape of the real data: low 2-6h, flat 10-22h).
HOUR_WEIGHTS = (
    2394, 1170, 510, 272, 206, 188, 502, 1231, 2967, 4785, 6177, 6578,
    5995, 6518, 6569, 6454, 6675, 6150, 5769, 5982, 6193, 6217, 5816, 4123,
)

# ----------------------------------------------------------------------------------------------------------------
# People, statuses, lifecycle
# ----------------------------------------------------------------------------------------------------------------
REPEAT_PROBABILITY = 0.035
EXTRA_ORDERS_ZIPF_EXPONENT = 3.6
MAX_EXTRA_ORDERS = 24
SAME_SESSION_SHARE = 0.40          # repeat orders placed within hours of the previous one
SAME_SESSION_MEAN_SECONDS = 2 * HOUR_SECONDS
SOON_SHARE = 0.15                  # repeat orders 1-10 days later
LATER_MEDIAN_DAYS = 80.0           # the rest: lognormal gap
LATER_SIGMA = 1.0
MOVER_SHARE = 0.08                 # repeaters whose later orders have another address
SHARED_REVIEW_SHARE = 0.6          # same-session repeat orders reviewed under the previous order's review_id

STATUSES = ("delivered", "shipped", "canceled", "unavailable", "invoiced", "processing", "created", "approved")
STATUS_WEIGHTS = (96_478, 1_107, 625, 609, 314, 301, 5, 2)
DELIVERED, SHIPPED, CANCELED, UNAVAILABLE, INVOICED, PROCESSING, CREATED, APPROVED = range(len(STATUSES))
NO_ITEMS_PROBABILITY = {UNAVAILABLE: 1.0, CREATED: 0.8, CANCELED: 0.26}
MISSING_APPROVAL_PROBABILITY = {CANCELED: 0.22, DELIVERED: 1.5e-4}
CARRIER_PROBABILITY_CANCELED = 0.12
DELIVERY_PROBABILITY_CANCELED = 0.01
MISSING_DELIVERY_PROBABILITY_DELIVERED = 8e-5
MISSING_CARRIER_PROBABILITY_DELIVERED = 2e-5

FAST_APPROVAL_MEDIAN_SECONDS = 0.2 * HOUR_SECONDS
SLOW_APPROVAL_MEDIAN_SECONDS = 26 * HOUR_SECONDS
SLOW_APPROVAL_SHARE_NON_BOLETO = 0.10
CARRIER_MEDIAN_DAYS = 1.8
DELIVERY_MEDIAN_DAYS = 10.0
DELIVERY_SIGMA = 0.7
ESTIMATE_MEDIAN_DAYS = 23.0
ESTIMATE_SIGMA = 0.3
DELIVERY_ESTIMATE_CORRELATION = 0.6
SHIPPING_LIMIT_MEDIAN_DAYS = 6.0
SHIPPING_LIMIT_OUTLIER_PROBABILITY = 1e-4
SHIPPING_LIMIT_OUTLIER_WINDOW = (np.datetime64("2020-02-01", "s"), np.datetime64("2020-04-09T22:35:08", "s"))

# ----------------------------------------------------------------------------------------------------------------
# Items and products
# ----------------------------------------------------------------------------------------------------------------
#: Items per order (orders with items), real counts.
ITEMS_PER_ORDER_WEIGHTS = {
    1: 88_863, 2: 7_516, 3: 1_322, 4: 505, 5: 204, 6: 198, 7: 22, 8: 8, 9: 3, 10: 8, 11: 4, 12: 5, 13: 1,
    14: 2, 15: 2, 20: 2, 21: 1,
}
DISTINCT_PRODUCTS_SHARE = 0.30     # multi-item orders with several products (the rest repeat one product)
SAME_SELLER_SHARE = 0.57           # of those, all products from one seller
PRODUCTS_PER_SELLER_GROUP = 4
PRODUCT_POPULARITY_EXPONENT = 1.7  # index inside a category block = size * u**exponent: low indices sell more
SELLER_SKEW_EXPONENT = 1.6
PRICE_SIGMA = 0.74
PRICE_TAIL_SHARE = 0.04            # products priced from a wider lognormal (p99 ~900, max several thousand)
PRICE_TAIL_SIGMA = 1.6
MAX_PRICE = 6_735.00
PRICE_CENT_ENDING_WEIGHTS = (0.45, 0.2, 0.15, 0.2)   # prices ending .90, .99, .00, any cents
FREIGHT_MEDIAN = 16.3
FREIGHT_WEIGHT_LOADING = 0.35
FREIGHT_NOISE_SIGMA = 0.45
ZERO_FREIGHT_PROBABILITY = 0.003
NO_CATEGORY_PRODUCT_SHARE = 0.0185
NO_CATEGORY_ITEM_SHARE = 0.014
MISSING_DIMENSIONS_PER_REAL_PRODUCTS = 2
WEIGHT_MEDIAN_G = 700.0
WEIGHT_SIGMA_BELOW, WEIGHT_SIGMA_ABOVE = 1.08, 1.71
PHOTOS_WEIGHTS = (16_489, 6_263, 3_860, 2_428, 1_484, 968, 343, 192, 105, 95, 46, 35, 10, 5, 3, 2, 1, 1, 1, 1)

#: (category, real items sold, median item price in BRL). 73 categories; two have no English name.
CATEGORIES = (
    ("cama_mesa_banho", 11_115, 79.9), ("beleza_saude", 9_670, 79.9), ("esporte_lazer", 8_641, 78.9),
    ("moveis_decoracao", 8_334, 67.9), ("informatica_acessorios", 7_827, 69.9),
    ("utilidades_domesticas", 6_964, 59.9), ("relogios_presentes", 5_991, 129.0), ("telefonia", 4_545, 30.0),
    ("ferramentas_jardim", 4_347, 59.9), ("automotivo", 4_235, 79.9), ("brinquedos", 4_117, 79.9),
    ("cool_stuff", 3_796, 109.9), ("perfumaria", 3_419, 79.9), ("bebes", 3_065, 89.9),
    ("eletronicos", 2_767, 22.0), ("papelaria", 2_517, 59.9), ("fashion_bolsas_e_acessorios", 2_031, 45.9),
    ("pet_shop", 1_947, 59.9), ("moveis_escritorio", 1_691, 179.9), ("consoles_games", 1_137, 59.9),
    ("malas_acessorios", 1_092, 139.9), ("construcao_ferramentas_construcao", 929, 79.9),
    ("eletrodomesticos", 771, 59.9), ("instrumentos_musicais", 680, 119.9), ("eletroportateis", 679, 179.9),
    ("casa_construcao", 604, 69.9), ("livros_interesse_geral", 553, 44.9), ("alimentos", 510, 39.9),
    ("moveis_sala", 503, 99.9), ("casa_conforto", 434, 89.9), ("bebidas", 379, 39.9), ("audio", 364, 89.9),
    ("market_place", 311, 79.9), ("construcao_ferramentas_iluminacao", 304, 69.9), ("climatizacao", 297, 119.9),
    ("moveis_cozinha_area_de_servico_jantar_e_jardim", 281, 129.9), ("alimentos_bebidas", 278, 39.9),
    ("industria_comercio_e_negocios", 268, 99.9), ("livros_tecnicos", 267, 69.9),
    ("telefonia_fixa", 264, 119.9), ("fashion_calcados", 262, 79.9), ("eletrodomesticos_2", 238, 329.9),
    ("construcao_ferramentas_jardim", 238, 89.9), ("agro_industria_e_comercio", 212, 129.9),
    ("artes", 209, 69.9), ("pcs", 203, 1_099.0), ("sinalizacao_e_seguranca", 199, 89.9),
    ("construcao_ferramentas_seguranca", 194, 99.9), ("artigos_de_natal", 153, 39.9),
    ("fashion_roupa_masculina", 132, 69.9), ("fashion_underwear_e_moda_praia", 131, 39.9),
    ("moveis_quarto", 109, 129.9), ("construcao_ferramentas_ferramentas", 103, 69.9),
    ("tablets_impressao_imagem", 83, 89.9), ("portateis_casa_forno_e_cafe", 76, 449.0), ("cine_foto", 72, 99.9),
    ("dvds_blu_ray", 64, 39.9), ("livros_importados", 60, 44.9), ("fashion_roupa_feminina", 48, 59.9),
    ("artigos_de_festas", 43, 49.9), ("fraldas_higiene", 39, 39.9), ("moveis_colchao_e_estofado", 38, 99.9),
    ("musica", 38, 99.9), ("flores", 33, 29.9), ("fashion_esporte", 30, 49.9), ("casa_conforto_2", 30, 29.9),
    ("artes_e_artesanato", 24, 69.9), ("portateis_cozinha_e_preparadores_de_alimentos", 15, 149.9),
    ("la_cuisine", 14, 149.9), ("cds_dvds_musicais", 14, 49.9), ("pc_gamer", 9, 179.9),
    ("fashion_roupa_infanto_juvenil", 8, 59.9), ("seguros_e_servicos", 2, 149.9),
)
NO_CATEGORY_PRICE_MEDIAN = 69.9

#: The translation file as published: 71 rows, the source's misspellings kept.
CATEGORY_TRANSLATION = (
    ("beleza_saude", "health_beauty"), ("informatica_acessorios", "computers_accessories"),
    ("automotivo", "auto"), ("cama_mesa_banho", "bed_bath_table"), ("moveis_decoracao", "furniture_decor"),
    ("esporte_lazer", "sports_leisure"), ("perfumaria", "perfumery"), ("utilidades_domesticas", "housewares"),
    ("telefonia", "telephony"), ("relogios_presentes", "watches_gifts"), ("alimentos_bebidas", "food_drink"),
    ("bebes", "baby"), ("papelaria", "stationery"), ("tablets_impressao_imagem", "tablets_printing_image"),
    ("brinquedos", "toys"), ("telefonia_fixa", "fixed_telephony"), ("ferramentas_jardim", "garden_tools"),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories"), ("eletroportateis", "small_appliances"),
    ("consoles_games", "consoles_games"), ("audio", "audio"), ("fashion_calcados", "fashion_shoes"),
    ("cool_stuff", "cool_stuff"), ("malas_acessorios", "luggage_accessories"),
    ("climatizacao", "air_conditioning"),
    ("construcao_ferramentas_construcao", "construction_tools_construction"),
    ("moveis_cozinha_area_de_servico_jantar_e_jardim", "kitchen_dining_laundry_garden_furniture"),
    ("construcao_ferramentas_jardim", "costruction_tools_garden"),
    ("fashion_roupa_masculina", "fashion_male_clothing"), ("pet_shop", "pet_shop"),
    ("moveis_escritorio", "office_furniture"), ("market_place", "market_place"), ("eletronicos", "electronics"),
    ("eletrodomesticos", "home_appliances"), ("artigos_de_festas", "party_supplies"),
    ("casa_conforto", "home_confort"), ("construcao_ferramentas_ferramentas", "costruction_tools_tools"),
    ("agro_industria_e_comercio", "agro_industry_and_commerce"),
    ("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery"),
    ("livros_tecnicos", "books_technical"), ("casa_construcao", "home_construction"),
    ("instrumentos_musicais", "musical_instruments"), ("moveis_sala", "furniture_living_room"),
    ("construcao_ferramentas_iluminacao", "construction_tools_lights"),
    ("industria_comercio_e_negocios", "industry_commerce_and_business"), ("alimentos", "food"),
    ("artes", "art"), ("moveis_quarto", "furniture_bedroom"),
    ("livros_interesse_geral", "books_general_interest"),
    ("construcao_ferramentas_seguranca", "construction_tools_safety"),
    ("fashion_underwear_e_moda_praia", "fashion_underwear_beach"), ("fashion_esporte", "fashion_sport"),
    ("sinalizacao_e_seguranca", "signaling_and_security"), ("pcs", "computers"),
    ("artigos_de_natal", "christmas_supplies"), ("fashion_roupa_feminina", "fashio_female_clothing"),
    ("eletrodomesticos_2", "home_appliances_2"), ("livros_importados", "books_imported"),
    ("bebidas", "drinks"), ("cine_foto", "cine_photo"), ("la_cuisine", "la_cuisine"), ("musica", "music"),
    ("casa_conforto_2", "home_comfort_2"), ("portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee"),
    ("cds_dvds_musicais", "cds_dvds_musicals"), ("dvds_blu_ray", "dvds_blu_ray"), ("flores", "flowers"),
    ("artes_e_artesanato", "arts_and_craftmanship"), ("fraldas_higiene", "diapers_and_hygiene"),
    ("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes"),
    ("seguros_e_servicos", "security_and_services"),
)

# ----------------------------------------------------------------------------------------------------------------
# Payments and reviews
# ----------------------------------------------------------------------------------------------------------------
PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")
CREDIT_CARD, BOLETO, VOUCHER, DEBIT_CARD, NOT_DEFINED = range(len(PAYMENT_TYPES))
#: Type of a single-row payment; with the voucher-heavy split payments this gives the real row mix.
SINGLE_PAYMENT_TYPE_WEIGHTS = (0.774, 0.205, 0.005, 0.016, 0.0)
SPLIT_MAIN_CREDIT_SHARE = 0.70     # split payments: first row credit card, else voucher; other rows vouchers
PAYMENT_ROWS_WEIGHTS = {1: 96_479, 2: 2_382, 3: 301, **{k: 84 * 0.7 ** (k - 4) for k in range(4, 30)}}
#: Installments of credit-card rows (real counts, the 1s reduced by the non-card rows that always have 1).
CARD_INSTALLMENT_WEIGHTS = {
    1: 25_430, 2: 12_413, 3: 10_461, 4: 7_098, 5: 5_239, 6: 3_920, 7: 1_626, 8: 4_268, 9: 644, 10: 5_328,
    11: 23, 12: 133, 13: 16, 14: 15, 15: 74, 16: 5, 17: 8, 18: 27, 20: 17, 21: 3, 22: 1, 23: 1, 24: 18,
}
ZERO_INSTALLMENTS_PROBABILITY = 2e-5
ZERO_VOUCHER_PROBABILITY = 0.0015   # of voucher rows in split payments
NOT_DEFINED_PROBABILITY = 0.01     # of canceled orders without items
INTEREST_MISMATCH_PROBABILITY = 0.012  # card orders in installments paying a bit more than the items
NO_ITEMS_PAYMENT_MEDIAN = 100.0

REVIEW_COUNT_WEIGHTS = (0.0077, 0.9868, 0.0052, 0.0003)   # 0, 1, 2, 3 reviews per order
#: Score mix for a good experience (on time) and a bad one (late or never delivered); overall ~ the real mix.
SCORE_WEIGHTS_GOOD = (0.072, 0.024, 0.080, 0.202, 0.622)   # scores 1..5
SCORE_WEIGHTS_BAD = (0.45, 0.10, 0.12, 0.13, 0.20)
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

# ----------------------------------------------------------------------------------------------------------------
# Geography: states (customer share, seller share, CEP ranges, capital lat/lng, spread in degrees), cities
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    code: str
    customer_share: float
    seller_share: float
    cep_ranges: tuple[tuple[int, int], ...]
    capital_lat: float
    capital_lng: float
    spread_degrees: float


STATES = (
    State("SP", 42.6, 59.7, ((1000, 19999),), -23.55, -46.63, 2.0),
    State("RJ", 13.3, 5.5, ((20000, 28999),), -22.91, -43.17, 1.0),
    State("MG", 11.4, 8.0, ((30000, 39999),), -19.92, -43.94, 2.5),
    State("RS", 5.4, 4.0, ((90000, 99999),), -30.03, -51.23, 2.0),
    State("PR", 4.9, 11.0, ((80000, 87999),), -25.43, -49.27, 1.8),
    State("SC", 3.5, 6.0, ((88000, 89999),), -27.59, -48.55, 1.2),
    State("BA", 3.3, 0.7, ((40000, 48999),), -12.97, -38.50, 2.5),
    State("GO", 2.1, 1.3, ((72800, 72999), (73700, 76799)), -16.68, -49.25, 1.8),
    State("ES", 2.0, 0.8, ((29000, 29999),), -20.32, -40.34, 0.8),
    State("DF", 1.9, 1.0, ((70000, 72799), (73000, 73699)), -15.79, -47.88, 0.2),
    State("PE", 1.8, 0.3, ((50000, 56999),), -8.05, -34.93, 1.5),
    State("CE", 1.4, 0.4, ((60000, 63999),), -3.73, -38.52, 1.5),
    State("PA", 1.1, 0.05, ((66000, 68899),), -1.46, -48.50, 2.5),
    State("MT", 0.8, 0.1, ((78000, 78899),), -15.60, -56.10, 2.5),
    State("MA", 0.7, 0.05, ((65000, 65999),), -2.53, -44.30, 2.0),
    State("MS", 0.7, 0.2, ((79000, 79999),), -20.47, -54.62, 2.0),
    State("PB", 0.6, 0.2, ((58000, 58999),), -7.12, -34.90, 0.8),
    State("PI", 0.5, 0.05, ((64000, 64999),), -5.09, -42.80, 1.5),
    State("RN", 0.5, 0.2, ((59000, 59999),), -5.79, -35.25, 0.7),
    State("AL", 0.4, 0.02, ((57000, 57999),), -9.67, -35.78, 0.6),
    State("SE", 0.4, 0.05, ((49000, 49999),), -10.91, -37.10, 0.5),
    State("TO", 0.2, 0.02, ((77000, 77999),), -10.18, -48.33, 2.0),
    State("RO", 0.2, 0.05, ((76800, 76999),), -8.76, -63.90, 2.0),
    State("AM", 0.1, 0.03, ((69000, 69299), (69400, 69899)), -3.12, -60.02, 1.5),
    State("AC", 0.1, 0.02, ((69900, 69999),), -9.97, -67.81, 1.0),
    State("RR", 0.06, 0.02, ((69300, 69399),), 2.82, -60.67, 1.0),
    State("AP", 0.04, 0.02, ((68900, 68999),), 0.03, -51.07, 0.6),
)
BRAZIL_LAT_RANGE = (-33.69, 5.26)
BRAZIL_LNG_RANGE = (-73.98, -34.80)
#: Geolocation points far outside Brazil, as seen in the real file.
FOREIGN_POINTS = ((42.18, -8.72), (45.06, 9.34), (38.38, -9.16), (29.41, -98.48), (19.43, -101.47))
FOREIGN_POINT_PROBABILITY = 3e-5

#: Cities per state, capital first, with relative weights (share of the state's customers).
CITIES = {
    "SP": (("sao paulo", 20), ("campinas", 3.5), ("guarulhos", 2.8), ("sao bernardo do campo", 2.2),
           ("santo andre", 2.0), ("osasco", 1.8), ("santos", 1.7), ("sao jose dos campos", 1.6),
           ("sorocaba", 1.5), ("jundiai", 1.3), ("ribeirao preto", 1.2), ("barueri", 1.0),
           ("mogi das cruzes", 0.9), ("piracicaba", 0.8), ("bauru", 0.7), ("sao jose do rio preto", 0.7),
           ("carapicuiba", 0.6), ("taubate", 0.5), ("maua", 0.5), ("diadema", 0.5), ("limeira", 0.5),
           ("franca", 0.5), ("americana", 0.4), ("indaiatuba", 0.4), ("atibaia", 0.4), ("sao carlos", 0.4),
           ("marilia", 0.4), ("presidente prudente", 0.4), ("aracatuba", 0.3), ("braganca paulista", 0.3)),
    "RJ": (("rio de janeiro", 54), ("niteroi", 8), ("nova iguacu", 4), ("sao goncalo", 4),
           ("duque de caxias", 4), ("petropolis", 2.5), ("campos dos goytacazes", 2.2), ("volta redonda", 2),
           ("macae", 1.6), ("teresopolis", 1.3), ("nova friburgo", 1.3), ("belford roxo", 1.5),
           ("sao joao de meriti", 1.5), ("angra dos reis", 1), ("resende", 1), ("cabo frio", 1),
           ("itaborai", 1), ("mage", 1), ("barra mansa", 1)),
    "MG": (("belo horizonte", 12), ("juiz de fora", 6), ("uberlandia", 6), ("contagem", 4), ("betim", 2.5),
           ("montes claros", 2), ("uberaba", 2), ("pocos de caldas", 1.7), ("divinopolis", 1.7),
           ("ipatinga", 1.5), ("governador valadares", 1.4), ("sete lagoas", 1.3), ("varginha", 1.1),
           ("pouso alegre", 1.1), ("nova lima", 1.0), ("lavras", 1), ("barbacena", 1), ("teofilo otoni", 0.8),
           ("patos de minas", 0.8), ("santa luzia", 0.8), ("itajuba", 0.8)),
    "RS": (("porto alegre", 25), ("caxias do sul", 6), ("pelotas", 4), ("canoas", 4), ("santa maria", 4),
           ("novo hamburgo", 3), ("passo fundo", 3), ("sao leopoldo", 2.5), ("gravatai", 2.5),
           ("rio grande", 2), ("santa cruz do sul", 2), ("bento goncalves", 2), ("viamao", 2),
           ("erechim", 1.5), ("cachoeirinha", 1.5), ("lajeado", 1.5)),
    "PR": (("curitiba", 30), ("londrina", 8), ("maringa", 7), ("ponta grossa", 4), ("cascavel", 4),
           ("foz do iguacu", 3), ("sao jose dos pinhais", 3), ("colombo", 2), ("guarapuava", 2),
           ("toledo", 1.5), ("apucarana", 1.5), ("pinhais", 1.5), ("araucaria", 1.5), ("campo mourao", 1)),
    "SC": (("florianopolis", 15), ("joinville", 10), ("blumenau", 9), ("sao jose", 6), ("itajai", 5),
           ("criciuma", 5), ("chapeco", 4), ("balneario camboriu", 4), ("palhoca", 4), ("jaragua do sul", 3),
           ("lages", 2.5), ("brusque", 2.5), ("tubarao", 2)),
    "BA": (("salvador", 40), ("feira de santana", 7), ("vitoria da conquista", 5), ("lauro de freitas", 4),
           ("ilheus", 3), ("itabuna", 3), ("camacari", 3), ("juazeiro", 2), ("teixeira de freitas", 2),
           ("barreiras", 2), ("porto seguro", 2), ("jequie", 1.5), ("alagoinhas", 1.5)),
    "GO": (("goiania", 45), ("aparecida de goiania", 10), ("anapolis", 9), ("rio verde", 5), ("luziania", 2.5),
           ("aguas lindas de goias", 2), ("valparaiso de goias", 2), ("catalao", 2), ("itumbiara", 2),
           ("jatai", 2), ("trindade", 2), ("formosa", 2)),
    "ES": (("vitoria", 22), ("vila velha", 22), ("serra", 18), ("cariacica", 10),
           ("cachoeiro de itapemirim", 6), ("linhares", 5), ("guarapari", 5), ("colatina", 4),
           ("sao mateus", 3), ("aracruz", 3)),
    "DF": (("brasilia", 75), ("taguatinga", 6), ("ceilandia", 4), ("gama", 3), ("guara", 3), ("sobradinho", 3),
           ("aguas claras", 3), ("samambaia", 3)),
    "PE": (("recife", 40), ("jaboatao dos guararapes", 10), ("olinda", 7), ("paulista", 5), ("caruaru", 5),
           ("petrolina", 5), ("cabo de santo agostinho", 3), ("camaragibe", 3), ("garanhuns", 3),
           ("vitoria de santo antao", 2)),
    "CE": (("fortaleza", 60), ("caucaia", 5), ("juazeiro do norte", 5), ("maracanau", 4), ("sobral", 4),
           ("crato", 3), ("itapipoca", 2), ("maranguape", 2), ("iguatu", 2)),
    "PA": (("belem", 45), ("ananindeua", 12), ("santarem", 7), ("maraba", 6), ("castanhal", 5),
           ("parauapebas", 4), ("paragominas", 3), ("abaetetuba", 2)),
    "MT": (("cuiaba", 40), ("varzea grande", 14), ("rondonopolis", 10), ("sinop", 8), ("tangara da serra", 5),
           ("sorriso", 4), ("primavera do leste", 4), ("lucas do rio verde", 3)),
    "MA": (("sao luis", 40), ("imperatriz", 14), ("caxias", 5), ("timon", 5), ("codo", 3), ("acailandia", 3),
           ("bacabal", 3), ("balsas", 3)),
    "MS": (("campo grande", 55), ("dourados", 12), ("tres lagoas", 7), ("corumba", 5), ("ponta pora", 4),
           ("navirai", 3)),
    "PB": (("joao pessoa", 50), ("campina grande", 20), ("santa rita", 5), ("patos", 5), ("bayeux", 4),
           ("sousa", 3), ("cajazeiras", 3)),
    "PI": (("teresina", 60), ("parnaiba", 10), ("picos", 7), ("floriano", 5), ("piripiri", 4)),
    "RN": (("natal", 55), ("mossoro", 15), ("parnamirim", 12), ("caico", 4), ("sao goncalo do amarante", 4)),
    "AL": (("maceio", 60), ("arapiraca", 15), ("rio largo", 5), ("palmeira dos indios", 4), ("penedo", 3)),
    "SE": (("aracaju", 65), ("nossa senhora do socorro", 8), ("lagarto", 6), ("itabaiana", 6),
           ("sao cristovao", 5)),
    "TO": (("palmas", 45), ("araguaina", 20), ("gurupi", 12), ("porto nacional", 6), ("paraiso do tocantins", 5)),
    "RO": (("porto velho", 45), ("ji-parana", 14), ("ariquemes", 10), ("vilhena", 9), ("cacoal", 9)),
    "AM": (("manaus", 85), ("parintins", 4), ("itacoatiara", 4), ("manacapuru", 4)),
    "AC": (("rio branco", 80), ("cruzeiro do sul", 10), ("sena madureira", 5)),
    "RR": (("boa vista", 90), ("rorainopolis", 5), ("caracarai", 5)),
    "AP": (("macapa", 80), ("santana", 15), ("laranjal do jari", 5)),
}
#: Accented spellings of words in city names (the files mostly use the unaccented form).
ACCENTED_WORDS = {
    "sao": "são", "joao": "joão", "jose": "josé", "goncalo": "gonçalo", "ribeirao": "ribeirão",
    "niteroi": "niterói", "goiania": "goiânia", "brasilia": "brasília", "florianopolis": "florianópolis",
    "belem": "belém", "maceio": "maceió", "luis": "luís", "vitoria": "vitória", "cuiaba": "cuiabá",
    "macapa": "macapá", "jundiai": "jundiaí", "uberlandia": "uberlândia", "maringa": "maringá",
    "itajai": "itajaí", "camacari": "camaçari", "ilheus": "ilhéus", "jequie": "jequié", "anapolis": "anápolis",
    "jatai": "jataí", "aguas": "águas", "luziania": "luziânia", "goias": "goiás", "maracanau": "maracanaú",
    "santarem": "santarém", "maraba": "marabá", "varzea": "várzea", "rondonopolis": "rondonópolis",
    "codo": "codó", "acailandia": "açailândia", "corumba": "corumbá", "pora": "porã", "navirai": "naviraí",
    "mossoro": "mossoró", "caico": "caicó", "indios": "índios", "araguaina": "araguaína", "paraiso": "paraíso",
    "ji-parana": "ji-paraná", "rorainopolis": "rorainópolis", "caracarai": "caracaraí",
    "cristovao": "cristóvão", "tres": "três", "petropolis": "petrópolis", "teresopolis": "teresópolis",
    "macae": "macaé", "mage": "magé", "itaborai": "itaboraí", "divinopolis": "divinópolis",
    "teofilo": "teófilo", "itajuba": "itajubá", "pocos": "poços", "gravatai": "gravataí", "viamao": "viamão",
    "camboriu": "camboriú", "palhoca": "palhoça", "jaragua": "jaraguá", "criciuma": "criciúma",
    "chapeco": "chapecó", "carapicuiba": "carapicuíba", "taubate": "taubaté", "maua": "mauá",
    "marilia": "marília", "braganca": "bragança", "aracatuba": "araçatuba", "parnaiba": "parnaíba",
    "iguacu": "iguaçu", "guara": "guará", "ceilandia": "ceilândia", "jaboatao": "jaboatão", "antao": "antão",
    "andre": "andré", "mourao": "mourão", "catalao": "catalão", "tubarao": "tubarão",
    "araucaria": "araucária",
}
CUSTOMER_CITY_VARIANT_PROBABILITY = 0.002
SELLER_CITY_VARIANT_PROBABILITY = 0.04
GEOLOCATION_ACCENT_PROBABILITY = 0.12
GEOLOCATION_OTHER_VARIANT_PROBABILITY = 0.01
GEOLOCATION_ROWS_MEDIAN = 33.0
GEOLOCATION_ROWS_SIGMA = 1.0
GEOLOCATION_ROWS_MAX = 1_200
GEOLOCATION_DUPLICATE_PROBABILITY = 0.25
GEOLOCATION_PREFIXES_PER_CHUNK = 2_000
#: Share of plain values written quoted in the columns that the Kaggle files quote at random.
RANDOM_QUOTE_PROBABILITY = 0.005
PRODUCTS_PER_WRITE = 100_000

_MASK64 = (1 << 64) - 1
_GOLDEN64 = 0x9E3779B97F4A7C15


# ================================================================================================================
# Counter-based hashing: any table row is a function of (seed, stream, index)
# ================================================================================================================
def _mix64_int(value: int) -> int:
    value &= _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _mix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(30))
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _stream_key(seed: int, stream: str) -> int:
    return _mix64_int(_mix64_int(seed + _GOLDEN64) ^ zlib.crc32(stream.encode("utf-8")))


def hash64(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """splitmix64 of ``(seed, stream, index)``, vectorised: uint64 array shaped like ``index``."""
    counters = np.asarray(index).astype(np.uint64) * np.uint64(_GOLDEN64)
    counters += np.uint64(_stream_key(seed, stream))
    return _mix64(counters)


def hash_uniform(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) floats, one per index."""
    return (hash64(seed, stream, index) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def hash_normal(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """Standard normal floats, one per index (Box-Muller on two hashed uniforms)."""
    radius = np.sqrt(-2.0 * np.log1p(-hash_uniform(seed, stream + "/r", index)))
    return radius * np.cos(2.0 * np.pi * hash_uniform(seed, stream + "/a", index))


def hex_ids(seed: int, kind: str, index: np.ndarray) -> list[str]:
    """32-char lowercase hex ids, a pure function of ``(seed, kind, index)``."""
    index = np.asarray(index)
    words = np.empty((index.size, 2), dtype=">u8")
    words[:, 0] = hash64(seed, kind + "/hi", index)
    words[:, 1] = hash64(seed, kind + "/lo", index)
    text = words.tobytes().hex()
    return [text[start:start + 32] for start in range(0, len(text), 32)]


def _cdf(weights) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return cumulative / cumulative[-1]


def _pick(cdf: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn from a discrete distribution given as a CDF, one per uniform."""
    return np.minimum(np.searchsorted(cdf, uniforms, side="right"), cdf.size - 1)


def _lognormal_from_normal(median: float | np.ndarray, sigma: float, normal: np.ndarray) -> np.ndarray:
    return median * np.exp(sigma * normal)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For variable-length groups: the owner of each row and the row's position inside its group (from 0)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]


def _epoch_seconds(day: np.datetime64) -> int:
    return int(np.datetime64(day, "s").astype(np.int64))


# ================================================================================================================
# Calendar: when orders are placed
# ================================================================================================================
class PurchaseCalendar:
    """Daily purchase probabilities following the real monthly volumes; hour-of-day profile."""

    def __init__(self) -> None:
        days = np.arange(FIRST_DAY, LAST_PURCHASE_DAY + np.timedelta64(1, "D"))
        weights = np.array([self._day_weight(day) for day in days.tolist()])
        months = days.astype("datetime64[M]").astype(str)
        for month, month_total in MONTHLY_ORDERS.items():
            in_month = months == month
            if weights[in_month].sum() > 0:
                weights[in_month] *= month_total / weights[in_month].sum()
        self.day_start_seconds = days.astype("datetime64[s]").astype(np.int64)
        self.open_day = weights > 0
        self.day_cdf = _cdf(weights)
        self.hour_cdf = _cdf(HOUR_WEIGHTS)

    @staticmethod
    def _day_weight(day) -> float:
        month = f"{day.year:04d}-{day.month:02d}"
        if month in SPARSE_MONTH_DAYS:
            return float(day.day in SPARSE_MONTH_DAYS[month])
        weekend = WEEKEND_FACTOR if day.weekday() >= 5 else 1.0
        return weekend * SPECIAL_DAY_WEIGHTS.get(day.isoformat(), 1.0)

    def is_open(self, seconds: np.ndarray) -> np.ndarray:
        """Whether purchases happen on that day (False for 2016-11, most of 2016-12, after the last day...)."""
        day = (seconds - self.day_start_seconds[0]) // DAY_SECONDS
        inside = (day >= 0) & (day < self.open_day.size)
        return inside & self.open_day[np.clip(day, 0, self.open_day.size - 1)]

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Purchase times in epoch seconds."""
        day = _pick(self.day_cdf, rng.random(size))
        hour = _pick(self.hour_cdf, rng.random(size))
        return self.day_start_seconds[day] + hour * HOUR_SECONDS + rng.integers(0, HOUR_SECONDS, size)


# ================================================================================================================
# Geography: the zip-prefix universe shared by customers, sellers and geolocation
# ================================================================================================================
def _accented(city: str) -> str:
    return " ".join(ACCENTED_WORDS.get(word, word) for word in city.split(" "))


def _city_variant(city: str, state_code: str, choice: float) -> str:
    """One of the spellings seen in the files for ``city``; ``choice`` in [0, 1) selects which."""
    variants = [_accented(city), f" {city}", f"{city} ", city.replace(" ", "  ", 1),
                f"{city} - {state_code.lower()}", f"{city}/{state_code.lower()}"]
    if city in ("sao paulo", "rio de janeiro", "belo horizonte"):
        variants.append(state_code.lower())
    return variants[min(int(choice * len(variants)), len(variants) - 1)]


@dataclass(frozen=True)
class City:
    name: str
    state_index: int
    weight: float
    lat: float
    lng: float


def _build_cities() -> tuple[City, ...]:
    """Cities with a fixed location: the capital at its coordinates, others scattered around it (seed-free)."""
    cities = []
    for state_index, state in enumerate(STATES):
        for rank, (name, weight) in enumerate(CITIES[state.code]):
            if rank == 0:
                lat, lng = state.capital_lat, state.capital_lng
            else:
                key = np.array([zlib.crc32(name.encode())])
                lat = state.capital_lat + state.spread_degrees * float(hash_normal(0, "city/lat", key)[0])
                lng = state.capital_lng + state.spread_degrees * float(hash_normal(0, "city/lng", key)[0])
            cities.append(City(name, state_index, weight, lat, lng))
    return tuple(cities)


ALL_CITIES = _build_cities()


class ZipUniverse:
    """The zip prefixes that exist for this seed and size, sorted by state then prefix.

    Prefix counts per state follow the customer mix (at least two per state), drawn without replacement from the
    state's real CEP ranges; inside a state, prefixes are given to cities in order (capital first, as in the real
    CEP plan). Each prefix has a popularity, a centre point and a number of geolocation rows.
    """

    def __init__(self, seed: int, n_prefixes: int) -> None:
        rng = np.random.default_rng([seed & _MASK64, zlib.crc32(b"zip-universe")])
        prefixes, states, cities = [], [], []
        shares = np.array([s.customer_share for s in STATES])
        for state_index, state in enumerate(STATES):
            candidates = np.concatenate([np.arange(lo, hi + 1) for lo, hi in state.cep_ranges])
            count = int(min(candidates.size, max(2, round(n_prefixes * shares[state_index] / shares.sum()))))
            chosen = np.sort(rng.choice(candidates, size=count, replace=False))
            state_cities = [i for i, c in enumerate(ALL_CITIES) if c.state_index == state_index]
            city_cdf = _cdf([ALL_CITIES[i].weight for i in state_cities])
            rank = (np.arange(count) + 0.5) / count
            prefixes.append(chosen)
            states.append(np.full(count, state_index))
            cities.append(np.array(state_cities)[_pick(city_cdf, rank)])
        self.prefix = np.concatenate(prefixes)
        self.state_index = np.concatenate(states)
        self.city_index = np.concatenate(cities)
        self.prefix_text = np.array([f"{p:05d}" for p in self.prefix.tolist()])
        rows = np.arange(self.prefix.size)
        popularity = np.exp(hash_normal(seed, "zip/popularity", rows))
        self.customer_cdf = self._state_weighted_cdf(popularity, [s.customer_share for s in STATES])
        self.seller_cdf = self._state_weighted_cdf(popularity, [s.seller_share for s in STATES])
        city_lat = np.array([c.lat for c in ALL_CITIES])[self.city_index]
        city_lng = np.array([c.lng for c in ALL_CITIES])[self.city_index]
        self.lat = city_lat + 0.04 * hash_normal(seed, "zip/lat", rows)
        self.lng = city_lng + 0.04 * hash_normal(seed, "zip/lng", rows)
        rows_per_prefix = _lognormal_from_normal(
            GEOLOCATION_ROWS_MEDIAN, GEOLOCATION_ROWS_SIGMA, hash_normal(seed, "zip/geo-rows", rows))
        self.geolocation_rows = np.clip(np.rint(rows_per_prefix), 1, GEOLOCATION_ROWS_MAX).astype(np.int64)

    def _state_weighted_cdf(self, popularity: np.ndarray, state_shares) -> np.ndarray:
        state_totals = np.bincount(self.state_index, weights=popularity, minlength=len(STATES))
        weights = np.asarray(state_shares)[self.state_index] * popularity / state_totals[self.state_index]
        return _cdf(weights)

    @property
    def size(self) -> int:
        return int(self.prefix.size)

    def draw_customer_rows(self, uniforms: np.ndarray) -> np.ndarray:
        return _pick(self.customer_cdf, uniforms)

    def draw_seller_rows(self, uniforms: np.ndarray) -> np.ndarray:
        return _pick(self.seller_cdf, uniforms)

    def first_row_of_state(self, state_code: str) -> int:
        state_index = [s.code for s in STATES].index(state_code)
        return int(np.flatnonzero(self.state_index == state_index)[0])

    def city_names(self, rows: np.ndarray) -> list[str]:
        return [ALL_CITIES[i].name for i in self.city_index[rows].tolist()]

    def state_codes(self, rows: np.ndarray) -> list[str]:
        return [STATES[i].code for i in self.state_index[rows].tolist()]


# ================================================================================================================
# Catalogue: products and sellers as pure functions of their index
# ================================================================================================================
def _block_sizes(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer sizes summing to ``total``, proportional to ``shares``, each at least 1 (largest remainder)."""
    exact = shares / shares.sum() * (total - shares.size)
    sizes = np.floor(exact).astype(np.int64) + 1
    remainder_order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    sizes[remainder_order[: total - sizes.sum()]] += 1
    return sizes


class Catalogue:
    """Products in category blocks (no-category block last) and sellers, all computed from an index."""

    def __init__(self, seed: int, n_products: int, n_sellers: int) -> None:
        self.seed = seed
        self.n_products = n_products
        self.n_sellers = n_sellers
        item_counts = np.array([count for _, count, _ in CATEGORIES], dtype=np.float64)
        product_shares = np.append(item_counts / item_counts.sum() * (1 - NO_CATEGORY_PRODUCT_SHARE),
                                   NO_CATEGORY_PRODUCT_SHARE)
        self.block_sizes = _block_sizes(n_products, product_shares)
        self.block_ends = np.cumsum(self.block_sizes)
        self.block_starts = self.block_ends - self.block_sizes
        self.item_block_cdf = _cdf(np.append(item_counts / item_counts.sum() * (1 - NO_CATEGORY_ITEM_SHARE),
                                             NO_CATEGORY_ITEM_SHARE))
        self.block_price_median = np.array([median for _, _, median in CATEGORIES] + [NO_CATEGORY_PRICE_MEDIAN])
        self.no_category_block = len(CATEGORIES)
        missing = max(1, round(n_products * MISSING_DIMENSIONS_PER_REAL_PRODUCTS / REAL_PRODUCTS))
        categorised = int(self.block_starts[self.no_category_block])
        self.missing_dimensions = (np.arange(1, missing + 1) * categorised) // (missing + 1)
        n_groups = -(-n_products // PRODUCTS_PER_SELLER_GROUP)
        self.groups_per_anchor = max(1, n_groups // n_sellers)

    # --- products -----------------------------------------------------------------------------------------------
    def block_of(self, product: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.block_ends, product, side="right")

    def draw_products(self, uniform_block: np.ndarray, uniform_position: np.ndarray) -> np.ndarray:
        """A product for each sold item: category by the item mix, popular (low) indices inside the block."""
        block = _pick(self.item_block_cdf, uniform_block)
        offset = np.floor(self.block_sizes[block] * uniform_position ** PRODUCT_POPULARITY_EXPONENT)
        return self.block_starts[block] + offset.astype(np.int64)

    def sibling_products(self, product: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Another product of the same seller group (the same product if the group has no other member)."""
        group_start = product - product % PRODUCTS_PER_SELLER_GROUP
        group_size = np.minimum(PRODUCTS_PER_SELLER_GROUP, self.n_products - group_start)
        return group_start + (product - group_start + step) % group_size

    def price_cents(self, product: np.ndarray) -> np.ndarray:
        median = self.block_price_median[self.block_of(product)]
        in_tail = hash_uniform(self.seed, "product/price-tail", product) < PRICE_TAIL_SHARE
        normal = hash_normal(self.seed, "product/price", product)
        log_spread = np.where(in_tail, PRICE_TAIL_SIGMA * np.abs(normal), PRICE_SIGMA * normal)
        price = np.minimum(median * np.exp(log_spread), MAX_PRICE)
        reais = np.maximum(np.floor(price), 3)
        ending = _pick(_cdf(PRICE_CENT_ENDING_WEIGHTS), hash_uniform(self.seed, "product/cents", product))
        random_cents = np.floor(hash_uniform(self.seed, "product/cents-free", product) * 100)
        cents = np.choose(ending, (np.full_like(reais, 90), np.full_like(reais, 99),
                                   np.zeros_like(reais), random_cents))
        return (reais * 100 + cents).astype(np.int64)

    def weight_normal(self, product: np.ndarray) -> np.ndarray:
        return hash_normal(self.seed, "product/weight", product)

    def seller_of(self, product: np.ndarray) -> np.ndarray:
        """Every seller anchors one group spread over the index range; other groups go to sellers with skew."""
        group = product // PRODUCTS_PER_SELLER_GROUP
        anchor_seller = group // self.groups_per_anchor
        is_anchor = (group % self.groups_per_anchor == 0) & (anchor_seller < self.n_sellers)
        skewed = np.floor(self.n_sellers * hash_uniform(self.seed, "product/seller", group) ** SELLER_SKEW_EXPONENT)
        return np.where(is_anchor, anchor_seller, skewed.astype(np.int64))

    def product_columns(self, product: np.ndarray) -> list[list[str]]:
        """The products file's columns for a range of product indices."""
        seed = self.seed
        block = self.block_of(product)
        has_category = block != self.no_category_block
        names = [CATEGORIES[b][0] if b < len(CATEGORIES) else "" for b in block.tolist()]
        name_length = np.clip(np.rint(51 + 10 * hash_normal(seed, "product/name-len", product)), 5, 76)
        description_length = np.clip(
            np.rint(_lognormal_from_normal(595, 0.75, hash_normal(seed, "product/desc-len", product))), 4, 3992)
        photos = _pick(_cdf(PHOTOS_WEIGHTS), hash_uniform(seed, "product/photos", product)) + 1
        weight_z = self.weight_normal(product)
        weight = WEIGHT_MEDIAN_G * np.exp(np.where(weight_z < 0, WEIGHT_SIGMA_BELOW, WEIGHT_SIGMA_ABOVE) * weight_z)
        size_z = 0.45 * weight_z
        length = 25 * np.exp(size_z + 0.35 * hash_normal(seed, "product/length", product))
        height = 13 * np.exp(size_z + 0.55 * hash_normal(seed, "product/height", product))
        width = 20 * np.exp(size_z + 0.35 * hash_normal(seed, "product/width", product))
        has_dimensions = ~np.isin(product, self.missing_dimensions)
        return [
            _random_quotes(hex_ids(seed, "product", product), hash_uniform(seed, "quote/product", product)),
            names,
            _integers(name_length, has_category),
            _integers(description_length, has_category),
            _integers(photos, has_category),
            _integers(np.clip(np.rint(weight), 2, 40_425), has_dimensions),
            _integers(np.clip(np.rint(length), 7, 105), has_dimensions),
            _integers(np.clip(np.rint(height), 2, 105), has_dimensions),
            _integers(np.clip(np.rint(width), 6, 118), has_dimensions),
        ]

    # --- sellers ------------------------------------------------------------------------------------------------
    def seller_columns(self, seller: np.ndarray, universe: ZipUniverse) -> list[list[str]]:
        seed = self.seed
        zip_rows = universe.draw_seller_rows(hash_uniform(seed, "seller/zip", seller))
        variant_choice = hash_uniform(seed, "seller/city-variant", seller)
        is_variant = hash_uniform(seed, "seller/city-is-variant", seller) < SELLER_CITY_VARIANT_PROBABILITY
        states = universe.state_codes(zip_rows)
        cities = [
            _city_variant(city, state, choice) if variant else city
            for city, state, choice, variant in zip(universe.city_names(zip_rows), states,
                                                    variant_choice.tolist(), is_variant.tolist())
        ]
        return [
            hex_ids(seed, "seller", seller),
            _random_quotes(universe.prefix_text[zip_rows].tolist(), hash_uniform(seed, "quote/seller", seller)),
            cities,
            states,
        ]


# ================================================================================================================
# Formatting helpers
# ================================================================================================================
def _timestamps(seconds: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS`` strings; empty where ``present`` is False."""
    text = np.datetime_as_string(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), unit="s")
    text = text.astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
    values = text.tolist()
    if present is not None:
        for row in np.flatnonzero(~present).tolist():
            values[row] = ""
    return values


def _money(cents: np.ndarray) -> list[str]:
    return ["%d.%02d" % divmod(value, 100) for value in np.asarray(cents, dtype=np.int64).tolist()]


def _integers(values: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    text = list(map(str, np.asarray(values).astype(np.int64).tolist()))
    if present is not None:
        for row in np.flatnonzero(~present).tolist():
            text[row] = ""
    return text


def _csv_text(value: str) -> str:
    """A free-text field, quoted (with doubled quotes) only when it needs it."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _random_quotes(values: list[str], uniforms: np.ndarray, force_first: bool = False) -> list[str]:
    """Quote a small share of plain values, as the Kaggle files do at random."""
    quoted = uniforms < RANDOM_QUOTE_PROBABILITY
    if force_first and quoted.size:
        quoted[0] = True
    for row in np.flatnonzero(quoted).tolist():
        values[row] = f'"{values[row]}"'
    return values


def _header_line(table_name: str) -> str:
    return ",".join(f'"{name}"' for name in BY_TABLE_NAME[table_name].header)


def _write_rows(stream: TextIO, columns: list[list[str]]) -> int:
    if not columns or not columns[0]:
        return 0
    stream.write("\n".join(map(",".join, zip(*columns))))
    stream.write("\n")
    return len(columns[0])


# ================================================================================================================
# Orders: one chunk of people at a time
# ================================================================================================================
@dataclass(frozen=True)
class _Forced:
    """Fixed positions (orders of the first chunk) where rare quirks are forced when n_orders >= 1000.

    Person 0 owns orders 0-2 (a same-session second order sharing the first one's review, then a third order
    from another state); person 1 owns the next ``heavy_buyer_orders`` orders (the long tail of repeat buying);
    the next ``single_buyers`` people own one order each, so the positions below are orders of one-time buyers
    and can be changed freely. ``forced_orders`` is the end of the whole forced range.
    """
    mover_first_purchase: str = "2018-03-10T10:14:31"
    heavy_buyer_orders: int = 15
    heavy_buyer_first_purchase: str = "2017-01-15T20:41:02"
    heavy_buyer_gap_days: int = 40
    single_buyers: int = 50
    unavailable_no_items: int = 20
    delivered_without_date: int = 21
    created_without_approval: int = 22
    split_payment: int = 23
    zero_payment_value: int = 24
    not_defined_payment: int = 25
    without_payment: int = 26
    two_reviews: int = 27
    without_review: int = 28
    review_with_special_text: int = 29
    last_purchase: int = 30
    several_sellers: int = 31
    shipping_limit_outlier: int = 32
    zero_installments: int = 33
    last_purchase_time: str = "2018-10-17T17:30:18"
    shipping_limit_time: str = "2020-04-09T22:35:08"

    @property
    def first_single_order(self) -> int:
        return 3 + self.heavy_buyer_orders

    @property
    def forced_orders(self) -> int:
        return self.first_single_order + self.single_buyers


FORCED = _Forced()


@dataclass
class _OrderChunk:
    """Per-order arrays of one chunk (positions 0..n-1; global index = first_order + position)."""
    first_order: int
    person: np.ndarray            # global person index
    position_in_person: np.ndarray
    purchase: np.ndarray          # epoch seconds
    zip_row: np.ndarray           # row of the zip universe
    status: np.ndarray | None = None
    approved: np.ndarray | None = None
    carrier: np.ndarray | None = None
    delivered: np.ndarray | None = None
    estimated: np.ndarray | None = None
    has_approved: np.ndarray | None = None
    has_carrier: np.ndarray | None = None
    has_delivered: np.ndarray | None = None
    main_payment_type: np.ndarray | None = None
    payment_rows: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.purchase.size)

    @property
    def global_index(self) -> np.ndarray:
        return self.first_order + np.arange(self.size)


class OrderGenerator:
    """Draws people, their orders and everything hanging off an order, one chunk at a time."""

    def __init__(self, seed: int, n_orders: int, catalogue: Catalogue, universe: ZipUniverse) -> None:
        self.seed = seed
        self.n_orders = n_orders
        self.catalogue = catalogue
        self.universe = universe
        self.calendar = PurchaseCalendar()
        self.repeat_cutoff = _epoch_seconds(REPEAT_CUTOFF)
        self.canceled_from = _epoch_seconds(CANCELED_FROM_DAY)
        self.status_cdf = _cdf(STATUS_WEIGHTS)
        self.items_cdf = _cdf(list(ITEMS_PER_ORDER_WEIGHTS.values()))
        self.items_values = np.array(list(ITEMS_PER_ORDER_WEIGHTS))
        self.payment_rows_cdf = _cdf(list(PAYMENT_ROWS_WEIGHTS.values()))
        self.payment_rows_values = np.array(list(PAYMENT_ROWS_WEIGHTS))
        self.installments_cdf = _cdf(list(CARD_INSTALLMENT_WEIGHTS.values()))
        self.installments_values = np.array(list(CARD_INSTALLMENT_WEIGHTS))

    # --- people and order times ---------------------------------------------------------------------------------
    def draw_orders(self, rng: np.random.Generator, first_person: int, first_order: int, n_people: int,
                    forced: bool) -> _OrderChunk:
        first_purchase = self.calendar.draw(rng, n_people)
        is_repeater = rng.random(n_people) < REPEAT_PROBABILITY
        extra = np.minimum(rng.zipf(EXTRA_ORDERS_ZIPF_EXPONENT, n_people), MAX_EXTRA_ORDERS) * is_repeater
        moves = is_repeater & (rng.random(n_people) < MOVER_SHARE)
        home_row = self.universe.draw_customer_rows(rng.random(n_people))
        new_home_row = self.universe.draw_customer_rows(rng.random(n_people))
        if forced:
            self._force_people(first_purchase, extra, moves, home_row, new_home_row)

        owner, position = _expand(1 + extra)
        gaps = np.where(position > 0, self._draw_repeat_gaps(rng, owner.size), 0)
        elapsed = np.cumsum(gaps)
        starts = np.cumsum(1 + extra) - (1 + extra)
        purchase = first_purchase[owner] + elapsed - elapsed[starts][owner]
        if forced:
            self._force_purchase_times(purchase)
        keep = (position == 0) | ((purchase < self.repeat_cutoff) & self.calendar.is_open(purchase))
        keep &= np.cumsum(keep) <= self.n_orders - first_order
        owner, position, purchase = owner[keep], position[keep], purchase[keep]
        zip_row = np.where(moves[owner] & (position > 0), new_home_row[owner], home_row[owner])
        return _OrderChunk(first_order, first_person + owner, position, purchase, zip_row)

    def _draw_repeat_gaps(self, rng: np.random.Generator, size: int) -> np.ndarray:
        kind = rng.random(size)
        same_session = rng.exponential(SAME_SESSION_MEAN_SECONDS, size)
        soon = rng.uniform(1, 10, size) * DAY_SECONDS
        later = LATER_MEDIAN_DAYS * DAY_SECONDS * np.exp(LATER_SIGMA * rng.standard_normal(size))
        gap = np.where(kind < SAME_SESSION_SHARE, same_session,
                       np.where(kind < SAME_SESSION_SHARE + SOON_SHARE, soon, later))
        return np.rint(gap).astype(np.int64) + 60

    def _force_people(self, first_purchase, extra, moves, home_row, new_home_row) -> None:
        first_purchase[0] = _epoch_seconds(np.datetime64(FORCED.mover_first_purchase))
        extra[0], moves[0] = 2, True
        home_row[0] = self.universe.first_row_of_state("SP")
        new_home_row[0] = self.universe.first_row_of_state("RJ")
        extra[1], moves[1] = FORCED.heavy_buyer_orders - 1, False
        extra[2:FORCED.single_buyers + 2] = 0

    @staticmethod
    def _force_purchase_times(purchase: np.ndarray) -> None:
        purchase[1] = purchase[0] + 1_260                     # same session as order 0
        purchase[2] = purchase[0] + 45 * DAY_SECONDS + 7_321
        heavy_first = _epoch_seconds(np.datetime64(FORCED.heavy_buyer_first_purchase))
        visits = np.arange(FORCED.heavy_buyer_orders)
        purchase[3:FORCED.first_single_order] = heavy_first + visits * (FORCED.heavy_buyer_gap_days * DAY_SECONDS
                                                                        + 3_671)
        purchase[FORCED.last_purchase] = _epoch_seconds(np.datetime64(FORCED.last_purchase_time))

    # --- status and lifecycle -----------------------------------------------------------------------------------
    def draw_status(self, rng: np.random.Generator, orders: _OrderChunk, forced: bool) -> None:
        status = _pick(self.status_cdf, rng.random(orders.size))
        status[orders.purchase >= self.canceled_from] = CANCELED
        if forced:
            status[:FORCED.first_single_order] = DELIVERED
            status[FORCED.unavailable_no_items] = UNAVAILABLE
            status[FORCED.delivered_without_date] = DELIVERED
            status[FORCED.created_without_approval] = CREATED
            status[FORCED.not_defined_payment] = CANCELED
            status[FORCED.last_purchase] = CANCELED
            for position in (FORCED.split_payment, FORCED.zero_payment_value, FORCED.two_reviews,
                             FORCED.review_with_special_text, FORCED.several_sellers,
                             FORCED.shipping_limit_outlier, FORCED.zero_installments, FORCED.without_payment):
                status[position] = DELIVERED
        orders.status = status

    def draw_payment_plan(self, rng: np.random.Generator, orders: _OrderChunk, forced: bool) -> None:
        """How many payment rows each order has and the type of its first row (needed for approval delays)."""
        rows = self.payment_rows_values[_pick(self.payment_rows_cdf, rng.random(orders.size))]
        single_type = _pick(_cdf(SINGLE_PAYMENT_TYPE_WEIGHTS), rng.random(orders.size))
        split_type = np.where(rng.random(orders.size) < SPLIT_MAIN_CREDIT_SHARE, CREDIT_CARD, VOUCHER)
        main_type = np.where(rows == 1, single_type, split_type)
        not_defined = (orders.status == CANCELED) & (rng.random(orders.size) < NOT_DEFINED_PROBABILITY)
        if forced:
            rows[:FORCED.forced_orders] = 1
            main_type[:FORCED.forced_orders] = CREDIT_CARD
            not_defined[:FORCED.forced_orders] = False
            not_defined[FORCED.not_defined_payment] = True
            rows[FORCED.split_payment] = 3
            rows[FORCED.zero_payment_value] = 2
            rows[FORCED.without_payment] = 0
        rows[not_defined] = 1
        main_type[not_defined] = NOT_DEFINED
        orders.payment_rows, orders.main_payment_type = rows, main_type

    def draw_lifecycle(self, rng: np.random.Generator, orders: _OrderChunk, forced: bool) -> None:
        n, status = orders.size, orders.status
        slow = (orders.main_payment_type == BOLETO) | (rng.random(n) < SLOW_APPROVAL_SHARE_NON_BOLETO)
        approval_delay = np.where(
            slow, SLOW_APPROVAL_MEDIAN_SECONDS * np.exp(0.5 * rng.standard_normal(n)),
            FAST_APPROVAL_MEDIAN_SECONDS * np.exp(1.0 * rng.standard_normal(n)))
        approved = orders.purchase + np.rint(approval_delay).astype(np.int64)
        carrier = approved + np.rint(
            CARRIER_MEDIAN_DAYS * DAY_SECONDS * np.exp(0.8 * rng.standard_normal(n))).astype(np.int64)
        estimate_z, delivery_z = rng.standard_normal(n), rng.standard_normal(n)
        correlated_z = (DELIVERY_ESTIMATE_CORRELATION * estimate_z
                        + np.sqrt(1 - DELIVERY_ESTIMATE_CORRELATION ** 2) * delivery_z)
        delivered = orders.purchase + np.rint(
            DELIVERY_MEDIAN_DAYS * DAY_SECONDS * np.exp(DELIVERY_SIGMA * correlated_z)).astype(np.int64)
        delivered = np.maximum(delivered, carrier + rng.integers(3 * HOUR_SECONDS, 2 * DAY_SECONDS, n))
        delivered = np.minimum(delivered, int(LAST_EVENT.astype(np.int64)))
        estimate_days = np.maximum(np.rint(ESTIMATE_MEDIAN_DAYS * np.exp(ESTIMATE_SIGMA * estimate_z)), 2)
        purchase_day = orders.purchase - orders.purchase % DAY_SECONDS
        estimated = purchase_day + estimate_days.astype(np.int64) * DAY_SECONDS

        u = rng.random((3, n))
        is_delivered, is_canceled = status == DELIVERED, status == CANCELED
        has_approved = status != CREATED
        has_approved &= ~(is_canceled & (u[0] < MISSING_APPROVAL_PROBABILITY[CANCELED]))
        has_approved &= ~(is_delivered & (u[0] < MISSING_APPROVAL_PROBABILITY[DELIVERED]))
        has_carrier = (is_delivered & (u[1] >= MISSING_CARRIER_PROBABILITY_DELIVERED)) | (status == SHIPPED)
        has_carrier |= is_canceled & (u[1] < CARRIER_PROBABILITY_CANCELED)
        has_delivered = is_delivered & (u[2] >= MISSING_DELIVERY_PROBABILITY_DELIVERED)
        has_delivered |= is_canceled & has_carrier & (u[2] < DELIVERY_PROBABILITY_CANCELED)
        if forced:
            has_delivered[FORCED.delivered_without_date] = False
            for position in range(FORCED.forced_orders):
                if position != FORCED.delivered_without_date and is_delivered[position]:
                    has_approved[position] = has_carrier[position] = has_delivered[position] = True
        orders.approved, orders.carrier, orders.delivered, orders.estimated = approved, carrier, delivered, estimated
        orders.has_approved, orders.has_carrier, orders.has_delivered = has_approved, has_carrier, has_delivered

    # --- items --------------------------------------------------------------------------------------------------
    def draw_items(self, rng: np.random.Generator, orders: _OrderChunk, forced: bool) -> dict[str, np.ndarray]:
        n = orders.size
        no_items_probability = np.zeros(n)
        for status, probability in NO_ITEMS_PROBABILITY.items():
            no_items_probability[orders.status == status] = probability
        count = self.items_values[_pick(self.items_cdf, rng.random(n))]
        count[rng.random(n) < no_items_probability] = 0
        count[orders.main_payment_type == NOT_DEFINED] = 0
        distinct = rng.random(n) < DISTINCT_PRODUCTS_SHARE
        same_seller = rng.random(n) < SAME_SELLER_SHARE
        if forced:
            count[:FORCED.forced_orders] = np.maximum(count[:FORCED.forced_orders], 1)
            for position in (FORCED.unavailable_no_items, FORCED.created_without_approval,
                             FORCED.not_defined_payment):
                count[position] = 0
            count[FORCED.split_payment] = 1
            count[FORCED.several_sellers] = 3
            distinct[FORCED.several_sellers], same_seller[FORCED.several_sellers] = True, False

        order, item_position = _expand(count)
        catalogue = self.catalogue
        first_product = catalogue.draw_products(rng.random(n), rng.random(n))
        other_product = catalogue.draw_products(rng.random(order.size), rng.random(order.size))
        if forced:   # products anchoring sellers 0, 1 and 2: three products, three sellers
            rows = np.flatnonzero(order == FORCED.several_sellers)
            other_product[rows] = np.arange(3) * catalogue.groups_per_anchor * PRODUCTS_PER_SELLER_GROUP
        sibling = catalogue.sibling_products(first_product[order], item_position)
        product = np.where(item_position == 0, first_product[order],
                           np.where(~distinct[order], first_product[order],
                                    np.where(same_seller[order], sibling, other_product)))
        if forced:
            product[rows] = other_product[rows]

        shipping_limit = orders.purchase + np.rint(
            SHIPPING_LIMIT_MEDIAN_DAYS * DAY_SECONDS * np.exp(0.25 * rng.standard_normal(n))).astype(np.int64)
        outlier = rng.random(n) < SHIPPING_LIMIT_OUTLIER_PROBABILITY
        if forced:
            outlier[FORCED.shipping_limit_outlier] = True
        low, high = (int(t.astype(np.int64)) for t in SHIPPING_LIMIT_OUTLIER_WINDOW)
        shipping_limit = np.where(outlier, rng.integers(low, high + 1, n), shipping_limit)
        if forced:
            shipping_limit[FORCED.shipping_limit_outlier] = _epoch_seconds(np.datetime64(FORCED.shipping_limit_time))

        freight_z = (FREIGHT_WEIGHT_LOADING * catalogue.weight_normal(product)
                     + FREIGHT_NOISE_SIGMA * rng.standard_normal(order.size))
        freight_cents = np.rint(FREIGHT_MEDIAN * 100 * np.exp(freight_z)).astype(np.int64)
        freight_cents[rng.random(order.size) < ZERO_FREIGHT_PROBABILITY] = 0
        return {
            "order": order, "item_id": item_position + 1, "product": product,
            "seller": catalogue.seller_of(product), "shipping_limit": shipping_limit[order],
            "price_cents": catalogue.price_cents(product), "freight_cents": freight_cents,
        }

    # --- payments -----------------------------------------------------------------------------------------------
    def draw_payments(self, rng: np.random.Generator, orders: _OrderChunk, items: dict[str, np.ndarray],
                      forced: bool) -> dict[str, np.ndarray]:
        n = orders.size
        item_total = np.bincount(items["order"], weights=items["price_cents"] + items["freight_cents"],
                                 minlength=n).astype(np.int64)
        has_items = np.bincount(items["order"], minlength=n) > 0
        unpaid_total = np.rint(NO_ITEMS_PAYMENT_MEDIAN * 100 * np.exp(0.8 * rng.standard_normal(n)))
        total = np.where(has_items, item_total, unpaid_total.astype(np.int64))
        main_type = orders.main_payment_type
        installments_first = self.installments_values[_pick(self.installments_cdf, rng.random(n))]
        mismatch = ((main_type == CREDIT_CARD) & (installments_first > 1)
                    & (rng.random(n) < INTEREST_MISMATCH_PROBABILITY))
        if forced:
            mismatch[:FORCED.forced_orders] = False
        total = np.where(mismatch, np.rint(total * rng.uniform(1.01, 1.08, n)).astype(np.int64), total)
        total[main_type == NOT_DEFINED] = 0

        order, sequence = _expand(orders.payment_rows)
        payment_type = np.where(sequence == 0, main_type[order], VOUCHER)
        share = rng.random(order.size) + 0.2
        share[sequence == 0] += orders.payment_rows[order][sequence == 0]   # the main payment carries most
        zero_voucher = (sequence > 0) & (rng.random(order.size) < ZERO_VOUCHER_PROBABILITY)
        if forced:
            zero_voucher[order == FORCED.split_payment] = False
            zero_voucher[(order == FORCED.zero_payment_value) & (sequence == 1)] = True
        share[zero_voucher] = 0.0
        share_total = np.bincount(order, weights=share, minlength=n)
        cents = np.floor(total[order] * share / share_total[order]).astype(np.int64)
        remainder = total - np.bincount(order, weights=cents, minlength=n).astype(np.int64)
        cents[sequence == 0] += remainder[order[sequence == 0]]

        is_card = payment_type == CREDIT_CARD
        installments = np.where(is_card & (sequence == 0), installments_first[order], 1)
        installments = np.where(is_card & (sequence > 0),
                                self.installments_values[_pick(self.installments_cdf, rng.random(order.size))],
                                installments)
        installments[is_card & (rng.random(order.size) < ZERO_INSTALLMENTS_PROBABILITY)] = 0
        if forced:
            installments[(order == FORCED.zero_installments) & (sequence == 0)] = 0
        return {"order": order, "sequential": sequence + 1, "type": payment_type,
                "installments": installments, "value_cents": cents}

    # --- reviews ------------------------------------------------------------------------------------------------
    def draw_reviews(self, rng: np.random.Generator, orders: _OrderChunk, first_review_row: int,
                     forced: bool) -> dict[str, object]:
        n = orders.size
        count = _pick(_cdf(REVIEW_COUNT_WEIGHTS), rng.random(n))
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

        owner, position = _expand(own_count)
        bad_experience = ~orders.has_delivered | (orders.delivered > orders.estimated + DAY_SECONDS)
        score = np.where(bad_experience[owner],
                         _pick(_cdf(SCORE_WEIGHTS_BAD), rng.random(owner.size)),
                         _pick(_cdf(SCORE_WEIGHTS_GOOD), rng.random(owner.size))) + 1
        base = np.where(orders.has_delivered, orders.delivered,
                        np.minimum(orders.estimated, orders.purchase + 12 * DAY_SECONDS))
        created_day = base - base % DAY_SECONDS + DAY_SECONDS
        created = created_day[owner] + position * rng.integers(1, 25, owner.size) * DAY_SECONDS
        answered = created + np.rint(
            REVIEW_ANSWER_MEDIAN_DAYS * DAY_SECONDS * np.exp(rng.standard_normal(owner.size))).astype(np.int64)
        titles, messages = self._draw_review_texts(rng, score)
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

    @staticmethod
    def _draw_review_texts(rng: np.random.Generator, score: np.ndarray) -> tuple[list[str], list[str]]:
        size = score.size
        has_message = rng.random(size) < np.asarray(MESSAGE_PROBABILITY_BY_SCORE)[score - 1]
        has_title = rng.random(size) < TITLE_PROBABILITY
        n_sentences = _pick(_cdf(SENTENCES_WEIGHTS), rng.random(size)) + 1
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


# ================================================================================================================
# Writing
# ================================================================================================================
@dataclass(frozen=True)
class Scale:
    """Sizes of the reference tables for a number of orders."""
    n_orders: int
    n_products: int
    n_sellers: int
    n_zip_prefixes: int

    @classmethod
    def for_orders(cls, n_orders: int) -> Scale:
        return cls(
            n_orders=n_orders,
            n_products=max(150, round(n_orders * REAL_PRODUCTS / REAL_ORDERS)),
            n_sellers=max(40, round(n_orders * REAL_SELLERS / REAL_ORDERS)),
            n_zip_prefixes=min(REAL_ZIP_PREFIXES, max(300, round(n_orders * REAL_ZIP_PREFIXES / REAL_ORDERS))),
        )


class _Files:
    """The open output files, headers written on open."""
    STREAMED = ("customers", "orders", "order_items", "order_payments", "order_reviews")

    def __init__(self, out_dir: Path) -> None:
        self.streams: dict[str, TextIO] = {}
        self.rows: dict[str, int] = {}
        for table in self.STREAMED:
            self.streams[table] = self._open(out_dir, table)

    def _open(self, out_dir: Path, table: str) -> TextIO:
        stream = open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="")
        stream.write(_header_line(table) + "\n")
        self.rows[table] = 0
        return stream

    def write(self, table: str, columns: list[list[str]]) -> None:
        self.rows[table] += _write_rows(self.streams[table], columns)

    def close(self) -> None:
        for stream in self.streams.values():
            stream.close()


def _write_order_chunk(files: _Files, seed: int, orders: _OrderChunk, items, payments, reviews,
                       universe: ZipUniverse, rng: np.random.Generator, first_chunk: bool) -> None:
    n = orders.size
    order_ids = hex_ids(seed, "order", orders.global_index)
    customer_ids = hex_ids(seed, "customer", orders.global_index)

    cities = universe.city_names(orders.zip_row)
    states = universe.state_codes(orders.zip_row)
    variant = rng.random(n) < CUSTOMER_CITY_VARIANT_PROBABILITY
    choices = rng.random(n)
    for row in np.flatnonzero(variant).tolist():
        cities[row] = _city_variant(cities[row], states[row], float(choices[row]))
    files.write("customers", [
        _random_quotes(list(customer_ids), rng.random(n)),
        hex_ids(seed, "person", orders.person),
        _random_quotes(universe.prefix_text[orders.zip_row].tolist(), rng.random(n), force_first=first_chunk),
        cities, states,
    ])
    files.write("orders", [
        _random_quotes(list(order_ids), rng.random(n), force_first=first_chunk),
        customer_ids,
        [STATUSES[s] for s in orders.status.tolist()],
        _timestamps(orders.purchase),
        _timestamps(orders.approved, orders.has_approved),
        _timestamps(orders.carrier, orders.has_carrier),
        _timestamps(orders.delivered, orders.has_delivered),
        _timestamps(orders.estimated),
    ])
    product_index = items["product"]
    files.write("order_items", [
        [order_ids[i] for i in items["order"].tolist()],
        _integers(items["item_id"]),
        _random_quotes(hex_ids(seed, "product", product_index), rng.random(product_index.size)),
        hex_ids(seed, "seller", items["seller"]),
        _timestamps(items["shipping_limit"]),
        _money(items["price_cents"]),
        _money(items["freight_cents"]),
    ])
    files.write("order_payments", [
        _random_quotes([order_ids[i] for i in payments["order"].tolist()], rng.random(payments["order"].size)),
        _integers(payments["sequential"]),
        [PAYMENT_TYPES[t] for t in payments["type"].tolist()],
        _integers(payments["installments"]),
        _money(payments["value_cents"]),
    ])
    files.write("order_reviews", [
        _random_quotes(hex_ids(seed, "review", reviews["review_row"]), rng.random(reviews["order"].size)),
        [order_ids[i] for i in reviews["order"].tolist()],
        _integers(reviews["score"]),
        list(map(_csv_text, reviews["title"])),
        list(map(_csv_text, reviews["message"])),
        _timestamps(reviews["created"]),
        _timestamps(reviews["answered"]),
    ])


def _write_reference_table(out_dir: Path, table: str, total: int, batch: int,
                           columns_for: Callable[[np.ndarray], list[list[str]]]) -> int:
    rows = 0
    with open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="") as stream:
        stream.write(_header_line(table) + "\n")
        for start in range(0, total, batch):
            rows += _write_rows(stream, columns_for(np.arange(start, min(total, start + batch))))
    return rows


def _write_translation(out_dir: Path) -> int:
    lines = [_header_line("product_category_name_translation")]
    lines += [f"{portuguese},{english}" for portuguese, english in CATEGORY_TRANSLATION]
    path = out_dir / BY_TABLE_NAME["product_category_name_translation"].file_name
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(CATEGORY_TRANSLATION)


def _geolocation_columns(seed: int, universe: ZipUniverse, prefix_rows: np.ndarray, chunk_index: int
                         ) -> list[list[str]]:
    rng = np.random.default_rng([seed & _MASK64, zlib.crc32(b"geolocation"), chunk_index])
    prefix_row, position = _expand(universe.geolocation_rows[prefix_rows])
    prefix_row = prefix_rows[prefix_row]
    n = prefix_row.size
    lat = universe.lat[prefix_row] + 0.012 * rng.standard_normal(n)
    lng = universe.lng[prefix_row] + 0.012 * rng.standard_normal(n)
    lat = np.clip(lat, *BRAZIL_LAT_RANGE)
    lng = np.clip(lng, *BRAZIL_LNG_RANGE)
    city_choice = rng.random(n)
    variant_choice = rng.random(n)
    # Exact duplicates: a row repeats the last original row of its prefix.
    duplicate = (position > 0) & (rng.random(n) < GEOLOCATION_DUPLICATE_PROBABILITY)
    source = np.maximum.accumulate(np.where(duplicate, 0, np.arange(n)))
    lat, lng, city_choice, variant_choice = lat[source], lng[source], city_choice[source], variant_choice[source]
    foreign = rng.random(n) < FOREIGN_POINT_PROBABILITY
    if chunk_index == 0:
        foreign[[min(5, n - 1), min(40, n - 1)]] = True
    foreign_pick = rng.integers(0, len(FOREIGN_POINTS), n)
    foreign_points = np.array(FOREIGN_POINTS)
    lat = np.where(foreign, foreign_points[foreign_pick, 0] + 0.01 * rng.standard_normal(n), lat)
    lng = np.where(foreign, foreign_points[foreign_pick, 1] + 0.01 * rng.standard_normal(n), lng)

    cities = universe.city_names(prefix_row)
    states = universe.state_codes(prefix_row)
    accent = city_choice < GEOLOCATION_ACCENT_PROBABILITY
    other = ~accent & (city_choice < GEOLOCATION_ACCENT_PROBABILITY + GEOLOCATION_OTHER_VARIANT_PROBABILITY)
    for row in np.flatnonzero(accent).tolist():
        cities[row] = _accented(cities[row])
    for row in np.flatnonzero(other).tolist():
        cities[row] = _city_variant(cities[row], states[row], float(variant_choice[row]))
    return [
        _random_quotes(universe.prefix_text[prefix_row].tolist(), rng.random(n), force_first=chunk_index == 0),
        list(map(repr, lat.tolist())),
        list(map(repr, lng.tolist())),
        cities,
        states,
    ]


def _write_geolocation(out_dir: Path, seed: int, universe: ZipUniverse) -> int:
    rows = 0
    table = "geolocation"
    with open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="") as stream:
        stream.write(_header_line(table) + "\n")
        for chunk_index, start in enumerate(range(0, universe.size, GEOLOCATION_PREFIXES_PER_CHUNK)):
            prefix_rows = np.arange(start, min(universe.size, start + GEOLOCATION_PREFIXES_PER_CHUNK))
            rows += _write_rows(stream, _geolocation_columns(seed, universe, prefix_rows, chunk_index))
    return rows


def _write_orders(out_dir: Path, seed: int, n_orders: int, people_per_chunk: int, catalogue: Catalogue,
                  universe: ZipUniverse, progress: Callable[[int], None] | None) -> dict[str, int]:
    generator = OrderGenerator(seed, n_orders, catalogue, universe)
    files = _Files(out_dir)
    first_person = first_order = first_review_row = 0
    chunk_index = 0
    try:
        while first_order < n_orders:
            rng = np.random.default_rng([seed & _MASK64, zlib.crc32(b"orders"), chunk_index])
            forced = chunk_index == 0 and n_orders >= FORCED_QUIRKS_MIN_ORDERS
            orders = generator.draw_orders(rng, first_person, first_order, people_per_chunk, forced)
            generator.draw_status(rng, orders, forced)
            generator.draw_payment_plan(rng, orders, forced)
            generator.draw_lifecycle(rng, orders, forced)
            items = generator.draw_items(rng, orders, forced)
            payments = generator.draw_payments(rng, orders, items, forced)
            reviews = generator.draw_reviews(rng, orders, first_review_row, forced)
            _write_order_chunk(files, seed, orders, items, payments, reviews, universe, rng, chunk_index == 0)
            first_person += people_per_chunk
            first_order += orders.size
            first_review_row += int(reviews["own_rows"])
            chunk_index += 1
            if progress is not None:
                progress(first_order)
    finally:
        files.close()
    return {BY_TABLE_NAME[table].file_name: rows for table, rows in files.rows.items()}


def generate(out_dir: str | Path, n_orders: int = REAL_ORDERS, seed: int = 42, *,
             people_per_chunk: int = DEFAULT_PEOPLE_PER_CHUNK,
             progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the nine Olist files for ``n_orders`` orders into ``out_dir``; return data rows per file name.

    The output depends only on ``(n_orders, seed, people_per_chunk)``. The reference tables (products, sellers,
    geolocation, translation) do not depend on ``people_per_chunk``.
    """
    if n_orders < 1:
        raise ValueError("n_orders must be at least 1")
    if people_per_chunk < FORCED_QUIRKS_MIN_ORDERS:
        raise ValueError(f"people_per_chunk must be at least {FORCED_QUIRKS_MIN_ORDERS}")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scale = Scale.for_orders(n_orders)
    universe = ZipUniverse(seed, scale.n_zip_prefixes)
    catalogue = Catalogue(seed, scale.n_products, scale.n_sellers)

    rows = _write_orders(out_dir, seed, n_orders, people_per_chunk, catalogue, universe, progress)
    rows[BY_TABLE_NAME["products"].file_name] = _write_reference_table(
        out_dir, "products", scale.n_products, PRODUCTS_PER_WRITE, catalogue.product_columns)
    rows[BY_TABLE_NAME["sellers"].file_name] = _write_reference_table(
        out_dir, "sellers", scale.n_sellers, PRODUCTS_PER_WRITE,
        lambda sellers: catalogue.seller_columns(sellers, universe))
    rows[BY_TABLE_NAME["geolocation"].file_name] = _write_geolocation(out_dir, seed, universe)
    rows[BY_TABLE_NAME["product_category_name_translation"].file_name] = _write_translation(out_dir)
    return dict(sorted(rows.items()))


__all__ = ["generate", "Scale", "hex_ids", "hash64", "hash_uniform", "hash_normal"]
