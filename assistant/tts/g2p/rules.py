"""The standard pronunciation rules (표준 발음법), applied to syllables in context.

Every rule and every exception is a table below; `pronounce_sounds` applies
them to each pair of neighbouring syllables, left to right, in the order the
rules feed each other: ㅎ first (it aspirates or vanishes), then 연음 or
ㄴ 첨가 onto a vowel, then the coda's neutral form, 경음화, 비음화 and 유음화.
Pronunciations a rule does not settle (long vowels, optional variants) are
left as written.
"""

from __future__ import annotations

from .morphology import NOUN_TAGS, STEM_TAGS, Link, Sound

# --- 음절의 끝소리 (제8–11항): the seven codas that are spoken ----------------
NEUTRAL_CODA = {
    "ㄲ": "ㄱ", "ㅋ": "ㄱ", "ㅅ": "ㄷ", "ㅆ": "ㄷ", "ㅈ": "ㄷ", "ㅊ": "ㄷ", "ㅌ": "ㄷ", "ㅎ": "ㄷ", "ㅍ": "ㅂ",
}
# 겹받침 before a consonant or a pause: the one consonant that is spoken (제10–11항).
CLUSTER_SPOKEN = {
    "ㄳ": "ㄱ", "ㄵ": "ㄴ", "ㄶ": "ㄴ", "ㄺ": "ㄱ", "ㄻ": "ㅁ", "ㄼ": "ㄹ", "ㄽ": "ㄹ", "ㄾ": "ㄹ", "ㄿ": "ㅂ",
    "ㅀ": "ㄹ", "ㅄ": "ㅂ",
}
# Exceptions to CLUSTER_SPOKEN: ㄺ of a stem before an ending's ㄱ is ㄹ (맑게 [말께]).
CLUSTER_BEFORE_ENDING_ㄱ = {"ㄺ": "ㄹ"}
# ㄼ is ㅂ in these stems and words (밟다 [밥따], 넓죽하다 [넙쭈카다]).
CLUSTER_ㄼ_AS_ㅂ = ("밟", "넓죽", "넓둥")
# 겹받침 before a vowel (제14항): the first stays, the second moves on.
CLUSTER_PARTS = {
    "ㄳ": ("ㄱ", "ㅅ"), "ㄵ": ("ㄴ", "ㅈ"), "ㄶ": ("ㄴ", "ㅎ"), "ㄺ": ("ㄹ", "ㄱ"), "ㄻ": ("ㄹ", "ㅁ"),
    "ㄼ": ("ㄹ", "ㅂ"), "ㄽ": ("ㄹ", "ㅅ"), "ㄾ": ("ㄹ", "ㅌ"), "ㄿ": ("ㄹ", "ㅍ"), "ㅀ": ("ㄹ", "ㅎ"),
    "ㅄ": ("ㅂ", "ㅅ"),
}

# --- ㅎ (제12항) -------------------------------------------------------------------
# A coda with ㅎ: what stays of it when the ㅎ merges into the next onset or vanishes.
H_CODA_REST = {"ㅎ": "", "ㄶ": "ㄴ", "ㅀ": "ㄹ"}
# ㅎ + ㄱㄷㅈ (놓고 [노코]) and ㄱㄷㅂㅈ + ㅎ (축하 [추카]) are aspirated; ㅎ + ㅅ is tense (닿소 [다쏘]).
ASPIRATED = {"ㄱ": "ㅋ", "ㄷ": "ㅌ", "ㅂ": "ㅍ", "ㅈ": "ㅊ"}
H_BEFORE_ㅅ = "ㅆ"
# A coda merging with a following ㅎ: (what stays, the aspirated onset) (입학 [이팍], 앉히다 [안치다]).
CODA_PLUS_H = {
    "ㄱ": ("", "ㅋ"), "ㄲ": ("", "ㅋ"), "ㅋ": ("", "ㅋ"), "ㄺ": ("ㄹ", "ㅋ"),
    "ㄷ": ("", "ㅌ"), "ㅅ": ("", "ㅌ"), "ㅆ": ("", "ㅌ"), "ㅌ": ("", "ㅌ"), "ㅈ": ("", "ㅊ"), "ㅊ": ("", "ㅊ"),
    "ㄵ": ("ㄴ", "ㅊ"), "ㅂ": ("", "ㅍ"), "ㅍ": ("", "ㅍ"), "ㄼ": ("ㄹ", "ㅍ"),
}

