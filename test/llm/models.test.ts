import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { partialPath } from '../../src/main/core/llm/download'
import type { ModelDownloadProgress } from '../../src/main/core/llm/models'
import { ModelManager, RECOMMENDED_MODELS, resolveModelUri } from '../../src/main/core/llm/models'
import { SqlstillError } from '../../src/shared/errors'
import { storiesF32, storiesQ8, tempDir } from './models'
import { codeOf } from '../helpers/errors'

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** A tiny static file server with Range support that sends 16 KiB every 10 ms, so a download can be stopped midway. */
function startServer(files: Record<string, Buffer>) {
  const requests: { url: string; range: string | undefined }[] = []
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range })
    const body = files[req.url ?? '']
    if (!body) {
      res.writeHead(404).end('not found')
      return
    }
    let start = 0
    let end = body.length - 1
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (range) {
      start = Number(range[1])
      if (range[2]) end = Number(range[2])
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end()
        return
      }
      res.writeHead(206, {
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${body.length}`,
        'Accept-Ranges': 'bytes',
      })
    } else {
      res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' })
    }
    let pos = start
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer)
      const next = Math.min(pos + 16 * 1024, end + 1)
      res.write(body.subarray(pos, next))
      pos = next
      if (pos > end) {
        clearInterval(timer)
        res.end()
      }
    }, 10)
    res.on('close', () => clearInterval(timer))
  })
  return { server, requests }
}

describe('model URIs and the recommended list', () => {
  test('hf: URIs become Hugging Face download URLs; bad sources are BAD_REQUEST', () => {
    expect(resolveModelUri('hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf')).toEqual({
      url: 'https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
      fileName: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    })
    expect(resolveModelUri('https://example.com/a/b/model%20x.gguf?download=1').fileName).toBe('model_x.gguf')
    for (const bad of ['hf:Qwen/repo', 'ftp://x/y.gguf', 'https://example.com/readme.md', 'nonsense']) {
      expect(() => resolveModelUri(bad)).toThrow(SqlstillError)
    }
    expect(RECOMMENDED_MODELS.map((m) => m.role)).toEqual(['student', 'student', 'teacher'])
    for (const m of RECOMMENDED_MODELS) expect(() => resolveModelUri(m.uri)).not.toThrow()
  })
})

describe('model manager', () => {
  const q8 = readFileSync(storiesQ8)
  const { server, requests } = startServer({
    '/models/stories260K-q8_0.gguf': q8,
    '/models/not-a-model.gguf': Buffer.alloc(100_000, 7),
  })
  let base = ''
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  test('download with progress, cancel midway, resume with a Range request, identical file', async () => {
    const manager = new ModelManager(tempDir('sqlstill-models-'))
    const uri = `${base}/models/stories260K-q8_0.gguf`
    const events: ModelDownloadProgress[] = []
    const controller = new AbortController()
    const first = manager.download(uri, {
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p)
        if (p.downloadedBytes > 150_000) controller.abort()
      },
    })
    expect(await codeOf(first)).toBe('CANCELLED')
    const partial = partialPath(path.join(manager.modelsDir, 'stories260K-q8_0.gguf'))
    const kept = statSync(partial).size
    expect(kept).toBeGreaterThan(100_000)
    expect(kept).toBeLessThan(q8.length)
    expect(events.length).toBeGreaterThan(0)
    expect(events.at(-1)).toMatchObject({ totalBytes: q8.length, fileName: 'stories260K-q8_0.gguf', uri })
    expect(events.at(-1)!.bytesPerSecond).toBeGreaterThan(0)
    expect(events.at(-1)!.etaSeconds).toBeGreaterThan(0)
    // Not a model yet: half a file is not listed.
    expect(await manager.list()).toEqual([])

    const resumedEvents: ModelDownloadProgress[] = []
    const entry = await manager.download(uri, { onProgress: (p) => resumedEvents.push(p) })
    expect(requests.at(-1)?.range).toBe(`bytes=${kept}-`)
    expect(resumedEvents.at(-1)).toMatchObject({ downloadedBytes: q8.length, resumedFromBytes: kept, etaSeconds: 0 })
    expect(sha256(entry.path)).toBe(sha256(storiesQ8))
    expect(existsSync(partial)).toBe(false)
    expect(entry).toMatchObject({ managed: true, source: uri, info: { quantization: 'Q8_0', architecture: 'llama' } })

    // Downloading again is a no-op that returns the validated file.
    const before = requests.length
    expect((await manager.download(uri)).id).toBe(entry.id)
    expect(requests.length).toBe(before)
  })

  test('offline or cut off: UNREACHABLE in plain words, the partial file kept, and a retry finishes it', async () => {
    const manager = new ModelManager(tempDir('sqlstill-models-'))
    // nothing listens on a port that was just closed
    const closed = http.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const refused = await manager.download(`http://127.0.0.1:${port}/m.gguf`).catch((e: SqlstillError) => e)
    expect(refused).toMatchObject({ code: 'UNREACHABLE', details: { networkCode: 'ECONNREFUSED' } })
    expect((refused as SqlstillError).message).toMatch(/could not be reached.*add a GGUF file from disk/)

    // a connection that drops after 100 KB: the bytes stay, and the retry asks only for the rest
    const cut = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Length': q8.length })
      res.write(q8.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 50))
    })
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r))
    const cutUrl = `http://127.0.0.1:${(cut.address() as AddressInfo).port}/models/stories260K-q8_0.gguf`
    try {
      const dropped = await manager.download(cutUrl).catch((e: SqlstillError) => e)
      expect(dropped).toMatchObject({ code: 'UNREACHABLE' })
      expect((dropped as SqlstillError).message).toMatch(/100000 bytes already downloaded are kept/)
      expect(statSync(partialPath(path.join(manager.modelsDir, 'stories260K-q8_0.gguf'))).size).toBe(100_000)
    } finally {
      await new Promise<void>((r) => cut.close(() => r()))
    }
    const entry = await manager.download(`${base}/models/stories260K-q8_0.gguf`)
    expect(requests.at(-1)?.range).toBe('bytes=100000-')
    expect(sha256(entry.path)).toBe(sha256(storiesQ8))
  })

  test('a download that is not a model is deleted; a missing file is NOT_FOUND', async () => {
    const manager = new ModelManager(tempDir('sqlstill-models-'))
    expect(await codeOf(manager.download(`${base}/models/not-a-model.gguf`))).toBe('NOT_A_MODEL')
    expect(existsSync(path.join(manager.modelsDir, 'not-a-model.gguf'))).toBe(false)
    expect(await codeOf(manager.download(`${base}/models/missing.gguf`))).toBe('NOT_FOUND')
    expect(await manager.list()).toEqual([])
  })

  test('add by path, list with metadata, delete: managed files are deleted, external ones only forgotten', async () => {
    const dataDir = tempDir('sqlstill-models-')
    const manager = new ModelManager(dataDir)
    const external = path.join(tempDir(), 'my-model.gguf')
    copyFileSync(storiesF32, external)
    const junk = path.join(tempDir(), 'junk.gguf')
    writeFileSync(junk, 'not a gguf at all')

    expect(await codeOf(manager.add(junk))).toBe('NOT_A_MODEL')
    expect(await codeOf(manager.add(path.join(dataDir, 'missing.gguf')))).toBe('NOT_FOUND')
    const ext = await manager.add(external)
    expect(ext).toMatchObject({ managed: false, fileName: 'my-model.gguf', info: { quantization: 'F32', contextLength: 512 } })
    await manager.add(external) // adding twice keeps one entry

    const managed = await manager.download(`${base}/models/stories260K-q8_0.gguf`)
    const listed = await new ModelManager(dataDir).list()
    expect(listed.map((m) => [m.fileName, m.managed])).toEqual([
      ['stories260K-q8_0.gguf', true],
      ['my-model.gguf', false],
    ])
    expect(listed[0].info?.parameterCount).toBe(listed[1].info?.parameterCount)

    expect(await manager.remove(ext.id)).toMatchObject({ deletedFile: false })
    expect(existsSync(external)).toBe(true)
    expect(await manager.remove(managed.id)).toMatchObject({ deletedFile: true })
    expect(existsSync(managed.path)).toBe(false)
    expect(await manager.list()).toEqual([])
    expect(await codeOf(manager.remove('0123456789abcdef'))).toBe('NOT_FOUND')
  })
})
