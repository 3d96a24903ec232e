// The kiosk page: renders the conversation's events and sends the resident's voice,
// buttons and typed questions over one WebSocket (protocol: kiosk/protocol.py).
// Layout and paging: layout.js; the on-screen 자모 keyboard: keyboard.js.
"use strict";

const $ = (id) => document.getElementById(id);

// /screen.css sizes 1rem in device pixels; an OS-scaled display has fewer CSS pixels per mm.
document.documentElement.style.setProperty("--dpr", String(window.devicePixelRatio || 1));

const STATE_TEXT = {
  ready: "말하기를 누르세요",
  readyHandsFree: "말씀하세요",
  listening: "듣는 중",
  thinking: "생각 중",
  speaking: "말하는 중",
  offline: "연결 중",
};
const DOUBLE_PRESS_MS = 700;   // a second press this soon is a shaky finger, not "다 말했어요"
const RECONNECT_MS = 2000;
const VOLUMES = [0.3, 0.5, 0.7, 1.0, 1.3, 1.6];  // 1.0: as synthesized
const NORMAL_VOLUME = 3;
const TOAST_MS = 2500;
const STAFF_TEXT = {
  none: "이 키오스크에서는 직원을 바로 부를 수 없어요. 아래 번호로 전화해 주세요.",
  waiting: "직원에게 알렸어요. 잠시 기다려 주세요.",
  taken: "직원이 확인했어요. 지금 오고 있어요.",
};

const kiosk = {
  socket: null,
  audioSource: "browser",
  state: "offline",
  handsFree: false,
  droppedTurn: 0,      // audio of this turn and earlier is not played (interrupted)
  lastTimingsTurn: 0,  // the server has sent everything of this turn
  turn: 0,             // the server's current turn
  services: [],        // the services found for the current question, best first
  lastTalk: 0,
  volume: NORMAL_VOLUME,
};

// --- audio: one context for the microphone and for replies ------------------------
let context = null;
let mic = null;
let micStarting = null;
let master = null;  // every sound the page makes goes through this gain (소리 크게/작게)
let playEnd = 0;
const playing = new Set();
// While a reply is paused (the resident started speaking over it): what is still to be
// heard, in order, as [buffer, offset in seconds]; null when not paused.
let paused = null;

function audioContext() {
  if (!context) {
    context = new AudioContext();
    master = context.createGain();
    master.gain.value = VOLUMES[kiosk.volume];
    master.connect(context.destination);
  }
  if (context.state === "suspended") context.resume();
  return context;
}

function micWanted() {
  return kiosk.audioSource === "browser" &&
    (kiosk.state === "listening" || (kiosk.state === "ready" && kiosk.handsFree));
}

function startMic() {
  if (kiosk.audioSource !== "browser") return Promise.resolve(false);
  if (mic) return Promise.resolve(true);
  if (!micStarting) micStarting = openMic().finally(() => { micStarting = null; });
  return micStarting;
}

async function openMic() {
  try {
    const ctx = audioContext();
    await ctx.audioWorklet.addModule("/static/pcm-capture.js");
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const node = new AudioWorkletNode(ctx, "pcm-capture", { numberOfOutputs: 0 });
    node.port.onmessage = (event) => onMicFrame(event.data);
    ctx.createMediaStreamSource(stream).connect(node);
    mic = { stream, node, rate: ctx.sampleRate };
    return true;
  } catch (err) {
    console.warn("microphone unavailable:", err);
    showNotice("마이크를 쓸 수 없어요. ‘글로 묻기’를 눌러 물어보세요.");
    return false;
  }
}

// Sends one microphone frame: uint32 LE sample rate, then 16-bit PCM.
function sendMicFrame(pcm, rate) {
  if (!kiosk.socket || kiosk.socket.readyState !== WebSocket.OPEN) return;
  const frame = new ArrayBuffer(4 + pcm.byteLength);
  new DataView(frame).setUint32(0, rate, true);
  new Int16Array(frame, 4).set(pcm);
  kiosk.socket.send(frame);
}

function onMicFrame(buffer) {
  if (!micWanted()) return;
  const pcm = new Int16Array(buffer);
  let sum = 0;
  for (let i = 0; i < pcm.length; i += 4) sum += pcm[i] * pcm[i];
  const rms = Math.sqrt(sum / (pcm.length / 4)) / 32768;
  $("state").style.setProperty("--level", Math.min(1, rms * 8).toFixed(2));
  sendMicFrame(pcm, mic.rate);
}

