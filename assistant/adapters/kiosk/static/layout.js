// Fits the kiosk page to whatever screen and text size it has, and pages the answer.
//
// The layouts in kiosk.css are tried in order; in each, buttons that do not fit move one by
// one (least needed first) into the 더 보기 menu. The first arrangement in which every
// control lies inside the window, no label is cut, and the answer shows at least five lines
// wins. The answer area is a multi-column box whose columns are pages, turned with 이전/다음,
// so the full record is readable however small the window or large the text.
"use strict";

const Layout = (() => {
  const LAYOUTS = ["wide", "stacked", "side"];
  const MIN_LINES = 5;
  const MIN_CHARS = 7;  // the narrowest answer line worth reading
  const byId = (id) => document.getElementById(id);
  let page = 0;
  let pageCount = 1;

  function shown(el) {
    return el.getClientRects().length > 0 && !el.closest("[hidden]");
  }

  function inWindow(el) {
    const r = el.getBoundingClientRect();
    return r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
  }

  // Labels do not wrap (kiosk.css): one that does not fit overflows its button.
  function cut(el) {
    return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  }

  function lineHeight() {
    return byId("line-probe").getBoundingClientRect().height;
  }

  // What does not fit in the current arrangement (empty: it fits).
  function problems() {
    const found = [];
    const controls = [...document.querySelectorAll(".top, .controls")]
      .flatMap((area) => [...area.querySelectorAll("button, .state")]).filter(shown);
    for (const el of controls) {
      if (!inWindow(el)) found.push(`${el.id || el.className} outside the window`);
      else if (cut(el)) found.push(`${el.id || el.className} label cut`);
    }
    const pager = byId("pager");
    const probe = byId("line-probe");
    if (pager.clientHeight < MIN_LINES * lineHeight()) found.push("answer under five lines");
    if (pager.clientWidth < MIN_CHARS * probe.getBoundingClientRect().width) found.push("answer too narrow");
    const side = document.querySelector(".side-pane");
    if (shown(side) && [side, ...side.querySelectorAll("*")].some(cut)) found.push("card cut");
    return found;
  }

  function fits() {
    return problems().length === 0;
  }

  function menuButtons() {
    return [...byId("menu-items").children];
  }

  function restore() {
    const actions = byId("actions");
    for (const button of menuButtons()) actions.append(button);
    byId("menu-open").hidden = true;
  }

  // The last button of the row (the least needed) goes to the front of the menu.
  function moveOne() {
    const last = byId("actions").lastElementChild;
    if (!last) return false;
    byId("menu-items").prepend(last);
    byId("menu-open").hidden = false;
    return true;
  }

  // How many buttons must go to the menu for `name` to fit (Infinity: it never fits).
  function movesFor(name) {
    document.body.dataset.layout = name;
    restore();
    let moved = 0;
    while (!fits()) {
      if (!moveOne()) return Infinity;
      moved += 1;
    }
    return moved;
  }

  // The layout that keeps the most buttons in reach, the earlier one on a tie.
  function arrange() {
    let best = LAYOUTS[LAYOUTS.length - 1];
    let fewest = Infinity;
    // The card beside the answer needs a landscape screen.
    for (const name of LAYOUTS.filter((l) => l !== "wide" || innerWidth > innerHeight)) {
      const moves = movesFor(name);
      if (moves < fewest) [best, fewest] = [name, moves];
      if (moves === 0) break;
    }
    movesFor(best);  // nothing fits at all: the most compact, everything in the menu
    return best;
  }

  // --- pages ---------------------------------------------------------------------------
  function geometry() {
    const pages = byId("pages");
    const style = getComputedStyle(pages);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const width = pages.clientWidth - padding;
    const gap = 2 * parseFloat(style.paddingLeft) + 8;  // the next page never peeks in
    return { width, gap, step: width + gap };
  }

  function paginate(keepPage = false) {
    const pages = byId("pages");
    const { width, gap, step } = geometry();
    pages.style.setProperty("--page-width", `${width}px`);
    pages.style.setProperty("--page-gap", `${gap}px`);
    const end = byId("pages-end").getBoundingClientRect().left - pages.getBoundingClientRect().left;
    pageCount = Math.max(1, Math.floor((end - 1) / step) + 1);
    turnTo(keepPage ? Math.min(page, pageCount - 1) : 0);
  }

  function turnTo(n) {
    page = Math.max(0, Math.min(n, pageCount - 1));
    byId("pager").scrollLeft = page * geometry().step;
    const more = page < pageCount - 1;
    byId("page-prev").disabled = page === 0;
    byId("page-next").disabled = !more;
    byId("page-next").dataset.more = String(more);
    byId("page-next").setAttribute("aria-label", more ? `다음 쪽, ${pageCount - page - 1}쪽 더 있어요` : "다음 쪽");
    byId("page-cue").textContent = pageCount > 1 ? `${page + 1}/${pageCount}쪽` : "";
  }

  // Focus moved to a button on another page (keyboard, screen reader): follow it.
  function followScroll() {
    const n = Math.round(byId("pager").scrollLeft / geometry().step);
    if (n !== page) turnTo(n);
  }

  // A dialog that does not fit at the current size falls back to the normal size.
  function fitDialog(panel) {
    panel.classList.remove("snug");
    const dialog = panel.querySelector(".dialog");
    const tooBig = () => dialog.scrollHeight > dialog.clientHeight + 1 || dialog.scrollWidth > dialog.clientWidth + 1 ||
      [...dialog.querySelectorAll("button")].some(cut);
    if (document.documentElement.classList.contains("bigger") && tooBig()) panel.classList.add("snug");
  }

  function refresh(keepPage = true) {
    arrange();
    paginate(keepPage);
  }

  function start() {
    byId("page-prev").addEventListener("click", () => turnTo(page - 1));
    byId("page-next").addEventListener("click", () => turnTo(page + 1));
    byId("pager").addEventListener("scroll", followScroll);
    addEventListener("resize", () => refresh());
    if (document.fonts) document.fonts.ready.then(() => refresh());
    refresh(false);
  }

  return { start, refresh, paginate, fitDialog, fits, problems, get page() { return page; }, get pageCount() { return pageCount; } };
})();
