// A prompt as tokens, the one rendering inference (ModelEngine) and training (train/tokenizer.ts) share, so a model
// is trained on exactly the tokens it is later asked with: a chat prompt as the model's own template renders it,
// ending where the assistant's reply begins; a completion prompt as plain text after BOS.
import { resolveChatWrapper, type ChatHistoryItem, type LlamaModel, type Token } from 'node-llama-cpp'
import type { ChatMessage } from '../prompt/build'

/** BOS when the model wants one, then the text with its leading space trimmed (what llama.cpp's own tools feed). */
export function renderCompletionPrompt(model: LlamaModel, text: string): Token[] {
  const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null
  if (bos == null) return model.tokenize(text, false)
  return [bos, ...model.tokenize(text, false, 'trimLeadingSpace')]
}

export function renderChatPrompt(model: LlamaModel, messages: readonly ChatMessage[]): { tokens: Token[]; stops: string[] } {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content }
    if (m.role === 'user') return { type: 'user', text: m.content }
    return { type: 'model', response: [m.content] }
  })
  history.push({ type: 'model', response: [] })
  const state = resolveChatWrapper(model).generateContextState({ chatHistory: history })
  const stops: string[] = []
  for (const trigger of state.stopGenerationTriggers) {
    // Triggers made of special tokens end generation as end-of-generation tokens anyway.
    if (trigger.values.every((v) => typeof v === 'string')) stops.push(trigger.values.join(''))
  }
  return { tokens: state.contextText.tokenize(model.tokenizer), stops: stops.filter(Boolean) }
}
