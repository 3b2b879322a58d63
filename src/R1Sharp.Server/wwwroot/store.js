// R1Sharp chat page history in localStorage: the conversation's turns ({role, content} plus, for answers, what the
// page shows: reasoning, thinkingTokens, finish, tokens, tps, state), saved after each change and restored on load.
"use strict";
const R1Store = (() => {
  const key = "r1sharp.chat.v1";
  function load() {
    try {
      const turns = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(turns) ? turns.filter((t) => t && (t.role === "user" || t.role === "assistant") && typeof t.content === "string") : [];
    } catch (e) { return []; }
  }
  function save(turns) {
    try { localStorage.setItem(key, JSON.stringify(turns)); } catch (e) { /* storage full or disabled: keep going in memory */ }
  }
  function clear() {
    try { localStorage.removeItem(key); } catch (e) { /* disabled */ }
  }
  return { key, load, save, clear };
})();
