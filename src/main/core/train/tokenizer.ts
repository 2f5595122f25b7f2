// The base model's tokenizer through node-llama-cpp, producing exactly what inference feeds the model (both render
// prompts with llm/chatPrompt.ts; test/train/tokenize.test.ts checks the two agree token for token).
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { renderChatPrompt, renderCompletionPrompt } from '../llm/chatPrompt'
import { SqlstillError } from '../../../shared/errors'
import type { Tokenizer } from './data'

export async function withTokenizer<T>(modelPath: string, fn: (tok: Tokenizer) => T): Promise<T> {
  const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error })
  let model
  try {
    model = await llama.loadModel({ modelPath, vocabOnly: true, gpuLayers: 0 })
  } catch (err) {
    throw new SqlstillError('NOT_A_MODEL', `cannot load the tokenizer of ${modelPath}: ${(err as Error).message}`)
  }
  try {
    const tokens = model.tokens
    const m = model
    const hasTemplate = typeof (m.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template === 'string'
    return fn({
      tokenize: (text) => renderCompletionPrompt(m, text).map(Number),
      eos: tokens.eos == null ? null : Number(tokens.eos),
      eot: tokens.eot != null ? Number(tokens.eot) : tokens.eos != null ? Number(tokens.eos) : null,
      ...(hasTemplate
        ? {
            // as ModelEngine.formatChat renders a question at inference: the same wrapper, ending at the reply
            chat: (messages) => renderChatPrompt(m, messages).tokens.map(Number),
            reply: (text) => [...m.tokenize(text, false)].map(Number),
          }
        : {}),
    })
  } finally {
    await model.dispose()
  }
}