// Reply audio: uint32 LE sample rate, uint32 LE turn, then 16-bit PCM; played in order.
function onReplyAudio(buffer) {
  const header = new DataView(buffer);
  const rate = header.getUint32(0, true);
  const turn = header.getUint32(4, true);
  if (turn <= kiosk.droppedTurn) return;
  const pcm = new Int16Array(buffer, 8);
  const ctx = audioContext();
  const clip = ctx.createBuffer(1, pcm.length, rate);
  const samples = clip.getChannelData(0);
  for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
  if (paused) paused.push([clip, 0]);
  else schedule(clip, 0);
}

// Plays `clip` from `offset` seconds, after everything already scheduled.
function schedule(clip, offset) {
  const ctx = audioContext();
  const source = ctx.createBufferSource();
  source.buffer = clip;
  source.connect(master);
  const start = Math.max(ctx.currentTime + 0.05, playEnd);
  source.start(start, offset);
  source.startedAt = start - offset;  // where the clip's beginning is on the context's clock
  playEnd = start + clip.duration - offset;
  playing.add(source);
  source.onended = () => { playing.delete(source); reportPlayed(); };
}

function stopPlayback() {
  for (const source of playing) {
    source.onended = null;
    try { source.stop(); } catch (err) { /* already ended */ }
  }
  playing.clear();
  playEnd = 0;
  paused = null;
}

// Silence now, keeping the unheard rest of every clip for resumePlayback.
function pausePlayback() {
  if (paused) return;
  const now = context ? context.currentTime : 0;
  const rest = [];
  for (const source of playing) {
    const heard = Math.max(0, now - source.startedAt);
    if (heard < source.buffer.duration) rest.push([source.buffer, heard]);
  }
  stopPlayback();
  paused = rest;
}

function resumePlayback() {
  if (!paused) return;
  const rest = paused;
  paused = null;
  for (const [clip, offset] of rest) schedule(clip, offset);
  reportPlayed();
}

// Tells the server the turn has been heard to the end, so "말하는 중" ends with the voice.
function reportPlayed() {
  if (playing.size === 0 && !paused && kiosk.lastTimingsTurn > kiosk.droppedTurn) {
    send({ type: "played", turn: kiosk.lastTimingsTurn });
  }
}

// A soft rising chime: the kiosk is listening now (also the new loudness, after 소리 크게/작게).
function chime() {
  if (!context || context.state !== "running") return;
  const now = context.currentTime;
  [523.25, 783.99].forEach((freq, i) => {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.11);
    gain.gain.exponentialRampToValueAtTime(0.12, now + i * 0.11 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.11 + 0.1);
    osc.connect(gain).connect(master);
    osc.start(now + i * 0.11);
    osc.stop(now + i * 0.11 + 0.11);
  });
}

// --- socket ---------------------------------------------------------------------
function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    if (typeof event.data === "string") onMessage(JSON.parse(event.data));
    else onReplyAudio(event.data);
  };
  socket.onclose = () => {
    if (kiosk.socket !== socket) return;
    stopPlayback();
    showState("offline");
    setTimeout(connect, RECONNECT_MS);
  };
  kiosk.socket = socket;
}

function send(message) {
  if (kiosk.socket && kiosk.socket.readyState === WebSocket.OPEN) kiosk.socket.send(JSON.stringify(message));
}

function onMessage(msg) {
  switch (msg.type) {
    case "hello":
      kiosk.audioSource = msg.audio_source;
      kiosk.droppedTurn = kiosk.lastTimingsTurn = kiosk.turn = 0;
      wipeScreen();
      // A missing microphone is for staff (log, staff page), not for the resident.
      $("office-phone").textContent = msg.office_phone;
      send({ type: "volume", level: VOLUMES[kiosk.volume] });
      Layout.refresh(false);
      break;
    case "state":
      kiosk.handsFree = msg.hands_free;
      kiosk.turn = msg.turn;
      showState(msg.state);
      break;
    case "Transcript":
      showConversation();
      $("caption").textContent = msg.rejected ? "(잘 들리지 않았어요)" : msg.text;
      break;
    case "ServicesFound":
      kiosk.services = msg.services;
      break;
    case "Answer":
      // What the kiosk says on its own ("말씀이 들리지 않았어요", "직원에게 알렸어요") is heard and
      // shown as a notice; the answer and its record stay on screen.
      if (msg.kind === "notice" || msg.kind === "handoff") showNotice(msg.speech);
      else showAnswer(msg);
      break;
    case "Timings":
      kiosk.lastTimingsTurn = msg.turn;
      reportPlayed();
      break;
    case "interrupted":
      kiosk.droppedTurn = Math.max(kiosk.droppedTurn, msg.turn);
      stopPlayback();
      break;
    case "ReplyPaused":
      if (msg.turn > kiosk.droppedTurn) pausePlayback();
      break;
    case "ReplyResumed":
      if (msg.turn > kiosk.droppedTurn) resumePlayback();
      break;
    case "agent":
      showAgent(msg);
      break;
    case "staff":
      showStaff(msg.status);
      break;
    case "reset":
      stopPlayback();
      wipeScreen();
      setSlower(false);  // the server's session is back at the normal rate
      if (msg.reason === "idle") {  // the next person starts from the kiosk's defaults
        setBigger(false);
        setVolume(NORMAL_VOLUME, false);
      }
      break;
    case "Notice":  // one meant for staff goes to the staff page and the log, not to the resident
      if (msg.level === "warning" || msg.audience === "staff") console.warn(msg.message);
      else showNotice(msg.message);
      break;
  }
}

