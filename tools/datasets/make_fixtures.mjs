// Writes tests/fixtures/datasets/: JSON Lines files (exact bytes, incl. BOM/CRLF/malformed rows) and Parquet
// files written by hyparquet-writer 0.17.0 (flat) and parquetjs-lite 0.8.7 (nested), pure JavaScript writers
// independent of Parquet.Net, which reads them in the tests.
// Run: cd tools/datasets && npm ci && node make_fixtures.mjs
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetWriteBuffer } from 'hyparquet-writer'
import parquetjs from 'parquetjs-lite'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'datasets')
mkdirSync(out, { recursive: true })
const jsonl = (name, rows, { bom = false, eol = '\n', trailing = true } = {}) => {
  const lines = rows.map(r => (typeof r === 'string' ? r : JSON.stringify(r)))
  const text = (bom ? '\uFEFF' : '') + lines.join(eol) + (trailing ? eol : '')
  writeFileSync(join(out, name), text, 'utf8')
}
const parquet = (name, columnData, opts = {}) =>
  writeFileSync(join(out, name), Buffer.from(parquetWriteBuffer({ columnData, ...opts })))

// --- problems (shapes of GSM8K, MATH-500, AIME datasets as published) ---
const gsm8k = [
  { question: 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?',
    answer: 'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72' },
  { question: 'Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?',
    answer: 'Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10' },
  { question: 'A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take?',
    answer: 'It takes 2/2=<<2/2=1>>1 bolt of white fiber\nSo the total amount of fabric is 2+1=<<2+1=3>>3 bolts of fabric\n#### 3' },
]
const math500 = [
  { problem: 'Convert the point $(0,3)$ in rectangular coordinates to polar coordinates.', solution: 'We have $r = 3$ and $\\theta = \\frac{\\pi}{2}$, so the answer is $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$',
    answer: '\\left( 3, \\frac{\\pi}{2} \\right)', subject: 'Precalculus', level: 2, unique_id: 'test/precalculus/807.json' },
  { problem: 'What is the value of $513^2 - 487^2$?', solution: '$(513+487)(513-487) = 1000 \\cdot 26 = \\boxed{26000}$.',
    answer: '26000', subject: 'Algebra', level: 1, unique_id: 'test/algebra/2592.json' },
]
const aime = [
  { id: 60, problem: 'Find the number of ordered pairs $(x,y)$ of integers ...', solution: 'Counting gives 117.', answer: 117, url: 'https://example.invalid/aime/1' },
  { id: 61, problem: 'Find the remainder when $N$ is divided by 1000.', solution: 'So N mod 1000 = 25.', answer: 25, url: 'https://example.invalid/aime/2' },
]
const aimeCaps = aime.map(r => ({ ID: `2024-I-${r.id - 59}`, Problem: r.problem, Solution: r.solution, Answer: r.answer }))
jsonl('gsm8k.jsonl', gsm8k)
jsonl('math500.jsonl', math500)
jsonl('aime.jsonl', aime)
jsonl('aime_caps.jsonl', aimeCaps)
jsonl('custom_columns.jsonl', [{ uid: 'q1', prompt_text: 'What is 2+3?', gold: '5' }, { uid: 'q2', prompt_text: 'What is 7*6?', gold: 42 }])
// BOM, CRLF line ends, blank and whitespace-only lines, no newline after the last row.
jsonl('gsm8k_bom_crlf.jsonl', ['', JSON.stringify(gsm8k[0]), '   ', JSON.stringify(gsm8k[1]), '', JSON.stringify(gsm8k[2])],
  { bom: true, eol: '\r\n', trailing: false })
jsonl('unknown_columns.jsonl', [{ text: 'hello', label: 1 }])
jsonl('empty.jsonl', ['', ''])

// Malformed problem rows: one error each; line numbers are 1-based and count blank lines.
const q = gsm8k[0]
jsonl('bad_missing_answer.jsonl', [q, q, '', { question: q.question }])                // line 4
jsonl('bad_null_question.jsonl', [{ question: null, answer: q.answer }])               // line 1
jsonl('bad_question_number.jsonl', [q, { question: 7, answer: q.answer }])            // line 2
jsonl('bad_answer_bool.jsonl', [{ problem: 'p', answer: true }])                      // line 1
jsonl('bad_no_marker.jsonl', [{ question: 'q', answer: 'no marker here' }])           // line 1
jsonl('bad_not_object.jsonl', [q, '[1, 2, 3]'])                                       // line 2
jsonl('bad_truncated_last.jsonl', [q, '{"question": "Natalia sold clips', ], { trailing: false }) // line 2
// Skip-and-count: 6 data lines, 3 bad (line 2 missing answer, line 4 invalid JSON, line 6 null answer).
jsonl('mixed_bad.jsonl', [gsm8k[0], { question: 'x' }, gsm8k[1], '{"question": ', gsm8k[2], { question: 'y', answer: null }])

