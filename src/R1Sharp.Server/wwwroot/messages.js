// R1Sharp chat page message DOM: builds a user or assistant message from a turn and updates it as the answer streams.
// Model text only ever reaches the page escaped (textContent, or R1Render's escaped Markdown).
"use strict";
const R1Messages = (() => {
  const $ = (id) => document.getElementById(id);

  function addUser(turn) {
    const div = document.createElement("div");
    div.className = "message user";
    div.textContent = turn.content;
    $("messages").appendChild(div);
    div.scrollIntoView({ block: "end" });
    return div;
  }

  function addAssistant(turn, actions) {
    const div = document.createElement("div");
    div.className = "message assistant";
    div.innerHTML = '<details class="thinking" open><summary>Thinking (<span class="thinking-count">0</span> tokens)</summary>' +
      '<div class="reasoning"></div></details><div class="content"></div>' +
      '<div class="final-answer" hidden><span class="final-label">Answer</span> <span class="final-text"></span></div>' +
      '<div class="meta"><span class="finish-reason"></span><span class="token-count"></span><span class="tokens-per-second"></span>' +
      '<button type="button" class="copy">Copy</button><button type="button" class="regenerate">Regenerate</button></div>';
    div.querySelector(".copy").addEventListener("click", () => actions.copy(turn, div));
    div.querySelector(".regenerate").addEventListener("click", () => actions.regenerate(turn));
    $("messages").appendChild(div);
    update(div, turn);
    if (turn.state === "done" || turn.state === "stopped") div.querySelector(".thinking").open = !turn.content;
    div.scrollIntoView({ block: "end" });
    return div;
  }

  // Redraws an assistant message from its turn (cheap enough to do per streamed chunk for a chat page).
  function update(div, turn) {
    div.dataset.state = turn.state || "done";
    const thinking = div.querySelector(".thinking");
    thinking.hidden = !turn.reasoning;
    div.querySelector(".reasoning").textContent = turn.reasoning || "";
    div.querySelector(".thinking-count").textContent = String(turn.thinkingTokens || 0);
    const content = div.querySelector(".content");
    content.innerHTML = R1Render.answerHtml(turn.content);
    if (turn.error) {
      const error = document.createElement("p");
      error.className = "error";
      error.textContent = "[error: " + turn.error + "]";
      content.appendChild(error);
    }
    const final = R1Render.finalAnswerHtml(turn.content);
    div.querySelector(".final-answer").hidden = final === null || turn.state === "streaming";
    div.querySelector(".final-text").innerHTML = final === null ? "" : final;
    const finish = turn.state === "stopped" ? "stopped" : turn.finish;
    div.querySelector(".finish-reason").textContent = finish ? "finish: " + finish : "";
    div.querySelector(".token-count").textContent = turn.tokens ? turn.tokens + " tokens" : "";
    div.querySelector(".tokens-per-second").textContent = turn.tps ? turn.tps + " tokens/s" : "";
    div.querySelector(".meta").hidden = turn.state === "streaming";
  }

  // Only the last answer offers "Regenerate".
  function markLast() {
    const all = document.querySelectorAll(".message.assistant .regenerate");
    all.forEach((b, i) => { b.hidden = i !== all.length - 1; });
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return; }
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }

  return { addUser, addAssistant, update, markLast, copyText };
})();
