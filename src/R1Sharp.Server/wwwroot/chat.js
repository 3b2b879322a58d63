// R1Sharp chat page logic: the conversation is a list of turns kept in localStorage (R1Store; answers only are sent
// back, never their thinking), streamed from chat.completion.chunk events; each answer shows its thinking (with a live
// token count), Markdown, the final answer, finish reason and tokens/s, with copy and regenerate buttons.
"use strict";
const $ = (id) => document.getElementById(id);
const turns = R1Store.load();
let modelId = null;
let controller = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

async function loadModel() {
  try {
    const r = await fetch("/v1/models", { headers: headers() });
    const body = await r.json();
    modelId = body.data[0].id;
    $("model-name").textContent = modelId;
  } catch (e) { $("status").textContent = "could not list models: " + e; }
}

function numberField(id) {
  const v = $(id).value.trim();
  return v === "" ? undefined : Number(v);
}

function request() {
  const messages = turns.map((t) => ({ role: t.role, content: t.content }));
  const body = { model: modelId, messages, stream: true, stream_options: { include_usage: true } };
  const fields = { max_tokens: "max-tokens", thinking_budget: "thinking-budget", temperature: "temperature", seed: "seed" };
  for (const [name, id] of Object.entries(fields)) { const v = numberField(id); if (v !== undefined) body[name] = v; }
  return body;
}

const actions = {
  async copy(turn, div) {
    const button = div.querySelector(".copy");
    try { await R1Messages.copyText(turn.content); button.textContent = "Copied"; }
    catch (e) { button.textContent = "Copy failed"; }
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  },
  regenerate(turn) {
    if (controller || turns[turns.length - 1] !== turn) return;
    turns.pop();
    R1Store.save(turns);
    const all = document.querySelectorAll(".message.assistant");
    all[all.length - 1].remove();
    generate();
  },
};

// Applies one chat.completion.chunk to the streaming turn.
function applyChunk(turn, chunk) {
  if (chunk.error) throw new Error(chunk.error.message);
  if (chunk.usage) {
    turn.thinkingTokens = chunk.usage.completion_tokens_details.reasoning_tokens;
    turn.tokens = chunk.usage.completion_tokens;
  }
  if (chunk.timings) turn.timings = chunk.timings;
  const choice = chunk.choices && chunk.choices[0];
  if (!choice) return;
  if (choice.finish_reason) turn.finish = choice.finish_reason;
  const delta = choice.delta;
  if (!delta) return;
  if (delta.reasoning_content) { turn.reasoning += delta.reasoning_content; turn.thinkingTokens++; }
  if (delta.content) turn.content += delta.content;
}

async function stream(response, turn, div) {
  const reader = response.body.getReader(), decoder = new TextDecoder();
  const thinking = div.querySelector(".thinking");
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      if (!event.startsWith("data: ")) continue;
      const data = event.slice(6);
      if (data === "[DONE]") continue;
      const hadAnswer = turn.content !== "";
      applyChunk(turn, JSON.parse(data));
      if (!hadAnswer && turn.content && thinking.open) thinking.open = false;
      R1Messages.update(div, turn);
    }
  }
}

// Streams an answer to the conversation so far (which ends with the user's turn).
async function generate() {
  if (!modelId) await loadModel();
  const turn = { role: "assistant", content: "", reasoning: "", thinkingTokens: 0, state: "streaming" };
  turns.push(turn);
  const div = R1Messages.addAssistant(turn, actions);
  R1Messages.markLast();
  controller = new AbortController();
  setBusy(true);
  const started = performance.now();
  try {
    const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(request()), signal: controller.signal });
    if (!r.ok) { const e = await r.json().catch(() => ({})); throw new Error((e.error && e.error.message) || r.statusText); }
    await stream(r, turn, div);
    turn.state = "done";
  } catch (e) {
    if (e.name === "AbortError") turn.state = "stopped";
    else { turn.state = "error"; turn.error = e.message; }
  } finally {
    turn.tps = R1Render.tokensPerSecond(turn.timings, turn.tokens, (performance.now() - started) / 1000);
    delete turn.timings;
    R1Messages.update(div, turn);
    R1Store.save(turns);
    controller = null;
    setBusy(false);
  }
}

function send(text) {
  const turn = { role: "user", content: text };
  turns.push(turn);
  R1Store.save(turns);
  R1Messages.addUser(turn);
  generate();
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").hidden = !busy;
  $("status").textContent = busy ? "generating…" : "";
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || controller) return;
  $("prompt").value = "";
  send(text);
});
$("prompt").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
});
$("stop").addEventListener("click", () => { if (controller) controller.abort(); });
$("new-chat").addEventListener("click", () => {
  if (controller) controller.abort();
  turns.length = 0;
  R1Store.clear();
  $("messages").innerHTML = "";
});
for (const turn of turns) {
  if (turn.role === "user") R1Messages.addUser(turn);
  else { if (turn.state === "streaming") turn.state = "stopped"; R1Messages.addAssistant(turn, actions); }
}
R1Messages.markLast();
loadModel();