# --- 연음 (제13–15항) ------------------------------------------------------------------
# Words Kiwi keeps whole that hold a boundary before a vowel-initial word: the
# coda moves on in its neutral form (맛없다 [마덥따], 겉옷 [거돋]).
NEUTRAL_LINKING = ("맛없", "멋없", "겉옷", "헛웃음", "첫아이")

# --- 구개음화 (제17항): ㄷ, ㅌ before the 이 of a particle or suffix ----------------
PALATALIZED = {"ㄷ": ("", "ㅈ"), "ㅌ": ("", "ㅊ"), "ㄾ": ("ㄹ", "ㅊ")}

# --- ㄴ 첨가 (제29항) --------------------------------------------------------------
# Between the words of a compound, before these vowels, ㄴ is added (솜이불 [솜니불]) …
N_INSERTION_VOWELS = set("ㅣㅑㅕㅛㅠ")
# … before ㅣ only when the second word is one of these native nouns (막일 [망닐],
# 맨입 [맨닙]): Sino-Korean words in 이/인/임 link plainly (매입임대 [매이빔대]).
N_INSERTION_BEFORE_ㅣ = ("이불", "일", "입", "잎", "이야기")
# Compounds that are said without it (제29항 다만).
NO_N_INSERTION = ("송별연", "등용문", "금융")
# ㄴ 첨가 inside a noun Kiwi keeps whole, before these second elements: each with
# the fewest syllables that must come before it. A one-syllable element ends the
# noun and needs a longer first part (서울역 [서울력], 식용유 [시굥뉴]; but 영역,
# 석유 and 절약 are single words); a longer one may start the rest
# (국민연금공단 [궁민년금공단], 솜이불 [솜니불]).
N_INSERTION_ELEMENTS = {
    "잎": 1, "엿": 1, "약": 2, "역": 2, "용": 2, "율": 2, "률": 2, "유": 2, "염": 2, "일": 2,
    "연금": 1, "요양": 1, "여성": 1, "열차": 1, "이불": 1, "여름": 1, "연필": 1,
}
# Suffixes (XSN) that take ㄴ 첨가 like a compound's second word (영업용 [영엄뇽]).
N_INSERTION_SUFFIXES = {"용", "율", "률"}

# --- 경음화 (제23–28항) --------------------------------------------------------------
TENSE = {"ㄱ": "ㄲ", "ㄷ": "ㄸ", "ㅂ": "ㅃ", "ㅅ": "ㅆ", "ㅈ": "ㅉ"}
OBSTRUENT_CODAS = set("ㄱㄷㅂ")  # after the neutral form: 국밥 [국빱]
# Stem codas that tense an ending's ㄱㄷㅅㅈ (신고 [신꼬], 넓게 [널께], 핥다 [할따]).
STEM_CODAS_TENSING = set("ㄴㄵㅁㄻㄼㄾㄺ")
# Sino-Korean ㄹ + ㄷㅅㅈ inside one word (갈등 [갈뜽], 일시 [일씨]) …
ㄹ_TENSED_ONSETS = set("ㄷㅅㅈ")

# --- 비음화, 유음화 (제18–20항) ---------------------------------------------------
NASAL = {"ㄱ": "ㅇ", "ㄷ": "ㄴ", "ㅂ": "ㅁ"}
# ㄴ + ㄹ is [ㄴㄴ] when ㄹ starts one of these Sino-Korean suffixes after a word of
# two or more syllables (의견란 [의견난], 생산량 [생산냥], 입원료 [이붠뇨]).
NN_SUFFIXES = set("란량력령료론류례로")
# … and [ㄹㄹ] all the same in these words.
LL_DESPITE_SUFFIX = ("대관령", "광한루")

# --- vowels (제4–5항) -------------------------------------------------------------
# ㅈㅉㅊ + ㅕ is said [ㅓ] (가져 [가저]); ㅖ after other consonants than ㄹ is [ㅔ] (계시다 [게시다]).
AFTER_PALATAL = {"ㅑ": "ㅏ", "ㅕ": "ㅓ", "ㅛ": "ㅗ", "ㅠ": "ㅜ", "ㅒ": "ㅐ", "ㅖ": "ㅔ"}
PALATAL_ONSETS = set("ㅈㅉㅊ")
# ㅢ: [ㅣ] after a consonant (희망 [히망]) and inside a word (주의 [주이]); the particle 의 [ㅔ].


