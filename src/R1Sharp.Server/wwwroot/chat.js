// R1Sharp chat page logic: keeps the conversation in memory (answers only; thinking is never sent back), streams
// chat.completion.chunk events, shows reasoning_content in a collapsible "Thinking" block with a live token count.
"use strict";
const $ = (id) => document.getElementById(id);
const history = [];
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

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  if (role === "assistant") {
    div.innerHTML = '<details class="thinking" open><summary>Thinking (<span class="thinking-count">0</span> tokens)</summary>' +
      '<div class="reasoning"></div></details><div class="content"></div>';
    div.querySelector(".thinking").hidden = true;
  } else div.textContent = text;
  $("messages").appendChild(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

function numberField(id) {
  const v = $(id).value.trim();
  return v === "" ? undefined : Number(v);
}

function request() {
  const body = { model: modelId, messages: history.slice(), stream: true, stream_options: { include_usage: true } };
  const fields = { max_tokens: "max-tokens", thinking_budget: "thinking-budget", temperature: "temperature", seed: "seed" };
  for (const [name, id] of Object.entries(fields)) { const v = numberField(id); if (v !== undefined) body[name] = v; }
  return body;
}

async function send(text) {
  if (!modelId) await loadModel();
  history.push({ role: "user", content: text });
  addMessage("user", text);
  const msg = addMessage("assistant");
  msg.dataset.state = "streaming";
  const thinking = msg.querySelector(".thinking"), reasoning = msg.querySelector(".reasoning");
  const count = msg.querySelector(".thinking-count"), content = msg.querySelector(".content");
  let answer = "", thinkingChunks = 0;
  controller = new AbortController();
  setBusy(true);
  try {
    const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(request()), signal: controller.signal });
    if (!r.ok) { const e = await r.json().catch(() => ({})); throw new Error((e.error && e.error.message) || r.statusText); }
    const reader = r.body.getReader(), decoder = new TextDecoder();
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
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        if (chunk.usage) count.textContent = chunk.usage.completion_tokens_details.reasoning_tokens;
        const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        if (!delta) continue;
        if (delta.reasoning_content) {
          thinking.hidden = false;
          reasoning.textContent += delta.reasoning_content;
          count.textContent = ++thinkingChunks;
        }
        if (delta.content) {
          if (!answer && thinking.open) thinking.open = false;
          answer += delta.content;
          content.textContent = answer;
        }
      }
    }
    msg.dataset.state = "done";
  } catch (e) {
    if (e.name === "AbortError") msg.dataset.state = "stopped";
    else { msg.dataset.state = "error"; content.textContent = answer + " [error: " + e.message + "]"; }
  } finally {
    history.push({ role: "assistant", content: answer });
    controller = null;
    setBusy(false);
  }
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
  history.length = 0;
  $("messages").innerHTML = "";
});
loadModel();
