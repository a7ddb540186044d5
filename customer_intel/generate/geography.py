"""States, cities and their spellings, and the zip-prefix universe shared by customers, sellers and geolocation."""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from customer_intel.generate.hashing import MASK64, hash_normal
from customer_intel.generate.sampling import cdf, lognormal_from_normal, pick


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
GEOLOCATION_ROWS_MEDIAN = 33.0
GEOLOCATION_ROWS_SIGMA = 1.0
GEOLOCATION_ROWS_MAX = 1_200


def accented(city: str) -> str:
    return " ".join(ACCENTED_WORDS.get(word, word) for word in city.split(" "))


def city_variant(city: str, state_code: str, choice: float) -> str:
    """One of the spellings seen in the files for ``city``; ``choice`` in [0, 1) selects which."""
    variants = [accented(city), f" {city}", f"{city} ", city.replace(" ", "  ", 1),
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
        rng = np.random.default_rng([seed & MASK64, zlib.crc32(b"zip-universe")])
        prefixes, states, cities = [], [], []
        shares = np.array([s.customer_share for s in STATES])
        for state_index, state in enumerate(STATES):
            candidates = np.concatenate([np.arange(lo, hi + 1) for lo, hi in state.cep_ranges])
            count = int(min(candidates.size, max(2, round(n_prefixes * shares[state_index] / shares.sum()))))
            chosen = np.sort(rng.choice(candidates, size=count, replace=False))
            state_cities = [i for i, c in enumerate(ALL_CITIES) if c.state_index == state_index]
            city_cdf = cdf([ALL_CITIES[i].weight for i in state_cities])
            rank = (np.arange(count) + 0.5) / count
            prefixes.append(chosen)
            states.append(np.full(count, state_index))
            cities.append(np.array(state_cities)[pick(city_cdf, rank)])
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
        rows_per_prefix = lognormal_from_normal(
            GEOLOCATION_ROWS_MEDIAN, GEOLOCATION_ROWS_SIGMA, hash_normal(seed, "zip/geo-rows", rows))
        self.geolocation_rows = np.clip(np.rint(rows_per_prefix), 1, GEOLOCATION_ROWS_MAX).astype(np.int64)

    def _state_weighted_cdf(self, popularity: np.ndarray, state_shares) -> np.ndarray:
        state_totals = np.bincount(self.state_index, weights=popularity, minlength=len(STATES))
        weights = np.asarray(state_shares)[self.state_index] * popularity / state_totals[self.state_index]
        return cdf(weights)

    @property
    def size(self) -> int:
        return int(self.prefix.size)

    def draw_customer_rows(self, uniforms: np.ndarray) -> np.ndarray:
        return pick(self.customer_cdf, uniforms)

    def draw_seller_rows(self, uniforms: np.ndarray) -> np.ndarray:
        return pick(self.seller_cdf, uniforms)

    def first_row_of_state(self, state_code: str) -> int:
        state_index = [s.code for s in STATES].index(state_code)
        return int(np.flatnonzero(self.state_index == state_index)[0])

    def city_names(self, rows: np.ndarray) -> list[str]:
        return [ALL_CITIES[i].name for i in self.city_index[rows].tolist()]

    def state_codes(self, rows: np.ndarray) -> list[str]:
        return [STATES[i].code for i in self.state_index[rows].tolist()]
