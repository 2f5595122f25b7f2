// The grid's pure helpers: what a selected rectangle puts on the clipboard, and the hex dump of a BLOB's head.
import { describe, expect, it } from 'vitest'
import { clampPos, rangeCellCount, rangeClipboardText, rangeContains, rangeOf } from '../../src/renderer/src/components/grid/cellRange'
import { base64ToBytes, hexDump } from '../../src/renderer/src/lib/hexDump'
import type { SqlValue } from '../../src/shared/schema'

const rows: SqlValue[][] = [
  [1, 'a\tb', null, { $blob: 3 }],
  [2, 'line\nbreak', 4.5, { $bigint: '9007199254740993' }],
  [3, 'plain', 0, null],
]
// drawn with the third data column pinned first
const drawn = [
  { name: 'z', dataIndex: 2 },
  { name: 'id', dataIndex: 0 },
  { name: 'txt', dataIndex: 1 },
  { name: 'bin', dataIndex: 3 },
]

describe('cell ranges', () => {
  it('normalises a selection dragged up and to the left', () => {
    const range = rangeOf({ anchor: { row: 2, col: 3 }, focus: { row: 0, col: 1 } })
    expect(range).toEqual({ top: 0, bottom: 2, left: 1, right: 3 })
    expect(rangeCellCount(range)).toBe(9)
    expect(rangeContains(range, 1, 2)).toBe(true)
    expect(rangeContains(range, 1, 0)).toBe(false)
    expect(clampPos({ row: -1, col: 9 }, 3, 4)).toEqual({ row: 0, col: 3 })
  })

  it('copies one cell bare, NULL as nothing', () => {
    expect(rangeClipboardText({ top: 1, bottom: 1, left: 2, right: 2 }, rows, drawn)).toBe('line\nbreak')
    expect(rangeClipboardText({ top: 0, bottom: 0, left: 0, right: 0 }, rows, drawn)).toBe('')
  })

  it('copies a rectangle as TSV under its columns’ names, in drawn order', () => {
    expect(rangeClipboardText({ top: 0, bottom: 1, left: 0, right: 3 }, rows, drawn)).toBe(
      'z\tid\ttxt\tbin\n\t1\ta b\tBLOB (3 bytes)\n4.5\t2\tline break\t9007199254740993',
    )
  })
})

describe('hex dump', () => {
  it('draws offsets, two groups of eight bytes and the printable ASCII', () => {
    const bytes = base64ToBytes(Buffer.from('Hello, hex!\u0000\u0001\u00ff-tail', 'latin1').toString('base64'))
    expect(bytes.length).toBe(19)
    expect(hexDump(bytes).split('\n')).toEqual([
      '00000000  48 65 6c 6c 6f 2c 20 68  65 78 21 00 01 ff 2d 74  |Hello, hex!...-t|',
      // a short last line keeps the ASCII column where the full lines have it
      `00000010  61 69 6c${' '.repeat(42)}|ail|`,
    ])
  })
})