def pronounce_sounds(sounds: list[Sound]) -> list[Sound]:
    """Apply every rule in place; returns `sounds`."""
    for sound in sounds:
        _vowel(sound)
    for before, after in zip(sounds, sounds[1:]):
        if after.link is Link.PAUSE:
            _final(before)
            continue
        _join(before, after)
    if sounds:
        _final(sounds[-1])
    for sound in sounds:
        if sound.onset in PALATAL_ONSETS:
            sound.vowel = AFTER_PALATAL.get(sound.vowel, sound.vowel)
    return sounds


def _vowel(sound: Sound) -> None:
    if sound.vowel == "ㅢ":
        if sound.morpheme is not None and sound.morpheme.tag == "JKG":
            sound.vowel = "ㅔ"
        elif sound.onset != "ㅇ" or sound.word_index > 0:
            sound.vowel = "ㅣ"
    elif sound.vowel == "ㅖ" and sound.onset not in ("ㅇ", "ㄹ"):
        sound.vowel = "ㅔ"


def _final(sound: Sound) -> None:
    """A coda before a pause: its neutral form."""
    sound.coda = _spoken_coda(sound.coda)


def _spoken_coda(coda: str) -> str:
    coda = CLUSTER_SPOKEN.get(coda, coda)
    return NEUTRAL_CODA.get(coda, coda)


def _join(a: Sound, b: Sound) -> None:
    if not a.coda:
        return
    written_coda = a.coda
    if a.coda in H_CODA_REST:
        _h_coda(a, b)
    elif b.onset == "ㅎ" and a.coda in CODA_PLUS_H and b.link is not Link.WORD:
        a.coda, b.onset = CODA_PLUS_H[a.coda]
        if b.onset == "ㅌ" and b.vowel == "ㅣ" and b.link in (Link.GRAMMATICAL, Link.MORPHEME):
            b.onset = "ㅊ"  # 굳히다 [구치다]
        return
    if not a.coda:
        return
    if b.onset == "ㅇ":
        _onto_vowel(a, b)
        if not a.coda or b.onset == "ㅇ":
            return
    _assimilate(a, b, written_coda)


def _h_coda(a: Sound, b: Sound) -> None:
    rest = H_CODA_REST[a.coda]
    if b.onset in ASPIRATED and b.onset != "ㅂ":
        a.coda, b.onset = rest, ASPIRATED[b.onset]
    elif b.onset == "ㅅ":
        a.coda, b.onset = rest, H_BEFORE_ㅅ
    elif b.onset == "ㅇ":
        a.coda = rest  # 좋아 [조아], 않은 [아는]: the rest then links on
    elif b.onset == "ㄴ":
        a.coda = rest or "ㄴ"  # 놓는 [논는], 않네 [안네]
    else:
        a.coda = rest or "ㄷ"


def _onto_vowel(a: Sound, b: Sound) -> None:
    """연음, 구개음화 and ㄴ 첨가: a coda before a vowel-initial syllable."""
    if b.link is Link.WORD:
        a.coda = _spoken_coda(a.coda)
        return
    if _adds_n(a, b):
        b.onset = "ㄹ" if _spoken_coda(a.coda) == "ㄹ" else "ㄴ"
        return
    if a.coda == "ㅇ":
        return
    if b.link is Link.LEXICAL or any(w in a.word for w in NEUTRAL_LINKING):
        a.coda = _spoken_coda(a.coda)  # 밭 아래 [바다래], 맛없다 [마덥따]
    # Within one morpheme too: 굳이 and 같이 are whole words to Kiwi.
    if b.vowel == "ㅣ" and b.link in (Link.GRAMMATICAL, Link.MORPHEME) and a.coda in PALATALIZED:
        a.coda, b.onset = PALATALIZED[a.coda]
        return
    if a.coda in CLUSTER_PARTS:
        stay, move = CLUSTER_PARTS[a.coda]
        a.coda, b.onset = stay, move
        if move == "ㅅ" and stay in ("ㄱ", "ㅂ", "ㄹ"):
            b.onset = "ㅆ"  # 넋이 [넉씨], 값을 [갑쓸], 곬이 [골씨]
        return
    a.coda, b.onset = "", a.coda


