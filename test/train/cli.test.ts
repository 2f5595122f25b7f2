// The train and export CLI commands, driven through commander in-process (the lead wires them into the program).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, it, vi } from 'vitest'
import { register as registerExport } from '../../src/main/cli/commands/export'
import { register as registerTrain } from '../../src/main/cli/commands/train'
import { loadPairsJsonl, questionPrompt } from '../../src/main/core/train/dataset'
import { readGgufMetadata } from '../../src/main/core/train/native'
import { tempDir } from '../helpers/paths'
import { ensureNativeBuilt } from '../native/helpers/native'
import { storiesF32, storyPairs } from './helpers'

ensureNativeBuilt()

function program(): Command {
  const p = new Command().exitOverride()
  registerTrain(p)
  registerExport(p)
  return p
}

describe('dataset loading', () => {
  it('reads prompt/completion and question/sql lines and names the bad line', () => {
    const dir = tempDir()
    const file = join(dir, 'pairs.jsonl')
    writeFileSync(file, '{"prompt":"a","completion":"b"}\n\n{"question":"How many?","sql":"SELECT 1"}\n')
    expect(loadPairsJsonl(file)).toEqual([
      { prompt: 'a', completion: 'b' },
      { prompt: questionPrompt('How many?'), completion: 'SELECT 1' },
    ])
    writeFileSync(file, '{"prompt":"a","completion":"b"}\n{"q":1}\n')
    expect(() => loadPairsJsonl(file)).toThrow(/pairs.jsonl:2: expected/)
  })
})

describe('sqlstill train / export', () => {
  it('trains from a JSONL file and exports the fused model', async () => {
    const dir = tempDir('sqlstill-cli-')
    const data = join(dir, 'pairs.jsonl')
    writeFileSync(data, storyPairs(6).map((p) => JSON.stringify(p)).join('\n'))
    const out = join(dir, 'run')
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      await program().parseAsync(['train', '--base', storiesF32, '--data', data, '--out', out, '--rank', '2', '--batch-size', '2', '--max-steps', '3', '--threads', '1', '--max-length', '64', '--json'], { from: 'user' })
      const result = JSON.parse(String(stdout.mock.calls.map((c) => c[0]).join(''))) as { steps: number; adapterPath: string }
      expect(result.steps).toBe(3)
      stdout.mockClear()
      const fused = join(dir, 'fused.gguf')
      await program().parseAsync(['export', '--base', storiesF32, '--adapter', result.adapterPath, '--type', 'Q8_0', '--out', fused, '--threads', '1'], { from: 'user' })
      expect(String(stdout.mock.calls[0]?.[0])).toContain(fused)
      expect(readGgufMetadata(fused).tensors.some((t) => t.type === 'q8_0')).toBe(true)
    } finally {
      stdout.mockRestore()
      stderr.mockRestore()
    }
  })
})
