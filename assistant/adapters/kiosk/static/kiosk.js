// The kiosk page: renders the conversation's events and sends the resident's voice,
// buttons and typed questions over one WebSocket (protocol: kiosk/protocol.py).
"use strict";

const $ = (id) => document.getElementById(id);

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

const kiosk = {
  socket: null,
  audioSource: "browser",
  state: "offline",
  handsFree: false,
  droppedTurn: 0,      // audio of this turn and earlier is not played (interrupted)
  lastTimingsTurn: 0,  // the server has sent everything of this turn
  turn: 0,             // the server's current turn
  agentPending: false,
  services: [],        // the services found for the current question, best first
  lastTalk: 0,
};

// --- audio: one context for the microphone and for replies ------------------------
let context = null;
let mic = null;
let micStarting = null;
let playEnd = 0;
const playing = new Set();

function audioContext() {
  if (!context) context = new AudioContext();
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
    showNotice("마이크를 쓸 수 없어요. 위의 ‘글로 묻기’를 눌러 물어보세요.");
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
  const source = ctx.createBufferSource();
  source.buffer = clip;
  source.connect(ctx.destination);
  const start = Math.max(ctx.currentTime + 0.05, playEnd);
  source.start(start);
  playEnd = start + clip.duration;
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
}

// Tells the server the turn has been heard to the end, so "말하는 중" ends with the voice.
function reportPlayed() {
  if (playing.size === 0 && kiosk.lastTimingsTurn > kiosk.droppedTurn) {
    send({ type: "played", turn: kiosk.lastTimingsTurn });
  }
}

// A soft rising chime: the kiosk is listening now.
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
    osc.connect(gain).connect(context.destination);
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
      $("office-phone").textContent = msg.office_phone;
      $("device-notice").textContent = msg.device_problem || "";
      $("device-notice").hidden = !msg.device_problem;
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
      // A notice the kiosk says on its own ("말씀이 들리지 않았어요") is heard and shown as a notice.
      if (msg.kind === "notice") showNotice(msg.speech);
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
    case "agent":
      showAgent(msg);
      break;
    case "reset":
      stopPlayback();
      wipeScreen();
      if (msg.reason === "idle") setBigger(false);
      break;
    case "Notice":
      if (msg.level === "warning") console.warn(msg.message);
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
  document.querySelector(".main").scrollTop = 0;
  if (msg.kind === "clarify") showChoices(msg.screen.split("\n")[0]);
  else $("answer").textContent = msg.speech;
  if (msg.card) showCard(msg.card);
  else if (msg.kind === "clarify" || (msg.kind === "notice" && !kiosk.agentPending)) $("card").hidden = true;
  kiosk.agentPending = false;
}

// A clarifying question: the candidate services as buttons, so a touch answers it too.
function showChoices(question) {
  const title = document.createElement("p");
  title.textContent = question;
  const choices = kiosk.services.slice(0, 3).map(({ name }) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.textContent = name;
    button.addEventListener("click", () => askText(name));
    return button;
  });
  $("answer").replaceChildren(title, ...choices);
}

function askText(text) {
  audioContext();
  showConversation();
  $("caption").textContent = text;
  $("answer").textContent = "";
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
  $("card").hidden = false;
}

function showAgent(msg) {
  kiosk.agentPending = true;
  const phones = msg.phones.map((p) => ({ organization: p.organization || msg.service, number: p.number }));
  phones.push({ organization: "주민센터", number: msg.office_phone });
  phoneItems($("agent-phones"), phones);
  $("agent-panel").hidden = false;
  $("agent-close").focus();
}

function showNotice(text) {
  showConversation();
  $("notice").textContent = text;
  $("notice").hidden = false;
}

function wipeScreen() {
  for (const id of ["caption", "answer", "notice", "card-region", "card-name", "card-apply"]) $(id).textContent = "";
  $("card-phones").replaceChildren();
  $("agent-phones").replaceChildren();
  $("ask-text").value = "";
  $("card").hidden = true;
  $("agent-panel").hidden = true;
  $("ask-panel").hidden = true;
  $("conversation").hidden = true;
  $("welcome").hidden = false;
}

function setBigger(on) {
  document.documentElement.classList.toggle("bigger", on);
  $("bigger").setAttribute("aria-pressed", String(on));
  $("bigger").textContent = on ? "글자 보통" : "글자 크게";
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
  $("slower").addEventListener("click", command("slower"));
  $("restart").addEventListener("click", command("restart"));
  $("agent").addEventListener("click", command("agent"));
  $("agent-close").addEventListener("click", () => { $("agent-panel").hidden = true; });
  $("bigger").addEventListener("click", () => setBigger(!document.documentElement.classList.contains("bigger")));
  $("hands-free").addEventListener("click", async () => {
    const on = !kiosk.handsFree;
    if (on) await startMic();
    send({ type: "hands_free", on });
  });
  $("ask-open").addEventListener("click", () => {
    $("ask-panel").hidden = false;
    $("ask-text").focus();
  });
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
connect();