// --- screen -----------------------------------------------------------------------
function showState(state) {
  const wasListening = kiosk.state === "listening";
  kiosk.state = state;
  const box = $("state");
  box.dataset.state = state;
  const key = state === "ready" && kiosk.handsFree ? "readyHandsFree" : state;
  $("state-text").textContent = STATE_TEXT[key];
  if (state !== "listening") box.style.setProperty("--level", 0);
  $("talk").dataset.active = String(state === "listening");
  $("talk-label").textContent = state === "listening" ? "다 말했어요" : "말하기";
  const handsFree = $("hands-free");
  handsFree.setAttribute("aria-pressed", String(kiosk.handsFree));
  handsFree.textContent = kiosk.handsFree ? "✓ 자동 듣기" : "자동 듣기";
  if (state === "listening" && !wasListening) chime();
}

function showConversation() {
  $("welcome").hidden = true;
  $("conversation").hidden = false;
  $("notice").hidden = true;
}

function showAnswer(msg) {
  showConversation();
  $("answer").textContent = msg.speech;
  // A service's full record, or a list of services that may fit with the reasons: paged below.
  showRecord(msg.kind === "answer" || msg.kind === "suggest" ? msg.screen : "");
  showChoices(msg.choices && msg.choices.length ? msg.choices : msg.kind === "clarify" ? kiosk.services.slice(0, 3) : []);
  showFollowUps(msg.follow_ups || []);
  if (msg.card) showCard(msg.card);
  else if (msg.kind !== "repeat") $("card").hidden = true;  // "잘 못 들었어요" keeps the service in view
  Layout.refresh(false);
}

// The full record (the answer's `screen`), to page through: what the voice said, and more.
function showRecord(screen) {
  const parts = [];
  for (const line of screen.split("\n").map((l) => l.trim()).filter(Boolean)) {
    let el;
    if (line.startsWith("■")) {
      el = document.createElement("h3");
      el.className = "record-title";
      el.textContent = line.replace(/^■\s*/, "");
    } else if (/^\[.+\]$/.test(line)) {
      el = document.createElement("h3");
      el.textContent = line.slice(1, -1);
    } else {
      el = document.createElement("p");
      if (line.startsWith("출처")) el.className = "source";
      el.textContent = line;
    }
    parts.push(el);
  }
  $("record").replaceChildren(...parts);
}

function bigButton(text, className, onPress) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.textContent = text;
  button.addEventListener("click", onPress);
  return button;
}

// A clarifying question: the candidate services as buttons, so a touch answers it too.
function showChoices(choices) {
  $("choices").replaceChildren(...choices.map(({ name }) => bigButton(name, "choice", () => askText(name))));
}

// Suggested follow-up questions, one touch each.
function showFollowUps(questions) {
  const box = $("follow-ups");
  box.replaceChildren(box.firstElementChild, ...questions.map((q) => bigButton(q, "follow-up", () => askText(q))));
  box.hidden = questions.length === 0;
}

function askText(text) {
  audioContext();
  showConversation();
  $("caption").textContent = text;
  $("answer").textContent = "";
  $("record").replaceChildren();
  showChoices([]);
  showFollowUps([]);
  Layout.refresh(false);
  send({ type: "ask", text });
}

function phoneItems(list, phones) {
  list.replaceChildren(...phones.map(({ organization, number }) => {
    const item = document.createElement("li");
    if (organization) {
      const org = document.createElement("span");
      org.className = "org";
      org.textContent = organization;
      item.append(org);
    }
    const strong = document.createElement("strong");
    strong.className = "phone-number";
    strong.textContent = `☎ ${number}`;
    item.append(strong);
    return item;
  }));
}

function showCard(card) {
  $("card-region").textContent = card.region;
  $("card-name").textContent = card.name;
  $("card-apply").textContent = card.how_to_apply;
  phoneItems($("card-phones"), card.phones);
  $("card-source").textContent = card.source ? `출처: ${card.source}` : "";
  $("card").hidden = false;
}

// 상담원 연결: staff were called (msg.staff) or, where no staff page exists, the numbers to call.
function showAgent(msg) {
  const phones = msg.phones.map((p) => ({ organization: p.organization || msg.service, number: p.number }));
  phones.push({ organization: "주민센터", number: msg.office_phone });
  phoneItems($("agent-phones"), phones);
  showStaff(msg.staff ? msg.staff.status : "none");
  openDialog("agent-panel", "agent-close");
}

