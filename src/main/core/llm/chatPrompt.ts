// A chat prompt as the model's own template renders it, ending where the assistant's reply begins: the one rendering
// inference (ModelEngine.formatChat) and training (train/tokenizer.ts) share, so a model is trained on exactly the
// tokens it is later asked with.
import { resolveChatWrapper, type ChatHistoryItem, type LlamaModel, type Token } from 'node-llama-cpp'
import type { ChatMessage } from '../prompt/build'

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