def _adds_n(a: Sound, b: Sound) -> bool:
    if b.vowel not in N_INSERTION_VOWELS or any(w in a.word for w in NO_N_INSERTION):
        return False
    m = b.morpheme
    if b.link is Link.LEXICAL:
        return b.vowel != "ㅣ" or (m is not None and m.form in N_INSERTION_BEFORE_ㅣ)
    if b.link is Link.GRAMMATICAL:
        return m is not None and m.tag == "XSN" and m.form in N_INSERTION_SUFFIXES
    if b.link is not Link.MORPHEME or m is None or m.tag not in NOUN_TAGS or len(m.form) != m.syllables:
        return False
    rest = m.form[b.position:]
    return any((rest == element or (len(element) > 1 and rest.startswith(element))) and b.position >= before
               for element, before in N_INSERTION_ELEMENTS.items())


def _assimilate(a: Sound, b: Sound, written_coda: str) -> None:
    """경음화, 비음화, 유음화 between a coda and a consonant onset."""
    a.coda = _coda_before_consonant(a, b)
    if b.onset in TENSE and _tenses(a, b, written_coda):
        b.onset = TENSE[b.onset]
    if b.onset in ("ㄴ", "ㅁ") and a.coda in NASAL:
        a.coda = NASAL[a.coda]  # 국물 [궁물], 밥 먹고 [밤먹꼬]
    elif b.onset == "ㄹ":
        if a.coda in NASAL:
            a.coda, b.onset = NASAL[a.coda], "ㄴ"  # 백로 [뱅노], 협력 [혐녁]
        elif a.coda in ("ㅁ", "ㅇ"):
            b.onset = "ㄴ"  # 침략 [침냑], 강릉 [강능]
        elif a.coda == "ㄴ" and b.link is not Link.WORD:
            if _nn_suffix(b):
                b.onset = "ㄴ"
            else:
                a.coda = "ㄹ"  # 신라 [실라]
    elif b.onset == "ㄴ" and a.coda == "ㄹ" and b.link is not Link.WORD:
        b.onset = "ㄹ"  # 칼날 [칼랄], 뚫는 [뚤른]


def _coda_before_consonant(a: Sound, b: Sound) -> str:
    coda = a.coda
    if coda == "ㄼ" and any(stem in a.word for stem in CLUSTER_ㄼ_AS_ㅂ):
        return "ㅂ"
    if coda in CLUSTER_BEFORE_ENDING_ㄱ and b.onset == "ㄱ" and _stem_before_ending(a, b):
        return CLUSTER_BEFORE_ENDING_ㄱ[coda]
    return _spoken_coda(coda)


def _stem_before_ending(a: Sound, b: Sound) -> bool:
    return (a.coda_morpheme is not None and a.coda_morpheme.tag in STEM_TAGS and b.morpheme is not None
            and b.morpheme.tag.startswith("E") and b.link is Link.GRAMMATICAL)


def _tenses(a: Sound, b: Sound, written_coda: str) -> bool:
    if a.coda in OBSTRUENT_CODAS:
        return b.link is not Link.WORD
    if written_coda in STEM_CODAS_TENSING and _stem_before_ending(a, b) and b.onset != "ㅂ":
        return True
    owner = a.coda_morpheme
    if a.coda == "ㄹ" and owner is not None and owner.tag.startswith("E") and owner.form.startswith(("ㄹ", "을")):
        # 관형사형 -(으)ㄹ and endings such as -ㄹ게, -ㄹ수록 (할 것 [할껃], 할게 [할께]).
        return owner.tag == "ETM" or b.link is Link.MORPHEME
    # Sino-Korean ㄹ + ㄷㅅㅈ inside a noun: 갈등 [갈뜽]; 절절 stays plain (제26항 다만).
    return (a.coda == "ㄹ" and b.onset in ㄹ_TENSED_ONSETS and b.link is Link.MORPHEME and b.morpheme is not None
            and b.morpheme.tag in NOUN_TAGS and a.written != b.written)


def _nn_suffix(b: Sound) -> bool:
    if b.written not in NN_SUFFIXES or any(w in b.word for w in LL_DESPITE_SUFFIX):
        return False
    if b.link in (Link.LEXICAL, Link.GRAMMATICAL):
        return True
    m = b.morpheme
    return m is not None and m.tag in NOUN_TAGS and b.position >= 2 and b.position == m.syllables - 1
