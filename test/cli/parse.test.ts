import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import {
  parseAdapterScale,
  parseFraction,
  parseInteger,
  parseList,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parsePort,
  parsePositiveInt,
  parsePositiveNumber,
  parseAnswerMaxTokens,
  parseTemperature,
} from '../../src/main/cli/parse'

const cases: [string, (v: string) => number, string[], string[]][] = [
  ['parsePositiveInt', parsePositiveInt, ['1', '200'], ['0', '-1', '1.5', 'x', '', ' ']],
  ['parseNonNegativeInt', parseNonNegativeInt, ['0', '7'], ['-1', '0.5', 'NaN', '']],
  ['parseInteger', parseInteger, ['-3', '0', '42'], ['4.2', 'seven', '']],
  ['parsePositiveNumber', parsePositiveNumber, ['5e-3', '16'], ['0', '-1', 'Infinity', '']],
  ['parseNonNegativeNumber', parseNonNegativeNumber, ['0', '0.2'], ['-0.1', 'Infinity', '']],
  ['parseFraction', parseFraction, ['0', '0.25', '0.999'], ['1', '-0.1', '2', '']],
  ['parsePort', parsePort, ['0', '8080', '65535'], ['65536', '-1', '80.5', '']],
  ['parseAdapterScale', parseAdapterScale, ['0', '1', '4'], ['-0.5', '4.1', 'strong', '']],
  ['parseTemperature', parseTemperature, ['0', '0.7', '2'], ['-0.1', '2.01', 'hot', '']],
  ['parseAnswerMaxTokens', parseAnswerMaxTokens, ['1', '256', '4096'], ['0', '4097', '12.5', '']],
]

describe('CLI option parsers', () => {
  for (const [name, parse, good, bad] of cases) {
    it(`${name} accepts ${good.join(', ')} and refuses ${bad.map((b) => JSON.stringify(b)).join(', ')}`, () => {
      for (const g of good) expect(parse(g)).toBe(Number(g))
      for (const b of bad) expect(() => parse(b), b).toThrow(InvalidArgumentError)
    })
  }

  it('splits a comma list, trimming and dropping empty items', () => {
    expect(parseList(' Pets, Student ,,')).toEqual(['Pets', 'Student'])
  })
})
