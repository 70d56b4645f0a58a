"""The project's one tokenizer: BM25 indexes it, profiles match with it, fakes hash it.

Everything that turns text into terms goes through `tokenize`, so the terms an index stores
and the terms a query or a profile looks up can never drift apart.

`truncate` cuts text for people to read, the same way in Slack, on the console and in
explanations.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import Stemmer

# NLTK's English stopword list (nltk.corpus.stopwords.words("english"), the classic 179
# words), without its apostrophe forms ("don't", "you're", ...): we split on apostrophes, and
# the pieces ("don", "t", "re") are in the list already. We prefer it to Lucene's 33 words,
# which would keep "we", "our", "which", words of every abstract, in profiles.
_NLTK_ENGLISH = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now d ll m o re
    ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn
    weren won wouldn
"""
STOPWORDS: frozenset[str] = frozenset(_NLTK_ENGLISH.split())

# A token is a run of letters and digits in any script; everything else (spaces, punctuation,
# query operators such as `"`, `-`, `:`, emoji) separates tokens. `[^\W_]` is "a word
# character that is not an underscore", so `gpt-4` gives `gpt`, `4` and `snake_case` splits too.
_TOKEN = re.compile(r"[^\W_]+")

# The Snowball stemmer strips a plural "s" only after a vowel, so "LLMs" stayed "llms" and
# a search or a muted keyword "LLM" missed it; a word with no vowel before its final "s"
# (LLMs, GNNs, VLMs, 1990s, DVDs) loses the "s" here. Indexes record this version: a
# change to what `tokenize` returns must bump it, and an index of another one is rebuilt.
TOKENIZER_VERSION = 2
_VOWELS = frozenset("aeiouy")

# PyStemmer's Stemmer objects are not thread-safe, and the bot tokenizes queries from several
# threads, so each thread gets its own.
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def tokenize(text: str) -> list[str]:
    """Split text into stemmed, lowercased terms, stopwords removed; never raises on any str.

    NFKC folds compatibility forms (full-width letters, ligatures such as "ﬁ") into the
    ordinary ones before case folding, so visually equal words give equal terms.
    """
    # A soft hyphen (U+00AD, left in text copied from PDFs) marks where a word may break,
    # so it is removed, not treated as a separator that would cut the word in two.
    folded = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    words = [word for word in _TOKEN.findall(folded) if word not in STOPWORDS]
    return [_singular(term) for term in _stemmer().stemWords(words)]


def _singular(term: str) -> str:
    """`llms` -> `llm`: a final "s" after two or more letters or digits, none a vowel (but
    not "ss", as in CSS)."""
    plural = len(term) >= 3 and term[-1] == "s" and term[-2] != "s"
    return term[:-1] if plural and _VOWELS.isdisjoint(term) else term


ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    # Cut at the last space unless that throws away most of the text (one long word).
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS
