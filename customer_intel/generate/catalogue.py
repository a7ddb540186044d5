"""Products and sellers as pure functions of their index; the categories and their translation file."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.csv_format import integer_texts, random_quotes
from customer_intel.generate.geography import SELLER_CITY_VARIANT_PROBABILITY, ZipUniverse, city_variant
from customer_intel.generate.hashing import hash_normal, hash_uniform, hex_ids
from customer_intel.generate.sampling import cdf, lognormal_from_normal, pick
from customer_intel.generate.scale import REAL_PRODUCTS

PRODUCTS_PER_SELLER_GROUP = 4
PRODUCT_POPULARITY_EXPONENT = 1.7  # index inside a category block = size * u**exponent: low indices sell more
SELLER_SKEW_EXPONENT = 1.6
PRICE_SIGMA = 0.74
PRICE_TAIL_SHARE = 0.04            # products priced from a wider lognormal (p99 ~900, max several thousand)
PRICE_TAIL_SIGMA = 1.6
MAX_PRICE = 6_735.00
PRICE_CENT_ENDING_WEIGHTS = (0.45, 0.2, 0.15, 0.2)   # prices ending .90, .99, .00, any cents
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
        self.item_block_cdf = cdf(np.append(item_counts / item_counts.sum() * (1 - NO_CATEGORY_ITEM_SHARE),
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
        block = pick(self.item_block_cdf, uniform_block)
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
        ending = pick(cdf(PRICE_CENT_ENDING_WEIGHTS), hash_uniform(self.seed, "product/cents", product))
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
            np.rint(lognormal_from_normal(595, 0.75, hash_normal(seed, "product/desc-len", product))), 4, 3992)
        photos = pick(cdf(PHOTOS_WEIGHTS), hash_uniform(seed, "product/photos", product)) + 1
        weight_z = self.weight_normal(product)
        weight = WEIGHT_MEDIAN_G * np.exp(np.where(weight_z < 0, WEIGHT_SIGMA_BELOW, WEIGHT_SIGMA_ABOVE) * weight_z)
        size_z = 0.45 * weight_z
        length = 25 * np.exp(size_z + 0.35 * hash_normal(seed, "product/length", product))
        height = 13 * np.exp(size_z + 0.55 * hash_normal(seed, "product/height", product))
        width = 20 * np.exp(size_z + 0.35 * hash_normal(seed, "product/width", product))
        has_dimensions = ~np.isin(product, self.missing_dimensions)
        return [
            random_quotes(hex_ids(seed, "product", product), hash_uniform(seed, "quote/product", product)),
            names,
            integer_texts(name_length, has_category),
            integer_texts(description_length, has_category),
            integer_texts(photos, has_category),
            integer_texts(np.clip(np.rint(weight), 2, 40_425), has_dimensions),
            integer_texts(np.clip(np.rint(length), 7, 105), has_dimensions),
            integer_texts(np.clip(np.rint(height), 2, 105), has_dimensions),
            integer_texts(np.clip(np.rint(width), 6, 118), has_dimensions),
        ]

    # --- sellers ------------------------------------------------------------------------------------------------
    def seller_columns(self, seller: np.ndarray, universe: ZipUniverse) -> list[list[str]]:
        seed = self.seed
        zip_rows = universe.draw_seller_rows(hash_uniform(seed, "seller/zip", seller))
        variant_choice = hash_uniform(seed, "seller/city-variant", seller)
        is_variant = hash_uniform(seed, "seller/city-is-variant", seller) < SELLER_CITY_VARIANT_PROBABILITY
        states = universe.state_codes(zip_rows)
        cities = [
            city_variant(city, state, choice) if variant else city
            for city, state, choice, variant in zip(universe.city_names(zip_rows), states,
                                                    variant_choice.tolist(), is_variant.tolist())
        ]
        return [
            hex_ids(seed, "seller", seller),
            random_quotes(universe.prefix_text[zip_rows].tolist(), hash_uniform(seed, "quote/seller", seller)),
            cities,
            states,
        ]
