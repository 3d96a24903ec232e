// The staff page: waits for the kiosk's help requests (a long poll with the staff token),
// shows and chimes each new one, and marks one taken so the kiosk tells the resident.
// The token comes from the address (`/staff#token=…`, never sent in a URL) or the form,
// and is kept in this browser's sessionStorage only.
"use strict";

const $ = (id) => document.getElementById(id);
const RETRY_MS = 3000;
let token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("staff-token") || "";
let version = -1;
let seen = new Set();
let sound = null;  // an AudioContext once staff allowed sound (browsers need a click)

function chime() {
  if (!sound) return;
  const now = sound.currentTime;
  [659.25, 880, 659.25, 880].forEach((freq, i) => {
    const osc = sound.createOscillator();
    const gain = sound.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(sound.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.24);
  });
}

async function api(path, options = {}) {
  const response = await fetch(`/staff/api/${path}`, { ...options, headers: { "X-Staff-Token": token } });
  if (response.status === 401) throw new Error("token");
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function time(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString("ko-KR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function render(state) {
  const notices = $("notices");
  notices.replaceChildren(...state.notices.map((text) => Object.assign(document.createElement("p"), { textContent: text })));
  notices.hidden = state.notices.length === 0;
  let fresh = false;
  $("requests").replaceChildren(...state.requests.map((r) => {
    if (r.status === "waiting" && !seen.has(r.id)) fresh = true;
    seen.add(r.id);
    const item = document.createElement("li");
    item.className = "request";
    item.dataset.status = r.status;
    item.dataset.id = r.id;
    const when = Object.assign(document.createElement("p"), { className: "when",
      textContent: `${time(r.at)} · ${r.status === "waiting" ? "기다리는 중" : `${time(r.taken_at)} 확인함`}` });
    const question = Object.assign(document.createElement("p"), { className: "question",
      textContent: r.question ? `질문: ${r.question}` : "질문 없이 직원을 불렀습니다." });
    const service = Object.assign(document.createElement("p"), { className: "service",
      textContent: r.service ? `보던 서비스: ${r.service}` : "보던 서비스 없음" });
    item.append(when, question, service);
    if (r.status === "waiting") {
      const take = Object.assign(document.createElement("button"), { type: "button", textContent: "제가 갈게요" });
      take.addEventListener("click", () => api(`requests/${r.id}/taken`, { method: "POST" }).catch(showError));
      item.append(take);
    }
    return item;
  }));
  $("empty").hidden = state.requests.length > 0;
  const waiting = state.requests.filter((r) => r.status === "waiting").length;
  document.title = waiting ? `(${waiting}) 도움 요청 - 키오스크` : "키오스크 직원 호출";
  if (fresh && version >= 0) chime();
}

function showError(err) {
  const line = $("connection");
  line.dataset.ok = "false";
  if (err.message === "token") {
    line.textContent = "직원 토큰이 맞지 않습니다.";
    $("login").hidden = false;
  } else {
    line.textContent = "키오스크에 연결하지 못했습니다. 다시 시도합니다…";
  }
}

async function watch() {
  while (token) {
    try {
      const state = await api(`requests?after=${version}`);
      render(state);
      version = state.version;
      $("connection").dataset.ok = "true";
      $("connection").textContent = "연결됨: 새 요청이 오면 알려 드립니다.";
    } catch (err) {
      showError(err);
      if (err.message === "token") return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  $("login").hidden = false;
}

$("sound").addEventListener("click", () => {
  sound = sound || new AudioContext();
  sound.resume();
  $("sound").setAttribute("aria-pressed", "true");
  $("sound").textContent = "알림 소리 켜짐";
  chime();
});

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("staff-token", token);
  $("login").hidden = true;
  watch();
});

if (location.hash) history.replaceState(null, "", location.pathname);  // the token leaves the address bar
if (token) sessionStorage.setItem("staff-token", token);
watch();
