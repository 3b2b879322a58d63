// Encodes strings with transformers.js (@lenml/tokenizers 3.7.2) from a tokenizer directory, for the
// BpeTrainer parity test (tests/R1Sharp.Tests/Text/Training/BpeParityTests.cs).
// Usage: node encode.mjs <dir with tokenizer.json + tokenizer_config.json> <inputs.json: array of strings>
// Prints a JSON array with one id array per input, encoded with add_special_tokens=false.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const [dir, inputsPath] = process.argv.slice(2);
if (!dir || !inputsPath) {
  console.error("usage: node encode.mjs <tokenizer dir> <inputs.json>");
  process.exit(2);
}
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
  tokenizerConfig: JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
});
const inputs = JSON.parse(readFileSync(inputsPath, "utf8"));
const ids = inputs.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
process.stdout.write(JSON.stringify(ids));