function showStaff(status) {
  const line = $("agent-status");
  line.dataset.staff = status;
  line.textContent = STAFF_TEXT[status];
  if (status === "taken") showNotice(STAFF_TEXT.taken);
}

function showNotice(text) {
  showConversation();
  $("notice").textContent = text;
  $("notice").hidden = false;
  Layout.paginate(true);
}

function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, TOAST_MS);
}

function wipeScreen() {
  for (const id of ["caption", "answer", "notice", "card-region", "card-name", "card-apply", "card-source",
    "agent-status"]) $(id).textContent = "";
  for (const id of ["card-phones", "agent-phones", "record", "choices"]) $(id).replaceChildren();
  showFollowUps([]);
  $("ask-text").value = "";
  $("card").hidden = true;
  for (const id of ["agent-panel", "ask-panel", "menu-panel"]) $(id).hidden = true;
  $("conversation").hidden = true;
  $("welcome").hidden = false;
  Layout.refresh(false);
}

function setBigger(on) {
  document.documentElement.classList.toggle("bigger", on);
  $("bigger").setAttribute("aria-pressed", String(on));
  $("bigger").textContent = on ? "글자 보통" : "글자 크게";
  Layout.refresh();
}

function setSlower(on) {
  $("slower").setAttribute("aria-pressed", String(on));
}

function setVolume(index, tell = true) {
  kiosk.volume = Math.max(0, Math.min(VOLUMES.length - 1, index));
  if (master) master.gain.value = VOLUMES[kiosk.volume];
  send({ type: "volume", level: VOLUMES[kiosk.volume] });
  $("volume-up").disabled = kiosk.volume === VOLUMES.length - 1;
  $("volume-down").disabled = kiosk.volume === 0;
  if (tell) {
    showToast(`소리 크기 ${kiosk.volume + 1} / ${VOLUMES.length}`);
    chime();  // heard at the new loudness
  }
}

function openDialog(id, focus) {
  const panel = $(id);
  panel.hidden = false;
  Layout.fitDialog(panel);
  $(focus).focus();
}

// --- buttons ------------------------------------------------------------------------
async function onTalk() {
  const now = Date.now();
  if (now - kiosk.lastTalk < DOUBLE_PRESS_MS) return;
  kiosk.lastTalk = now;
  audioContext();
  if (kiosk.state === "speaking" || kiosk.state === "thinking") {
    kiosk.droppedTurn = Math.max(kiosk.droppedTurn, kiosk.turn);
    stopPlayback();
  }
  // The microphone opens on first use, before the server starts listening to it.
  if (kiosk.state !== "listening") await startMic();
  send({ type: "talk" });
}

function command(type) {
  return () => {
    audioContext();
    send({ type });
  };
}

function wire() {
  $("talk").addEventListener("click", onTalk);
  $("replay").addEventListener("click", command("replay"));
  $("slower").addEventListener("click", () => {
    const on = $("slower").getAttribute("aria-pressed") !== "true";
    setSlower(on);
    audioContext();
    send({ type: on ? "slower" : "normal" });  // 천천히 also says the last answer again, slower
  });
  $("volume-up").addEventListener("click", () => { audioContext(); setVolume(kiosk.volume + 1); });
  $("volume-down").addEventListener("click", () => { audioContext(); setVolume(kiosk.volume - 1); });
  $("restart").addEventListener("click", command("restart"));
  $("agent").addEventListener("click", command("agent"));
  $("agent-close").addEventListener("click", () => { $("agent-panel").hidden = true; });
  $("menu-open").addEventListener("click", () => openDialog("menu-panel", "menu-close"));
  $("menu-close").addEventListener("click", () => { $("menu-panel").hidden = true; });
  // A button chosen from the menu closes it first, then does its own work.
  $("menu-items").addEventListener("click", () => { $("menu-panel").hidden = true; }, true);
  $("bigger").addEventListener("click", () => setBigger(!document.documentElement.classList.contains("bigger")));
  $("hands-free").addEventListener("click", async () => {
    const on = !kiosk.handsFree;
    if (on) await startMic();
    send({ type: "hands_free", on });
  });
  $("ask-open").addEventListener("click", () => openDialog("ask-panel", "ask-text"));
  Keyboard.attach($("keyboard"), $("ask-text"), $("key-space"), $("key-back"));
  $("ask-close").addEventListener("click", () => { $("ask-panel").hidden = true; });
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("ask-text").value.trim();
    if (!text) return;
    $("ask-text").value = "";
    $("ask-panel").hidden = true;
    askText(text);
  });
}

wire();
Layout.start();
connect();
