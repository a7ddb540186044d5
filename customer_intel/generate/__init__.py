"""Olist-format synthetic data: the nine Kaggle CSV files, deterministic for a seed, in bounded memory.

The project must run without the real dataset, so this package writes files that a loader cannot tell apart
from the Kaggle originals by format: the same names and headers (from ``olist_files.OLIST_FILES``), the same
quoting habits, BOM and line endings, the same quirks (see ``forced_quirks``) and roughly the same
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
(``forced_quirks``) whenever ``n_orders >= 1000``: a person who orders three times and moves state, an order with no
items, a delivered order with no delivery date, a not_defined payment, the single order without payment, a shared
review id, a review with commas, quotes, accents and line breaks, the last purchase on 2018-10-17, and so on.

A planted campaign (optional, ``generate(..., campaign=CampaignPlan(D, U, C))``, ``--campaign-date`` in the
CLI) adds a tenth file, ``campaign_contacts.csv``: the people *lapsed* at D (a ``delivered`` order purchased before
D, the last such one at least 180 days before D), in the treatment and control groups of
``customer_intel.campaign.assign_groups``; and, for a share U of the treatment group, one extra delivered order
purchased in the campaign window [D, D + ``campaign_window_months``), on top of ``n_orders``. It runs chunk by chunk
beside the orders, from random generators of its own: without it, or with U = 0, the nine files are byte-identical
to those of a run without it. Details in ``planted_campaign``.

Modules, in the order the data flows
------------------------------------
``scale`` (table sizes), ``hashing`` and ``sampling`` (the random machinery), ``purchase_calendar``, ``geography``
(states, cities, the zip universe), ``catalogue`` (products, sellers, categories), ``order_chunk`` (per-order arrays
and status/payment codes), ``forced_quirks``, ``orders`` (people, times, statuses, lifecycle), ``items``,
``payments``, ``reviews``, ``csv_format`` (values as the files write them), ``geolocation``, ``planted_campaign``
(the optional campaign) and ``writers`` (the files, and ``generate``).
"""
from __future__ import annotations

from customer_intel.generate.hashing import hash64, hash_normal, hash_uniform, hex_ids
from customer_intel.generate.scale import DEFAULT_PEOPLE_PER_CHUNK, REAL_ORDERS, Scale
from customer_intel.generate.writers import generate

__all__ = ["generate", "Scale", "hex_ids", "hash64", "hash_uniform", "hash_normal", "DEFAULT_PEOPLE_PER_CHUNK",
           "REAL_ORDERS"]
