// R1Sharp chat page text rendering, pure functions (no DOM): HTML escaping, a small safe Markdown subset and the final
// answer (<answer>…</answer> or the last \boxed{…}); math through KaTeX (wwwroot/katex, vendored by
// tools/katex-vendor/vendor.sh) when loaded. Model text is untrusted: everything is escaped before any markup
// is added; the only tags produced are the fixed ones below and KaTeX's (no links, images or raw HTML).
"use strict";
const R1Render = (() => {
  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // The argument of the last \boxed{…} (braces balanced), or null.
  function lastBoxed(text) {
    const at = text.lastIndexOf("\\boxed{");
    if (at < 0) return null;
    let depth = 0;
    for (let i = at + 6; i < text.length; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) return text.slice(at + 7, i);
    }
    return null;
  }

  // The final answer: the last <answer>…</answer>, else the last \boxed{…}; null when there is neither.
  function finalAnswer(text) {
    const tags = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
    if (tags.length) return tags[tags.length - 1][1].trim();
    const boxed = lastBoxed(text);
    return boxed === null ? null : boxed.trim();
  }

  // Inline spans on already escaped text: `code`, **bold**, *italic*.
  function inline(escaped) {
    return escaped.split(/(`[^`\n]+`)/g).map((part, i) => i % 2 === 1
      ? "<code>" + part.slice(1, -1) + "</code>"
      : part.replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>").replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<em>$2</em>")).join("");
  }

  // One block of non-code lines: headings, lists and paragraphs.
  function blocks(lines) {
    const out = [];
    let list = null, para = [];
    const flushPara = () => { if (para.length) out.push("<p>" + para.map(inline).join("<br>") + "</p>"); para = []; };
    const flushList = () => { if (list) out.push("<" + list.tag + ">" + list.items.map((x) => "<li>" + inline(x) + "</li>").join("") + "</" + list.tag + ">"); list = null; };
    for (const raw of lines) {
      const line = escapeHtml(raw);
      const heading = /^(#{1,6}) +(.*)$/.exec(line);
      const bullet = /^\s*[-*+] +(.*)$/.exec(line);
      const numbered = /^\s*\d+[.)] +(.*)$/.exec(line);
      if (heading) { flushPara(); flushList(); out.push("<h" + heading[1].length + ">" + inline(heading[2]) + "</h" + heading[1].length + ">"); }
      else if (bullet || numbered) {
        flushPara();
        const tag = bullet ? "ul" : "ol";
        if (!list || list.tag !== tag) { flushList(); list = { tag, items: [] }; }
        list.items.push((bullet || numbered)[1]);
      } else if (line.trim() === "") { flushPara(); flushList(); }
      else { flushList(); para.push(line); }
    }
    flushPara(); flushList();
    return out.join("");
  }

  // TeX to HTML with KaTeX when the page loaded it (trust off: no \href or \includegraphics; errors shown in red
  // instead of thrown), else the escaped source.
  function tex(source, display) {
    if (typeof katex === "undefined") return escapeHtml(source);
    return katex.renderToString(source, { displayMode: display, throwOnError: false, trust: false, maxExpand: 1000, output: "htmlAndMathml" });
  }

  // Renders text with its math ($$…$$, \[…\], \(…\), $…$; not inside `code`) typeset: math is swapped for placeholders that
  // escaping and Markdown leave alone, then put back as KaTeX HTML.
  function withMath(text, render) {
    const math = [];
    const pattern = /(`[^`\n]+`)|\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$([^\s$](?:[^$\n]*?[^\s$])?)\$/g;
    const marked = text.replace(/\u0000/g, "").replace(pattern, (m, code, dollars, bracket, paren, single) => {
      if (code !== undefined) return code;
      const display = dollars !== undefined || bracket !== undefined;
      math.push(typeof katex === "undefined" ? escapeHtml(m) : tex(dollars ?? bracket ?? paren ?? single, display));
      return "\u0000" + (math.length - 1) + "\u0000";
    });
    return render(marked).replace(/\u0000(\d+)\u0000/g, (m, i) => math[Number(i)]);
  }

  // Markdown subset to HTML: ``` fenced code, headings, - / 1. lists, paragraphs, inline code, bold, italic, math.
  function markdown(text) {
    const lines = String(text).split("\n"), out = [];
    let plain = [], code = null;
    const prose = () => withMath(plain.join("\n"), (t) => blocks(t.split("\n")));
    for (const line of lines) {
      if (/^\s*```/.test(line)) {
        if (code === null) { out.push(prose()); plain = []; code = []; }
        else { out.push("<pre><code>" + escapeHtml(code.join("\n")) + "</code></pre>"); code = null; }
      } else if (code !== null) code.push(line);
      else plain.push(line);
    }
    if (code !== null) out.push("<pre><code>" + escapeHtml(code.join("\n")) + "</code></pre>");
    out.push(prose());
    return out.join("");
  }

  // The final answer as HTML: <answer> text (its math typeset), a \boxed{…} argument typeset as math; null if none.
  function finalAnswerHtml(text) {
    const tags = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
    if (tags.length) return withMath(tags[tags.length - 1][1].trim(), escapeHtml);
    const boxed = lastBoxed(text);
    return boxed === null ? null : tex(boxed.trim(), false);
  }

  // The answer as shown: Markdown with the <answer> tags themselves left out (their text is kept).
  function answerHtml(text) {
    return markdown(String(text).replace(/<\/?answer>/g, ""));
  }

  // "12.3" tokens/s: the server's timings when it sent them, else tokens over the client's wall clock.
  function tokensPerSecond(timings, completionTokens, seconds) {
    if (timings && typeof timings.predicted_per_second === "number") return timings.predicted_per_second.toFixed(1);
    if (!completionTokens || !(seconds > 0)) return null;
    return (completionTokens / seconds).toFixed(1);
  }

  return { escapeHtml, lastBoxed, finalAnswer, finalAnswerHtml, tex, markdown, answerHtml, tokensPerSecond };
})();
if (typeof module !== "undefined") module.exports = R1Render;