// --- conversations ---
const convs = [
  { messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '2+2 = 4.', reasoning_content: 'Add two and two: four.' },
  ] },
  { messages: [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: 'Let me check.' },
    { role: 'tool', content: '{"temp_c": 18}' },
    { role: 'assistant', content: 'It is 18 C.' },
  ] },
]
jsonl('conversations.jsonl', convs)
jsonl('bad_role.jsonl', [convs[0], { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hey' }, { role: 'bot', content: 'x' }] }]) // line 2, [2]
jsonl('bad_messages_type.jsonl', [{ messages: 'hello' }])
jsonl('bad_content_missing.jsonl', [{ messages: [{ role: 'user' }] }])
jsonl('bad_messages_empty.jsonl', [{ messages: [] }])

// --- prompt/completion (TRL standard and conversational) ---
const pcText = [
  { prompt: 'The sky is', completion: ' blue.' },
  { prompt: 'The sun is', completion: ' bright.' },
]
const pcConv = [
  { prompt: [{ role: 'user', content: 'What color is the sky?' }], completion: [{ role: 'assistant', content: 'It is blue.' }] },
  { prompt: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Sun?' }], completion: [{ role: 'assistant', content: 'Bright.', reasoning_content: 'Short answer.' }] },
]
jsonl('prompt_completion.jsonl', pcText)
jsonl('prompt_completion_conv.jsonl', pcConv)
jsonl('bad_completion_number.jsonl', [{ prompt: 'a', completion: 3 }])

// --- Parquet (same rows as the JSONL files above) ---
const col = (rows, name, type) => ({ name, type,
  data: rows.map(r => (r[name] == null ? null : type === 'INT64' ? BigInt(r[name]) : r[name])) })
parquet('gsm8k.parquet', [col(gsm8k, 'question', 'STRING'), col(gsm8k, 'answer', 'STRING')])
parquet('math500.parquet', ['problem', 'solution', 'answer', 'subject'].map(n => col(math500, n, 'STRING'))
  .concat([col(math500, 'level', 'INT64'), col(math500, 'unique_id', 'STRING')]))
parquet('aime.parquet', [col(aime, 'id', 'INT64'), col(aime, 'problem', 'STRING'), col(aime, 'solution', 'STRING'),
  col(aime, 'answer', 'INT32'), col(aime, 'url', 'STRING')])
parquet('aime_caps.parquet', [col(aimeCaps, 'ID', 'STRING'), col(aimeCaps, 'Problem', 'STRING'), col(aimeCaps, 'Solution', 'STRING'),
  col(aimeCaps, 'Answer', 'INT64')])
// Five rows in row groups of two: the null answer sits in row group 1, row 0 (file row 2).
const five = [...gsm8k, gsm8k[0], gsm8k[1]]
const fiveNull = five.map((r, i) => (i === 2 ? { question: r.question, answer: null } : r))
parquet('gsm8k_rowgroups.parquet', [col(five, 'question', 'STRING'), col(five, 'answer', 'STRING')], { rowGroupSize: 2 })
parquet('bad_null_answer.parquet', [col(fiveNull, 'question', 'STRING'), col(fiveNull, 'answer', 'STRING')], { rowGroupSize: 2 })
parquet('prompt_completion.parquet', [col(pcText, 'prompt', 'STRING'), col(pcText, 'completion', 'STRING')])

// Nested list<struct<role, content, reasoning_content>>, laid out as pyarrow/HF datasets write it
// (optional group (LIST) { repeated group list { optional group element { ... } } }).
// hyparquet-writer writes only data page v2, which Parquet.Net 6.1.0 cannot read for repeated columns
// (NotImplementedException); conversations_pagev2.parquet keeps one such file to test our one-line error.
// The nested files the loader must read are written by parquetjs-lite with data page v1 (pyarrow's default).
const messagesSchema = name => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', num_children: 3 },
  { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'reasoning_content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
]
const full = m => ({ role: m.role, content: m.content, reasoning_content: m.reasoning_content ?? null })
parquet('conversations_pagev2.parquet', [{ name: 'messages', data: convs.map(c => c.messages.map(full)) }],
  { schema: [{ name: 'root', num_children: 1 }, ...messagesSchema('messages')] })

const listOfMessages = {
  type: 'LIST', optional: true, fields: { list: { repeated: true, fields: { element: { optional: true, fields: {
    role: { type: 'UTF8', optional: true }, content: { type: 'UTF8', optional: true },
    reasoning_content: { type: 'UTF8', optional: true } } } } } },
}
const asList = messages => ({ list: messages.map(m => ({ element: m })) })
const parquetV1 = async (name, fields, rows) => {
  const w = await parquetjs.ParquetWriter.openFile(new parquetjs.ParquetSchema(fields), join(out, name), { useDataPageV2: false })
  for (const r of rows) await w.appendRow(r)
  await w.close()
}
await parquetV1('conversations.parquet', { messages: listOfMessages }, convs.map(c => ({ messages: asList(c.messages) })))
await parquetV1('prompt_completion_conv.parquet', { prompt: listOfMessages, completion: listOfMessages },
  pcConv.map(r => ({ prompt: asList(r.prompt), completion: asList(r.completion) })))
const badConv = [convs[0], { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hey' }, { role: 'bot', content: 'x' }] }]
await parquetV1('bad_role.parquet', { messages: listOfMessages }, badConv.map(c => ({ messages: asList(c.messages) })))
console.log('wrote fixtures to', out)
