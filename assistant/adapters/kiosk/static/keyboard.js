// A large-button 자모 keyboard for 글로 묻기 on a touch-only kiosk.
//
// The keys follow 가나다 order (consonants, then vowels), which residents know from
// school, rather than a typist's 두벌식 layout. Typed jamo are composed into syllables by
// hangul-js (vendored: hangul.min.js, MIT licence in hangul-js.LICENSE): the field's text
// is taken apart into jamo, the new one is added, and the whole is assembled again, so
// ㄱ ㅗ ㅏ ㅇ gives 광 and 지우기 takes away the last jamo, not the whole syllable.
"use strict";

const Keyboard = (() => {
  const CONSONANTS = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎㄲㄸㅃㅆㅉ";
  const VOWELS = "ㅏㅑㅓㅕㅗㅛㅜㅠㅡㅣㅐㅒㅔㅖ";

  function type(field, jamo) {
    field.value = Hangul.assemble([...Hangul.disassemble(field.value), jamo]).slice(0, field.maxLength);
  }

  function erase(field) {
    const jamo = Hangul.disassemble(field.value);
    jamo.pop();
    field.value = Hangul.assemble(jamo);
  }

  function key(label, className, onPress) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = label;
    button.addEventListener("click", onPress);
    return button;
  }

  function attach(container, field, space, back) {
    const keys = [...CONSONANTS].map((c) => key(c, "consonant", () => type(field, c)));
    keys.push(...[...VOWELS].map((v) => key(v, "vowel", () => type(field, v))));
    container.replaceChildren(...keys);
    space.addEventListener("click", () => type(field, " "));
    back.addEventListener("click", () => erase(field));
    // On a touch-only kiosk the system keyboard would cover the page: ours is enough.
    field.setAttribute("inputmode", "none");
  }

  return { attach, type, erase };
})();
